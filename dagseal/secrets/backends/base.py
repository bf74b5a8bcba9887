"""The one extension point for secrets: a backend answers "connection X / variable Y for team T?".

A platform plugs its vault in with ``[secrets] backend = package.module.Class`` and
``backend_kwargs = {"json": "object"}`` (given to the constructor). It is searched before the
built-in environment, files and metastore backends, as in Airflow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from dagseal.sdk.connection import Connection

__all__ = ["BaseSecretsBackend"]


class BaseSecretsBackend(ABC):
    """``team`` is the asking try's team (its DAG directory's name), or None for a shared lookup."""

    #: how "looked in: ..." messages name this backend
    label: str = "backend"

    @abstractmethod
    def get_connection(self, conn_id: str, team: str | None) -> Connection | None:
        """The connection, or None if this backend does not define it for ``team``."""

    @abstractmethod
    def get_variable(self, key: str, team: str | None) -> str | None:
        """The variable's text value, or None if this backend does not define it for ``team``."""
