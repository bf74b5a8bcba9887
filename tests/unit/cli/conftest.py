"""Run ``dagseal ARGS`` in-process, with or without a test database configured by env."""

from __future__ import annotations

import pytest

from dagseal.cli import main


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys):
    """Run ``dagseal ARGS`` with the test DB configured by env; returns (exit code, stdout, stderr)."""
    monkeypatch.delenv("DAGSEAL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def cli_db(cli, migrated_db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", migrated_db_url)
    return cli
