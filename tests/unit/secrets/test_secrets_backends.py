"""The secrets chain: environment, files, metastore (SQLite and PostgreSQL), team scoping, Fernet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from dagseal.config import load_config
from dagseal.db.models import ConnectionModel
from dagseal.db.session import session_scope
from dagseal.sdk.connection import Connection
from dagseal.secrets import (
    Cipher,
    FernetKeyError,
    SecretNotFound,
    SecretsBackendError,
    SecretsSettings,
    secrets_chain,
)
from dagseal.secrets.backends import LocalFilesystemBackend
from dagseal.secrets.backends.base import BaseSecretsBackend
from dagseal.secrets.store import add_connection, read_connection, rotate_all, set_variable

KEY = Fernet.generate_key().decode()


class VaultBackend(BaseSecretsBackend):
    """A stand-in platform vault, configured through [secrets] backend / backend_kwargs."""

    label = "vault"

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def get_connection(self, conn_id, team):
        return Connection(conn_id=conn_id, conn_type="vault", host=self.prefix) if conn_id == "v" else None

    def get_variable(self, key, team):
        return None


def _chain(session_factory, environ=None, **config):
    env = {
        "DAGSEAL__CORE__FERNET_KEY": KEY,
        **{f"DAGSEAL__SECRETS__{k.upper()}": v for k, v in config.items()},
    }
    return secrets_chain(
        SecretsSettings.from_config(load_config(env)), session_factory, environ=environ or {}
    )


def _add(session_factory, conn_id: str, team: str | None, password: str = "pw") -> None:
    with session_scope(session_factory) as session:
        add_connection(
            session, Connection(conn_id=conn_id, conn_type="postgres", password=password), team, Cipher([KEY])
        )


def test_metastore_scopes_by_team_and_hides_other_teams(session_factory) -> None:
    _add(session_factory, "wh", "team_x", "x-secret")
    _add(session_factory, "shared_db", None)
    chain = _chain(session_factory)
    assert chain.get_connection("wh", "team_x").password == "x-secret"
    assert chain.get_connection("shared_db", "team_y").conn_type == "postgres"
    messages = []
    for conn_id in ("wh", "nope"):
        with pytest.raises(SecretNotFound) as caught:
            chain.get_connection(conn_id, "team_y")
        messages.append(str(caught.value).replace(conn_id, "ID"))
    assert messages[0] == messages[1]
    assert (
        messages[0] == "connection 'ID' is not defined for team_y (looked in: environment, files, metastore)"
    )


def test_team_row_wins_over_shared_row(session_factory) -> None:
    _add(session_factory, "wh", None, "shared-pw")
    _add(session_factory, "wh", "team_x", "own-pw")
    chain = _chain(session_factory)
    assert chain.get_connection("wh", "team_x").password == "own-pw"
    assert chain.get_connection("wh", "team_y").password == "shared-pw"


def test_environment_wins_over_metastore_in_uri_and_json(session_factory) -> None:
    _add(session_factory, "wh", "team_x", "db-pw")
    environ = {
        "DAGSEAL_CONN_WH": "postgres://u:env-pw@h:1/db",
        "DAGSEAL_CONN_API": json.dumps({"conn_type": "http", "host": "api"}),
        "DAGSEAL_VAR_REGION": "eu",
    }
    chain = _chain(session_factory, environ)
    assert chain.get_connection("wh", "team_x").password == "env-pw"
    assert chain.get_connection("api", "team_y").host == "api"
    assert chain.get_variable("region", "team_y") == "eu"
    with pytest.raises(SecretsBackendError, match="environment variable DAGSEAL_CONN_BAD: connection 'bad'"):
        _chain(session_factory, {"DAGSEAL_CONN_BAD": "nope"}).get_connection("bad", "team_x")


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".env"])
def test_local_files_in_each_format(tmp_path: Path, suffix: str) -> None:
    conns, variables = tmp_path / f"c{suffix}", tmp_path / f"v{suffix}"
    if suffix == ".env":
        conns.write_text("# comment\nwh=postgres://u:file-pw@h:5432/db\n")
        variables.write_text("region=eu\n")
    elif suffix == ".json":
        conns.write_text(json.dumps({"wh": {"conn_type": "postgres", "password": "file-pw"}}))
        variables.write_text(json.dumps({"region": "eu", "limits": {"a": 1}}))
    else:
        conns.write_text("wh: postgres://u:file-pw@h:5432/db\n")
        variables.write_text("region: eu\n")
    backend = LocalFilesystemBackend(str(conns), str(variables))
    assert backend.get_connection("wh", "team_x").password == "file-pw"
    assert backend.get_variable("region", None) == "eu"
    assert backend.get_connection("other", "team_x") is None
    if suffix == ".json":
        assert backend.get_variable("limits", None) == '{"a": 1}'


def test_bad_env_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.env"
    path.write_text("ok=http://h\nbroken line\n")
    with pytest.raises(SecretsBackendError, match=r"c\.env, line 2: expected KEY=VALUE"):
        LocalFilesystemBackend(str(path)).get_connection("ok", None)


def test_configured_backend_is_searched_first_and_named(session_factory) -> None:
    chain = _chain(
        session_factory,
        backend=f"{__name__}.VaultBackend",
        backend_kwargs=json.dumps({"prefix": "vault.local"}),
    )
    assert chain.get_connection("v", "team_x").host == "vault.local"
    with pytest.raises(SecretNotFound, match=r"looked in: vault, environment, files, metastore"):
        chain.get_connection("w", "team_x")
    with pytest.raises(SecretsBackendError, match=r"\[secrets\] backend_kwargs do not fit"):
        _chain(session_factory, backend=f"{__name__}.VaultBackend", backend_kwargs="{}")


def test_secrets_are_encrypted_at_rest(session_factory) -> None:
    _add(session_factory, "wh", "team_x", "plain-pw-123")
    with session_scope(session_factory) as session:
        set_variable(session, "api_token", "tok-456", "team_x", Cipher([KEY]))
    with session_scope(session_factory) as session:
        row = session.query(ConnectionModel).one()
        assert row.password and "plain-pw-123" not in row.password
        assert read_connection(row, Cipher([KEY])).password == "plain-pw-123"


def test_wrong_key_names_the_row_and_rotation_keeps_values(session_factory) -> None:
    _add(session_factory, "wh", "team_x", "pw-1")
    other = Fernet.generate_key().decode()
    with session_scope(session_factory) as session, pytest.raises(FernetKeyError) as caught:
        read_connection(session.query(ConnectionModel).one(), Cipher([other]))
    assert str(caught.value).startswith("cannot decrypt the password of connection 'wh' of team_x")
    with session_scope(session_factory) as session, pytest.raises(FernetKeyError, match="connection 'wh'"):
        rotate_all(session, Cipher([other]))
    with session_scope(session_factory) as session:
        assert rotate_all(session, Cipher([other, KEY])) == 1
    with session_scope(session_factory) as session:
        assert read_connection(session.query(ConnectionModel).one(), Cipher([other])).password == "pw-1"
    with pytest.raises(FernetKeyError, match=r"\[core\] fernet_key is not set"):
        Cipher([]).encrypt("x", "the password of connection 'a' (shared)")
    with pytest.raises(FernetKeyError, match="not a comma-separated list of Fernet keys"):
        Cipher(["short"])
