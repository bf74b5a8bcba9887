"""``dagseal dag-processor``: runs N loops and ends its job row; bad arguments are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.cli import main
from dagseal.db.models import DagModel, JobModel


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, migrated_db_url: str, tmp_path: Path) -> None:
    monkeypatch.delenv("DAGSEAL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", migrated_db_url)
    monkeypatch.setenv("DAGSEAL__SCHEDULER__PROCESSOR_LOOP_SLEEP", "0")


@pytest.mark.usefixtures("cli_env")
def test_runs_the_requested_loops_and_ends_the_job(
    tmp_path: Path, session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "team_cli"
    folder.mkdir()
    (folder / "dag.py").write_text("from dagseal import DAG\n\ndag = DAG('team_cli.dag')\n")
    assert main(["dag-processor", "--subdir", str(folder), "--num-runs", "2", "-P", "1"]) == 0
    assert "2 loop(s) over" in capsys.readouterr().out
    with session_factory() as session:
        (job,) = session.scalars(select(JobModel)).all()
        dag = session.get(DagModel, "team_cli.dag")
    assert (job.job_type, job.state, job.processor_subdir) == ("DagProcessorJob", "success", str(folder))
    assert job.end_date is not None
    assert dag is not None and dag.processor_subdir == str(folder)


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--subdir", "/no/such/dir"], "DAG directory /no/such/dir does not exist"),
        (["--num-runs", "-1"], "--num-runs must be 0 (forever) or more"),
        (["--parsing-processes", "-2"], "parsing processes must be at least 1"),
    ],
)
def test_bad_arguments_are_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dag-processor", *args]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("dagseal: error: ") and message in err[-1]
    assert not any("Traceback" in line for line in err)


@pytest.mark.usefixtures("cli_env")
def test_import_errors_subdir_is_resolved_like_the_processor_stores_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "team_cli"
    folder.mkdir()
    (folder / "broken.py").write_text("raise ValueError('broken at import')\n")
    assert main(["dag-processor", "--subdir", str(folder), "--num-runs", "1", "-P", "1"]) == 0
    capsys.readouterr()
    monkeypatch.chdir(folder)
    assert main(["import-errors", "list", "--subdir", "."]) == 0
    out = capsys.readouterr().out
    assert "broken.py" in out and "ValueError: broken at import" in out
    assert main(["import-errors", "list", "--subdir", str(tmp_path / "other")]) == 0
    assert "no import errors" in capsys.readouterr().out
