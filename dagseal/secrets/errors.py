"""Errors of the secrets package: each message names the connection, variable or setting concerned."""

from dagseal.errors import DagsealError

__all__ = ["FernetKeyError", "SecretNotFound", "SecretsBackendError", "SecretsError"]


class SecretsError(DagsealError):
    """A connection, variable or XCom could not be read or written as asked."""


class FernetKeyError(SecretsError):
    """``[core] fernet_key`` is missing, malformed, or holds none of the keys a row was encrypted with."""


class SecretNotFound(SecretsError):
    """No backend defines the connection or variable for the asking team."""


class SecretsBackendError(SecretsError):
    """A backend is misconfigured (``[secrets] backend``, a file it reads)."""
