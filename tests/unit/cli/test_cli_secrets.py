"""``connections``, ``variables`` and ``rotate-fernet-key`` in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from dagseal.cli import main

KEY = Fernet.generate_key().decode()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys, migrated_db_url: str):
    monkeypatch.delenv("DAGSEAL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", migrated_db_url)
    monkeypatch.setenv("DAGSEAL__CORE__FERNET_KEY", KEY)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    run.url = migrated_db_url  # type: ignore[attr-defined]
    return run


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def test_connections_add_get_list_delete_by_team(cli) -> None:
    assert (
        cli("connections", "add", "wh", "--conn-uri", "postgres://u:pw@wh:5432/db", "--team", "team_x")[0]
        == 0
    )
    assert (
        cli(
            "connections",
            "add",
            "api",
            "--conn-type",
            "http",
            "--conn-host",
            "api",
            "--conn-extra",
            '{"a":1}',
        )[0]
        == 0
    )
    code, out, _ = cli("connections", "get", "wh", "--team", "team_x")
    assert code == 0 and json.loads(out)["password"] == "pw"
    assert cli("connections", "get", "wh")[0] == 1  # the shared namespace has no 'wh'
    code, out, _ = cli("connections", "list", "--all-teams")
    assert "team_x" in out and "(shared)" in out and "pw" not in out
    code, _, err = cli("connections", "add", "wh", "--conn-uri", "postgres://h", "--team", "team_x")
    assert code == 1 and "connection 'wh' of team_x already exists" in err
    assert cli("connections", "delete", "wh", "--team", "team_x")[0] == 0
    assert _count(cli.url, "connection") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--conn-uri", "no-scheme-here"], "connection 'bad': URI has no scheme"),
        (["--conn-json", "{not json"], "connection 'bad': --conn-json:"),
        (["--conn-json", '{"conn_type": "x", "port": "abc"}'], "'port' must be an integer"),
        (
            ["--conn-uri", "a://h", "--conn-host", "h"],
            "give one of --conn-uri, --conn-json or --conn-* fields",
        ),
    ],
)
def test_malformed_connection_is_one_line_and_writes_nothing(cli, argv: list[str], message: str) -> None:
    code, _out, err = cli("connections", "add", "bad", *argv)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    assert _count(cli.url, "connection") == 0


def test_connections_import_export_round_trip(cli, tmp_path: Path) -> None:
    source = tmp_path / "conns.yaml"
    source.write_text(
        "wh: postgres://u:pw@wh:5432/db\napi:\n  conn_type: http\n  host: api\n  extra: {token: t}\n"
    )
    assert cli("connections", "import", str(source), "--team", "team_x")[0] == 0
    for fmt in ("json", "yaml", "env"):
        target = tmp_path / f"out.{fmt}"
        assert cli("connections", "export", str(target), "--team", "team_x")[0] == 0
        assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert json.loads((tmp_path / "out.json").read_text())["api"]["extra"] == {"token": "t"}
    assert "wh=postgres://u:pw@wh:5432/db" in (tmp_path / "out.env").read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"ok": "http://h", "broken": "nope"}))
    code, _, err = cli("connections", "import", str(bad), "--team", "team_y")
    assert code == 1 and "connection 'broken'" in err
    assert _count(cli.url, "connection") == 2  # 'ok' was not written either


def test_variables_set_get_list_import_export(cli, tmp_path: Path) -> None:
    assert cli("variables", "set", "region", "eu", "--team", "team_x")[0] == 0
    assert cli("variables", "get", "region", "--team", "team_x")[1] == "eu\n"
    assert cli("variables", "get", "region")[0] == 1
    assert cli("variables", "get", "region", "--default", "us")[1] == "us\n"
    source = tmp_path / "vars.json"
    source.write_text(json.dumps({"limits": {"rows": 10}, "api_token": "t"}))
    assert cli("variables", "import", str(source), "--team", "team_x")[0] == 0
    assert json.loads(cli("variables", "get", "limits", "--team", "team_x", "-j")[1]) == {"rows": 10}
    _code, out, _ = cli("variables", "export", "-", "--team", "team_x")
    assert json.loads(out) == {"api_token": "t", "limits": '{"rows": 10}', "region": "eu"}
    assert "limits" in cli("variables", "list", "--team", "team_x")[1]
    assert cli("variables", "delete", "limits", "--team", "team_x")[0] == 0
    assert _count(cli.url, "variable") == 2


def test_rotate_fernet_key_and_wrong_key(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("connections", "add", "wh", "--conn-uri", "postgres://u:pw@h/db", "--team", "team_x")[0] == 0
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("DAGSEAL__CORE__FERNET_KEY", new)
    code, _, err = cli("connections", "get", "wh", "--team", "team_x")
    assert code == 1 and "cannot decrypt the password of connection 'wh' of team_x" in err
    code, _, err = cli("rotate-fernet-key")
    assert code == 1 and "connection 'wh' of team_x" in err
    monkeypatch.setenv("DAGSEAL__CORE__FERNET_KEY", f"{new},{KEY}")
    assert cli("rotate-fernet-key")[1] == "re-encrypted 1 value(s) with the first [core] fernet_key\n"
    monkeypatch.setenv("DAGSEAL__CORE__FERNET_KEY", new)
    assert json.loads(cli("connections", "get", "wh", "--team", "team_x")[1])["password"] == "pw"
    monkeypatch.delenv("DAGSEAL__CORE__FERNET_KEY")
    code, _, err = cli("connections", "add", "x", "--conn-uri", "http://u:p@h")
    assert code == 1 and "[core] fernet_key is not set" in err
