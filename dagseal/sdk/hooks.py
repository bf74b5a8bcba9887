"""``BaseHook``: the Airflow base class of hooks; here it only knows how to fetch a connection."""

from __future__ import annotations

from dagseal.sdk.connection import Connection

__all__ = ["BaseHook"]


class BaseHook:
    """Subclass it for a client of an external system; ``get_connection`` asks the supervisor."""

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        return Connection.get(conn_id)
