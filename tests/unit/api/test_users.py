"""Users, roles, teams and tokens on a real (SQLite) database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.api.auth import UserError, authenticate, create_token, create_user, delete_user, user_for_token
from dagseal.db.models import ApiTokenModel, UserModel
from dagseal.db.session import session_scope

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_password_is_hashed_and_checked(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        create_user(session, "ann", "s3cret-pass", "op", "team_x")
    with session_scope(session_factory) as session:
        row = session.scalar(select(UserModel))
        assert row.password_hash.startswith("$argon2id$") and "s3cret-pass" not in row.password_hash
        user = authenticate(session, "ann", "s3cret-pass")
        assert user is not None and (user.role.value, user.team, user.can_act) == ("op", "team_x", True)
        assert authenticate(session, "ann", "wrong-pass") is None
        assert authenticate(session, "nobody", "s3cret-pass") is None


@pytest.mark.parametrize(
    ("role", "team", "message"),
    [
        ("root", "team_x", "--role must be one of"),
        ("admin", "team_x", "--team is not allowed for role admin"),
        ("viewer", None, "--team is required for role viewer"),
        ("op", "../etc", "--team must be a DAG directory name"),
    ],
)
def test_bad_role_or_team_is_refused_by_name(
    session_factory: sessionmaker[Session], role: str, team: str | None, message: str
) -> None:
    with (
        session_scope(session_factory) as session,
        pytest.raises(UserError, match=message.replace("-", r"\-")),
    ):
        create_user(session, "bob", "long-enough", role, team)


def test_duplicate_user_and_short_password_are_refused(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        create_user(session, "ann", "long-enough", "admin", None)
        with pytest.raises(UserError, match="already exists"):
            create_user(session, "ann", "long-enough", "admin", None)
        with pytest.raises(UserError, match="at least 8"):
            create_user(session, "short", "1234567", "admin", None)


def test_token_is_stored_as_a_hash_and_dies_with_its_user(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        create_user(session, "ann", "long-enough", "viewer", "team_x")
        token = create_token(session, "ann", "ci")
    with session_scope(session_factory) as session:
        stored = session.scalar(select(ApiTokenModel.token_hash))
        assert token not in stored and len(stored) == 64
        user = user_for_token(session, token)
        assert user is not None and user.username == "ann" and not user.can_act
        assert user_for_token(session, token + "x") is None
        delete_user(session, "ann")
    with session_scope(session_factory) as session:
        assert user_for_token(session, token) is None
        assert session.scalar(select(ApiTokenModel)) is None
