"""Parsing through ProcessRuntime: good files, every kind of bad file, and recovery after crashes."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagseal.runtime.base import SandboxCrashed, SandboxSpec, SandboxTimeout
from dagseal.runtime.process import ProcessRuntime, ProcessWarmSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bad_dags"
REPOS = Path(__file__).resolve().parents[3] / "dag_repos"


@pytest.fixture
def dag_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "dags"
    shutil.copytree(FIXTURES, folder)
    (folder / "good.py").write_text(
        "from dagseal import DAG, EmptyOperator\nwith DAG('fixture.good'):\n    EmptyOperator(task_id='t')\n"
    )
    return folder


@pytest.fixture
def session(dag_dir: Path) -> Iterator[ProcessWarmSandbox]:
    spec = SandboxSpec(dag_folder=str(dag_dir), parse_timeout=30)
    opened = ProcessRuntime().start_warm_sandbox(spec)
    yield opened
    opened.close()


def parse(session: ProcessWarmSandbox, file: str, timeout: float = 30) -> dict:
    return session.request({"type": "parse", "file": file}, timeout=timeout)


def only_error(reply: dict) -> str:
    assert reply["dags"] == []
    assert len(reply["import_errors"]) == 1
    return reply["import_errors"][0]["message"]


def test_example_repos_parse_without_errors() -> None:
    runtime = ProcessRuntime()
    found = set()
    for team in ("team_x", "team_y"):
        session = runtime.start_warm_sandbox(SandboxSpec(dag_folder=str(REPOS / team)))
        try:
            for path in sorted((REPOS / team).glob("*.py")):
                reply = parse(session, path.name)
                assert reply["import_errors"] == []
                found |= {envelope["dag"]["dag_id"] for envelope in reply["dags"]}
        finally:
            session.close()
    assert {"team_x.etl", "team_x.report_versions", "team_y.report_versions", "team_y.metrics"} <= found


def test_syntax_error_names_file_and_line(session: ProcessWarmSandbox) -> None:
    reply = parse(session, "syntax_error.py")
    assert only_error(reply).startswith("syntax_error.py:3: SyntaxError:")
    assert "syntax_error.py" in reply["import_errors"][0]["stacktrace"]
    assert reply["source"] is not None and reply["source_digest"]


def test_exception_at_import_names_file_and_line_with_user_stacktrace(session: ProcessWarmSandbox) -> None:
    reply = parse(session, "raises_at_import.py")
    assert only_error(reply) == "raises_at_import.py:7: KeyError: 'missing_key'"
    stacktrace = reply["import_errors"][0]["stacktrace"]
    assert 'raises_at_import.py", line 7' in stacktrace and "loader.py" not in stacktrace


def test_sys_exit_at_import_is_an_import_error_and_the_session_lives(session: ProcessWarmSandbox) -> None:
    assert only_error(parse(session, "sys_exit.py")) == "sys_exit.py:3: SystemExit: 3"
    assert session.alive()
    assert parse(session, "good.py")["dags"][0]["dag"]["dag_id"] == "fixture.good"


def test_os_exit_at_import_crashes_the_session_and_a_new_one_works(session: ProcessWarmSandbox) -> None:
    with pytest.raises(SandboxCrashed) as crash:
        parse(session, "os_exit.py")
    assert crash.value.exit_code == 7
    assert not session.alive()
    fresh = ProcessRuntime().start_warm_sandbox(SandboxSpec(dag_folder=session.sandbox_dag_folder))
    try:
        assert parse(fresh, "good.py")["import_errors"] == []
    finally:
        fresh.close()


def test_infinite_loop_times_out_and_the_next_file_parses_after_restart(
    session: ProcessWarmSandbox,
) -> None:
    with pytest.raises(SandboxTimeout, match="no reply within 1s"):
        parse(session, "infinite_loop.py", timeout=1)
    assert not session.alive()
    with pytest.raises(SandboxCrashed):
        parse(session, "good.py")
    fresh = ProcessRuntime().start_warm_sandbox(SandboxSpec(dag_folder=session.sandbox_dag_folder))
    try:
        assert parse(fresh, "good.py")["dags"][0]["dag"]["dag_id"] == "fixture.good"
    finally:
        fresh.close()


def test_cycle_is_an_import_error(session: ProcessWarmSandbox) -> None:
    assert "DagCycleError: DAG 'bad.cycle' has a cycle: a >> b >> c >> a" in only_error(
        parse(session, "cycle.py")
    )


def test_two_dags_with_one_id_in_a_file_is_an_import_error(session: ProcessWarmSandbox) -> None:
    assert "two DAGs with dag_id 'bad.same_id' in one file" in only_error(parse(session, "two_same_id.py"))


def test_unreadable_files_are_import_errors(session: ProcessWarmSandbox, dag_dir: Path) -> None:
    # Tests run as root, so chmod 000 would still be readable. A dangling symlink cannot be read by
    # anyone (ENOENT at open), a directory named *.py fails with EISDIR, and invalid UTF-8 bytes are
    # readable but are not source text.
    (dag_dir / "dangling.py").symlink_to(dag_dir / "does_not_exist.py")
    (dag_dir / "folder.py").mkdir()
    (dag_dir / "latin.py").write_bytes(b"x = '\xff\xfe'\n")
    assert only_error(parse(session, "dangling.py")).startswith("dangling.py: cannot read file: No such file")
    assert only_error(parse(session, "folder.py")).startswith("folder.py: cannot read file: Is a directory")
    assert only_error(parse(session, "latin.py")).startswith("latin.py: not valid source text")
    assert session.alive()


def test_20mb_of_output_at_import_neither_blocks_nor_leaks_into_the_protocol(
    session: ProcessWarmSandbox,
) -> None:
    reply = parse(session, "huge_output.py", timeout=60)
    assert reply["import_errors"] == []
    assert [envelope["dag"]["dag_id"] for envelope in reply["dags"]] == ["bad.huge_output"]
    assert 0 < len(session.stderr_tail()) <= 8192


def test_protocol_lookalike_prints_are_never_taken_for_replies(session: ProcessWarmSandbox) -> None:
    reply = parse(session, "fake_protocol.py")
    assert [envelope["dag"]["dag_id"] for envelope in reply["dags"]] == ["bad.fake_protocol"]
    assert '"type":"parse_result"' in session.stderr_tail()
    assert parse(session, "good.py")["dags"][0]["dag"]["dag_id"] == "fixture.good"


def test_helper_module_without_dags_is_neither_stored_nor_an_error(session: ProcessWarmSandbox) -> None:
    reply = parse(session, "helper_no_dag.py")
    assert reply["dags"] == [] and reply["import_errors"] == []


def test_dag_directory_modules_do_not_outlive_a_request(session: ProcessWarmSandbox, dag_dir: Path) -> None:
    (dag_dir / "shared_helper.py").write_text("VALUE = 'one'\n")
    user = "import shared_helper\nfrom dagseal import DAG\ndag = DAG('fixture.v_' + shared_helper.VALUE)\n"
    (dag_dir / "uses_helper.py").write_text(user)
    assert parse(session, "uses_helper.py")["dags"][0]["dag"]["dag_id"] == "fixture.v_one"
    (dag_dir / "shared_helper.py").write_text("VALUE = 'two'\n")
    assert parse(session, "uses_helper.py")["dags"][0]["dag"]["dag_id"] == "fixture.v_two"


def test_sandbox_environment_is_scrubbed(dag_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", "postgresql://u:secret@db/x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2")
    (dag_dir / "env_probe.py").write_text(
        "import os\nfrom dagseal import DAG\ndag = DAG('fixture.env', params={'env': sorted(os.environ)})\n"
    )
    session = ProcessRuntime().start_warm_sandbox(
        SandboxSpec(dag_folder=str(dag_dir), environment={"TEAM": "x"})
    )
    try:
        names = parse(session, "env_probe.py")["dags"][0]["dag"]["params"]["env"]
    finally:
        session.close()
    assert "TEAM" in names and "PYTHONPATH" in names
    assert not [name for name in names if name.startswith("DAGSEAL") or name == "AWS_SECRET_ACCESS_KEY"]
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "hunter2"
