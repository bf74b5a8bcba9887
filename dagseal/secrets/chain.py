"""The search order for connections and variables, and the one "not defined" message.

Airflow's order: the ``[secrets] backend`` a platform configured (its vault), then the host's
environment, then files (LocalFilesystemBackend), then the metastore. The first backend that
defines the id wins. A team asking for another team's connection gets exactly the message of an
id nobody defined, so the answer does not reveal that it exists.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session, sessionmaker

from dagseal.sdk.connection import Connection
from dagseal.secrets.backends import (
    BaseSecretsBackend,
    EnvironmentBackend,
    LocalFilesystemBackend,
    MetastoreBackend,
)
from dagseal.secrets.errors import SecretNotFound, SecretsBackendError
from dagseal.secrets.fernet import Cipher
from dagseal.secrets.settings import SecretsSettings

__all__ = ["SecretsChain", "configured_backend", "secrets_chain"]


class SecretsChain:
    def __init__(self, backends: Sequence[BaseSecretsBackend]) -> None:
        self.backends = tuple(backends)

    def _looked_in(self) -> str:
        return ", ".join(backend.label for backend in self.backends)

    def get_connection(self, conn_id: str, team: str | None) -> Connection:
        for backend in self.backends:
            found = backend.get_connection(conn_id, team)
            if found is not None:
                return found
        who, places = team or "shared use", self._looked_in()
        raise SecretNotFound(f"connection {conn_id!r} is not defined for {who} (looked in: {places})")

    def get_variable(self, key: str, team: str | None) -> str | None:
        """The value, or None when no backend defines ``key`` for ``team``."""
        for backend in self.backends:
            found = backend.get_variable(key, team)
            if found is not None:
                return found
        return None

    def variable_not_found(self, key: str, team: str | None) -> str:
        return f"variable {key!r} is not defined for {team or 'shared use'} (looked in: {self._looked_in()})"


def configured_backend(settings: SecretsSettings) -> BaseSecretsBackend | None:
    """``[secrets] backend = module.Class`` built with ``backend_kwargs``, or None."""
    path = settings.backend
    if not path:
        return None
    module_name, _, class_name = path.rpartition(".")
    try:
        backend_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SecretsBackendError(f"[secrets] backend = {path!r} cannot be imported: {exc}") from None
    if not (isinstance(backend_class, type) and issubclass(backend_class, BaseSecretsBackend)):
        raise SecretsBackendError(
            f"[secrets] backend = {path!r} is not a subclass of dagseal.secrets.backends.BaseSecretsBackend"
        )
    try:
        return backend_class(**settings.backend_kwargs)
    except TypeError as exc:
        raise SecretsBackendError(f"[secrets] backend_kwargs do not fit {path}: {exc}") from None


def secrets_chain(
    settings: SecretsSettings,
    factory: sessionmaker[Session],
    environ: Mapping[str, str] | None = None,
    cipher: Cipher | None = None,
) -> SecretsChain:
    extra = configured_backend(settings)
    backends: list[BaseSecretsBackend] = [] if extra is None else [extra]
    backends.append(EnvironmentBackend(environ))
    backends.append(
        LocalFilesystemBackend(settings.connections_file_path or "", settings.variables_file_path or "")
    )
    backends.append(MetastoreBackend(factory, cipher or Cipher(settings.fernet_keys)))
    return SecretsChain(backends)
