"""Connections, variables and XCom on the host: encryption at rest, backends, answers to sandboxes.

Host side only (it owns the database); the sandbox asks through the protocol and never imports this.
"""

from dagseal.secrets.chain import SecretsChain, secrets_chain
from dagseal.secrets.errors import FernetKeyError, SecretNotFound, SecretsBackendError, SecretsError
from dagseal.secrets.fernet import Cipher, cipher_from_config
from dagseal.secrets.settings import SecretsSettings

__all__ = [
    "Cipher",
    "FernetKeyError",
    "SecretNotFound",
    "SecretsBackendError",
    "SecretsChain",
    "SecretsError",
    "SecretsSettings",
    "cipher_from_config",
    "secrets_chain",
]
