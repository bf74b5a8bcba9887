"""Connections and variables from the metadata database, scoped to the asking team."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.session import session_scope
from dagseal.sdk.connection import Connection
from dagseal.secrets.backends.base import BaseSecretsBackend
from dagseal.secrets.fernet import Cipher
from dagseal.secrets.store import find_connection, find_variable, read_connection, read_variable

__all__ = ["MetastoreBackend"]


class MetastoreBackend(BaseSecretsBackend):
    """A team sees its own rows and the shared ones (``team`` NULL); never another team's."""

    label = "metastore"

    def __init__(self, factory: sessionmaker[Session], cipher: Cipher) -> None:
        self._factory = factory
        self._cipher = cipher

    def get_connection(self, conn_id: str, team: str | None) -> Connection | None:
        with session_scope(self._factory) as session:
            row = find_connection(session, conn_id, team)
            return None if row is None else read_connection(row, self._cipher)

    def get_variable(self, key: str, team: str | None) -> str | None:
        with session_scope(self._factory) as session:
            row = find_variable(session, key, team)
            return None if row is None else read_variable(row, self._cipher)
