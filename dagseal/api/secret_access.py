"""Per-team access to connections and variables: a team's user sees its own rows and the shared
rows (``team`` NULL), may change only its own; another team's row answers 404 like a missing one.
Admins see every row and address a team's row with ``?team=`` (default: the shared row).

Rows are read and written only through :mod:`dagseal.secrets.store` (one encryption, one storage).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from dagseal.api.access import not_found
from dagseal.api.auth.users import CurrentUser
from dagseal.db.models import ConnectionModel, VariableModel
from dagseal.sdk.connection import is_sensitive_name
from dagseal.secrets.fernet import Cipher

__all__ = [
    "MASK",
    "TeamName",
    "TeamQuery",
    "cipher_of",
    "mask_extra",
    "owned_team",
    "rows_visible",
    "unmask_extra",
    "visible_row",
    "writable",
]

MASK = "***"
Row = TypeVar("Row", ConnectionModel, VariableModel)
Finder = Callable[[Session, str, str | None, bool], Any]  # store.find_connection / find_variable

TeamName = Annotated[str, Field(min_length=1, max_length=250, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
"""A team a body may name (a DAG directory name, as ``users create --team`` accepts)."""

TeamQuery = Annotated[
    str | None,
    Query(max_length=250, description="the team whose row is meant (admins; default: the shared row)"),
]


def cipher_of(request: Request) -> Cipher:
    """The ``[core] fernet_key`` cipher of this server (an unset key is refused when used, by name)."""
    return Cipher(request.app.state.settings.fernet_keys)


def rows_visible(model: type[Row], user: CurrentUser) -> Any:
    """SQL condition: the rows a user may list (its team's and the shared ones; all for admins)."""
    if user.team is None:
        return model.id.is_not(None)
    return model.team.is_(None) | (model.team == user.team)


def visible_row(
    session: Session, user: CurrentUser, find: Finder, what: str, name: str, team: str | None
) -> Any:
    """The row a request names, or 404. A team user without ``team`` gets its own row if it has
    one, else the shared one (what its tasks see); with ``team`` only that exact row."""
    if user.team is None:
        row = find(session, name, team, True)
    elif team not in (None, user.team):
        row = None
    else:
        row = find(session, name, user.team, team is not None)
    if row is None:
        raise not_found(f"{what} {name!r}" + (f" of team {team!r}" if team else ""))
    return row


def writable(row: ConnectionModel | VariableModel, user: CurrentUser, what: str) -> None:
    """Refuse a team user's change of a shared row (only admins change what every team sees)."""
    if user.team is not None and row.team != user.team:
        raise HTTPException(403, f"{what} is shared (team null): only an admin may change it")


def owned_team(user: CurrentUser, team: str | None) -> str | None:
    """The team a new row belongs to: the user's own; an admin may name any (None: shared)."""
    if user.team is None:
        return team
    if team not in (None, user.team):
        raise HTTPException(403, f"field 'team': only an admin may create rows of team {team!r}")
    return user.team


def mask_extra(extra: str | None) -> str | None:
    """A connection's extra JSON with every secret-looking key's value replaced by ``***``."""
    if not extra:
        return extra
    data = json.loads(extra)
    return json.dumps({k: MASK if is_sensitive_name(k) else v for k, v in data.items()})


def unmask_extra(new: str | None, old: str | None) -> str | None:
    """A patched extra where a key still ``***`` (as a GET showed it) keeps its stored value."""
    if not new or not old:
        return new
    data, stored = json.loads(new), json.loads(old)
    if not isinstance(data, dict):
        return new
    return json.dumps({k: stored.get(k, v) if v == MASK else v for k, v in data.items()})
