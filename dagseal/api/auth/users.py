"""Creating, finding and checking users and their API tokens.

Passwords are argon2id hashes (argon2-cffi); tokens are 256 random bits shown once, stored as their
SHA-256 (a token is already high-entropy, so a slow hash adds nothing and a lookup stays an index hit).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import ApiTokenModel, UserModel
from dagseal.errors import DagsealError

TOKEN_PREFIX = "dsk_"
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_hasher = PasswordHasher()


class UserError(DagsealError):
    """A user or token cannot be created, found or deleted as asked."""


class Role(StrEnum):
    """admin: every team, deployments and users; op and user: act on their team's DAGs; viewer: read."""

    ADMIN = "admin"
    OP = "op"
    USER = "user"
    VIEWER = "viewer"


@dataclass(frozen=True)
class CurrentUser:
    """Who a request acts for; ``team`` None means every team (admins only)."""

    id: int
    username: str
    role: Role
    team: str | None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_act(self) -> bool:
        """May trigger, clear, mark and pause (viewers may only read)."""
        return self.role is not Role.VIEWER

    @classmethod
    def of(cls, row: UserModel) -> CurrentUser:
        return cls(id=row.id, username=row.username, role=Role(row.role), team=row.team)


def _check_role_team(role: str, team: str | None) -> Role:
    try:
        parsed = Role(role)
    except ValueError:
        raise UserError(f"--role must be one of {', '.join(r.value for r in Role)}, got {role!r}") from None
    if parsed is Role.ADMIN and team:
        raise UserError("--team is not allowed for role admin (admins see every team)")
    if parsed is not Role.ADMIN and not team:
        raise UserError(f"--team is required for role {parsed.value} (the DAG directory name, e.g. team_x)")
    if team and not _TEAM.match(team):
        raise UserError(f"--team must be a DAG directory name (letters, digits, _ . -), got {team!r}")
    return parsed


def create_user(session: Session, username: str, password: str, role: str, team: str | None) -> UserModel:
    """A new user; refuses a taken username, an unknown role, or a team that does not fit the role."""
    if not username.strip():
        raise UserError("--username must not be empty")
    if len(password) < 8:
        raise UserError("--password must be at least 8 characters")
    parsed = _check_role_team(role, team)
    if session.scalar(select(UserModel.id).where(UserModel.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    row = UserModel(
        username=username, password_hash=_hasher.hash(password), role=parsed.value, team=team or None
    )
    session.add(row)
    session.flush()
    return row


def list_users(session: Session) -> list[UserModel]:
    return list(session.scalars(select(UserModel).order_by(UserModel.username)))


def _get(session: Session, username: str) -> UserModel:
    row = session.scalar(select(UserModel).where(UserModel.username == username))
    if row is None:
        raise UserError(f"no user {username!r}; see `dagseal users list`")
    return row


def delete_user(session: Session, username: str) -> None:
    """Delete a user and (by cascade) its tokens."""
    session.delete(_get(session, username))


def authenticate(session: Session, username: str, password: str) -> CurrentUser | None:
    """The user if the password matches, else None (same answer for an unknown name)."""
    row = session.scalar(select(UserModel).where(UserModel.username == username))
    if row is None:
        _hasher.hash(password)  # same work either way, so timing does not reveal which names exist
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return CurrentUser.of(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, username: str, description: str | None = None) -> str:
    """A new API token for ``username``; the caller shows it once (only its hash is stored)."""
    row = _get(session, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiTokenModel(user_id=row.id, token_hash=_token_hash(token), description=description))
    return token


def user_for_token(session: Session, token: str) -> CurrentUser | None:
    row = session.scalar(
        select(UserModel)
        .join(ApiTokenModel, ApiTokenModel.user_id == UserModel.id)
        .where(ApiTokenModel.token_hash == _token_hash(token))
    )
    return None if row is None else CurrentUser.of(row)


def user_by_id(session: Session, user_id: int) -> CurrentUser | None:
    row = session.get(UserModel, user_id)
    return None if row is None else CurrentUser.of(row)
