"""The metastore's ``connection`` and ``variable`` rows: read, write, rotate, always through Fernet.

Every function works in the caller's session (the CLI commits once per command, so a failure
halfway writes nothing). ``team`` None is the shared row every team sees; a team's own row of
the same id wins over the shared one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import ConnectionModel, VariableModel
from dagseal.sdk.connection import Connection
from dagseal.secrets.errors import SecretsError
from dagseal.secrets.fernet import Cipher

__all__ = [
    "add_connection",
    "connection_rows",
    "delete_connection",
    "delete_variable",
    "describe",
    "find_connection",
    "find_variable",
    "read_connection",
    "read_variable",
    "rotate_all",
    "set_variable",
    "variable_rows",
]


def describe(kind: str, name: str, team: str | None) -> str:
    """How messages name a row: ``connection 'db' of team_x`` / ``variable 'k' (shared)``."""
    return f"{kind} {name!r} " + (f"of {team}" if team else "(shared)")


Row = TypeVar("Row", ConnectionModel, VariableModel)


def _find(session: Session, model: type[Row], key: Any, team: str | None, exact: bool) -> Row | None:
    """``key``: the id condition. ``exact``: only the row of exactly ``team`` (the CLI's view);
    else what the team sees: its own row if there is one, else the shared one."""
    shared = model.team.is_(None)
    if exact:
        return session.scalar(select(model).where(key, shared if team is None else model.team == team))
    rows = list(session.scalars(select(model).where(key, (model.team == team) | shared)))
    own = [row for row in rows if row.team is not None]
    return (own or rows or [None])[0]


def _rows(session: Session, model: type[Row], order: Any, team: str | None, all_teams: bool) -> list[Row]:
    query = select(model).order_by(order, model.team)
    if not all_teams:
        query = query.where(model.team.is_(None) if team is None else model.team == team)
    return list(session.scalars(query))


def find_connection(
    session: Session, conn_id: str, team: str | None, exact: bool = False
) -> ConnectionModel | None:
    return _find(session, ConnectionModel, ConnectionModel.conn_id == conn_id, team, exact)


def read_connection(row: ConnectionModel, cipher: Cipher) -> Connection:
    what = describe("connection", row.conn_id, row.team)
    return Connection(
        conn_id=row.conn_id,
        conn_type=row.conn_type,
        description=row.description,
        host=row.host,
        schema=row.schema,
        login=row.login,
        password=None if row.password is None else cipher.decrypt(row.password, f"the password of {what}"),
        port=row.port,
        extra=None if row.extra is None else cipher.decrypt(row.extra, f"the extra of {what}"),
    )


def add_connection(session: Session, connection: Connection, team: str | None, cipher: Cipher) -> None:
    what = describe("connection", connection.conn_id, team)
    if find_connection(session, connection.conn_id, team, exact=True) is not None:
        raise SecretsError(f"{what} already exists; delete it first")
    session.add(
        ConnectionModel(
            conn_id=connection.conn_id,
            conn_type=connection.conn_type,
            description=connection.description,
            host=connection.host,
            schema=connection.schema,
            login=connection.login,
            password=None
            if connection.password is None
            else cipher.encrypt(connection.password, f"the password of {what}"),
            port=connection.port,
            extra=None
            if connection.extra is None
            else cipher.encrypt(connection.extra, f"the extra of {what}"),
            team=team,
        )
    )
    session.flush()


def _delete(session: Session, row: ConnectionModel | VariableModel | None, what: str) -> None:
    if row is None:
        raise SecretsError(f"{what} does not exist")
    session.delete(row)


def delete_connection(session: Session, conn_id: str, team: str | None) -> None:
    row = find_connection(session, conn_id, team, exact=True)
    _delete(session, row, describe("connection", conn_id, team))


def connection_rows(session: Session, team: str | None, all_teams: bool) -> list[ConnectionModel]:
    return _rows(session, ConnectionModel, ConnectionModel.conn_id, team, all_teams)


def find_variable(session: Session, key: str, team: str | None, exact: bool = False) -> VariableModel | None:
    return _find(session, VariableModel, VariableModel.key == key, team, exact)


def read_variable(row: VariableModel, cipher: Cipher) -> str:
    return cipher.decrypt(row.val, f"the value of {describe('variable', row.key, row.team)}")


def set_variable(
    session: Session, key: str, value: str, team: str | None, cipher: Cipher, description: str | None = None
) -> None:
    """Insert or replace the team's variable ``key`` (a shared row is never changed by a team)."""
    token = cipher.encrypt(value, f"the value of {describe('variable', key, team)}")
    row = find_variable(session, key, team, exact=True)
    if row is None:
        session.add(VariableModel(key=key, val=token, description=description, team=team))
    else:
        row.val = token
        if description is not None:
            row.description = description
    session.flush()


def delete_variable(session: Session, key: str, team: str | None) -> None:
    _delete(session, find_variable(session, key, team, exact=True), describe("variable", key, team))


def variable_rows(session: Session, team: str | None, all_teams: bool) -> list[VariableModel]:
    return _rows(session, VariableModel, VariableModel.key, team, all_teams)


def rotate_all(session: Session, cipher: Cipher) -> int:
    """Re-encrypt every secret with the first key; returns how many values changed.

    All new tokens are computed before any row is touched, so a row no key can decrypt fails the
    command (naming that row) with nothing overwritten.
    """
    updates: list[tuple[object, str, str]] = []
    for row in session.scalars(select(ConnectionModel)):
        what = describe("connection", row.conn_id, row.team)
        for column in ("password", "extra"):
            token = getattr(row, column)
            if token is not None:
                updates.append((row, column, cipher.rotate(token, f"the {column} of {what}")))
    for row in session.scalars(select(VariableModel)):
        what = describe("variable", row.key, row.team)
        updates.append((row, "val", cipher.rotate(row.val, f"the value of {what}")))
    for row, column, token in updates:
        setattr(row, column, token)
    session.flush()
    return len(updates)
