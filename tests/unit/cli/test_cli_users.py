"""``dagseal users``: create, list, token create, delete; bad input is one line and exit 1."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dagseal.api.auth import authenticate, user_for_token
from dagseal.db.session import session_scope

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_create_list_token_delete(cli_db, session_factory: sessionmaker[Session]) -> None:
    code, out, _ = cli_db("users", "create", "--username", "ann", "--role", "op", "--team", "team_x")
    assert code == 0 and "created user ann (role op, team team_x)" in out
    password = out.split("password: ")[1].strip()
    with session_scope(session_factory) as session:
        assert authenticate(session, "ann", password) is not None
    code, out, _ = cli_db("users", "list")
    assert code == 0 and "ann" in out and "team_x" in out
    code, token, _ = cli_db("users", "token", "create", "--username", "ann")
    with session_scope(session_factory) as session:
        assert user_for_token(session, token.strip()).username == "ann"
    assert cli_db("users", "delete", "--username", "ann")[0] == 0
    assert cli_db("users", "list")[1].strip() == "no users"


def test_given_password_is_not_printed(cli_db) -> None:
    code, out, _ = cli_db(
        "users", "create", "--username", "root", "--role", "admin", "--password", "long-enough"
    )
    assert code == 0 and "long-enough" not in out and "password:" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--username", "a", "--role", "king", "--team", "t"],
            "--role must be one of admin, op, user, viewer",
        ),
        (["--username", "a", "--role", "user"], "--team is required for role user"),
        (["--username", "a", "--role", "admin", "--password", "short"], "--password must be at least 8"),
    ],
)
def test_bad_input_is_one_line(cli_db, argv: list[str], message: str) -> None:
    code, _, err = cli_db("users", "create", *argv)
    assert code == 1 and err.startswith(f"dagseal: error: {message}") and err.count("\n") == 1


def test_deleting_an_unknown_user_fails_by_name(cli_db) -> None:
    code, _, err = cli_db("users", "delete", "--username", "ghost")
    assert code == 1 and "no user 'ghost'" in err
