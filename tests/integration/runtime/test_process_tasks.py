"""Task tries and callbacks through ProcessRuntime: results, failures, skips, timeouts, leftover children."""

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest

from dagseal.runtime.base import SandboxSpec, TaskHandle, TaskOutcome
from dagseal.runtime.process import ProcessRuntime
from dagseal.sandbox.protocol import RunTaskRequest


def task_request(dag_dir: Path, task_id: str, **fields: Any) -> RunTaskRequest:
    """A run_task request for one task of the fixture DAG copied into ``dag_dir``."""
    return RunTaskRequest(
        id=1,
        dag_folder=str(dag_dir),
        file="tasks.py",
        source=(dag_dir / "tasks.py").read_text(),
        dag_id="fixture.tasks",
        task_id=task_id,
        run_id="manual__1",
        **fields,
    )


def run(dag_dir: Path, task_id: str, timeout: float | None = 60, **fields: Any) -> tuple[TaskOutcome, str]:
    request = task_request(dag_dir, task_id, **fields)
    log = io.BytesIO()
    handles: list[TaskHandle] = []
    environment = {"CHILD_PID_FILE": str(dag_dir / "child.pid")}
    outcome = ProcessRuntime().run_task(
        SandboxSpec(dag_folder=str(dag_dir), environment=environment), request, log, timeout, handles.append
    )
    assert handles and handles[0].pid == handles[0].pgid
    return outcome, log.getvalue().decode()


def test_upstream_result_flows_into_the_task_with_its_context(dag_dir: Path) -> None:
    outcome, log = run(
        dag_dir, "consume", upstream_results={"produce": {"rows": 3}}, try_number=2, conf={"k": 1}
    )
    assert outcome.state == "success" and outcome.exit_code == 0
    assert outcome.return_value == {"doubled": 6, "try": 2, "conf": {"k": 1}}
    assert "running fixture.tasks.consume try 2" in log


def test_runs_the_pinned_source_not_the_file_on_disk(dag_dir: Path) -> None:
    request_source = (dag_dir / "tasks.py").read_text()
    (dag_dir / "tasks.py").write_text("raise RuntimeError('changed after the run started')\n")
    log = io.BytesIO()
    request = RunTaskRequest(
        id=1,
        dag_folder=str(dag_dir),
        file="tasks.py",
        source=request_source,
        dag_id="fixture.tasks",
        task_id="produce",
        run_id="r",
    )
    outcome = ProcessRuntime().run_task(
        SandboxSpec(dag_folder=str(dag_dir)), request, log, 60, lambda handle: None
    )
    assert (outcome.state, outcome.return_value) == ("success", {"rows": 3})


def test_non_json_return_value_fails_with_a_clear_message(dag_dir: Path) -> None:
    outcome, _ = run(dag_dir, "not_json")
    assert outcome.state == "failed"
    assert "task 'not_json' returned a value that is not JSON-serializable (set" in (outcome.error or "")


def test_exception_fails_with_one_line_and_the_traceback_in_the_log(dag_dir: Path) -> None:
    outcome, log = run(dag_dir, "boom")
    assert outcome.state == "failed"
    assert outcome.error is not None and outcome.error.startswith("tasks.py:")
    assert outcome.error.endswith("ValueError: boom from fixture") and "\n" not in outcome.error
    assert "Traceback" in log and 'tasks.py", line' in log


def test_skip_exception_marks_the_task_skipped(dag_dir: Path) -> None:
    outcome, _ = run(dag_dir, "skip_me")
    assert (outcome.state, outcome.error) == ("skipped", "nothing to do today")


def test_bash_output_goes_to_the_log_and_non_zero_exit_fails(dag_dir: Path) -> None:
    ok, ok_log = run(dag_dir, "bash_ok")
    assert ok.state == "success" and "hello from bash" in ok_log
    failed, failed_log = run(dag_dir, "bash_fails")
    assert failed.state == "failed" and "bash command exited with code 4" in (failed.error or "")
    assert "failing" in failed_log


def test_timeout_kills_the_try(dag_dir: Path) -> None:
    started = time.monotonic()
    outcome, _ = run(dag_dir, "sleepy", timeout=2)
    assert outcome.timed_out and outcome.state == "failed"
    assert outcome.exit_code == -9
    assert time.monotonic() - started < 10


def test_a_child_left_running_by_the_task_is_killed_with_its_group(dag_dir: Path) -> None:
    outcome, _ = run(dag_dir, "spawn_child")
    assert outcome.state == "success"
    child = int((dag_dir / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child)


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting for its (dead) parent's reaper."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_unknown_task_is_a_clear_failure(dag_dir: Path) -> None:
    outcome, _ = run(dag_dir, "no_such_task")
    assert outcome.state == "failed"
    assert "cannot load task fixture.tasks.no_such_task" in (outcome.error or "")


def test_the_task_sees_only_the_scrubbed_environment(dag_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", "sqlite:///x.db")
    outcome, _ = run(dag_dir, "show_env")
    assert "CHILD_PID_FILE" in outcome.return_value
    assert not [name for name in outcome.return_value if name.startswith("DAGSEAL")]
    assert "DAGSEAL__CORE__SQL_ALCHEMY_CONN" in os.environ


def test_callbacks_run_with_a_per_callback_outcome(dag_dir: Path) -> None:
    session = ProcessRuntime().start_warm_sandbox(SandboxSpec(dag_folder=str(dag_dir)))
    callbacks = [
        {
            "callback_id": 1,
            "kind": "task_failure",
            "dag_id": "fixture.tasks",
            "task_id": "boom",
            "run_id": "r",
            "msg": "boom from fixture",
            "context": {},
        },
        {
            "callback_id": 2,
            "kind": "dag_failure",
            "dag_id": "fixture.tasks",
            "task_id": None,
            "run_id": "r",
            "msg": "task failed",
            "context": {},
        },
        {
            "callback_id": 3,
            "kind": "dag_success",
            "dag_id": "fixture.tasks",
            "task_id": None,
            "run_id": "r",
            "msg": None,
            "context": {},
        },
        {
            "callback_id": 4,
            "kind": "task_failure",
            "dag_id": "no.such",
            "task_id": "t",
            "run_id": "r",
            "msg": None,
            "context": {},
        },
        {
            "callback_id": 5,
            "kind": "sla_miss",
            "dag_id": "fixture.tasks",
            "task_id": None,
            "run_id": None,
            "msg": "late",
            "context": {},
        },
    ]
    try:
        reply = session.request(
            {
                "type": "run_callbacks",
                "file": "tasks.py",
                "source": (dag_dir / "tasks.py").read_text(),
                "callbacks": callbacks,
            },
            timeout=60,
        )
    finally:
        session.close()
    tail = session.stderr_tail()  # after close: the stderr reader has drained the pipe by then
    outcomes = {item["callback_id"]: item for item in reply["outcomes"]}
    assert outcomes[1] == {"callback_id": 1, "ok": True, "error": None}
    assert not outcomes[2]["ok"] and "RuntimeError: dag callback broke for r" in outcomes[2]["error"]
    assert outcomes[3]["ok"]
    assert not outcomes[4]["ok"] and "no DAG 'no.such'" in outcomes[4]["error"]
    assert outcomes[5]["ok"]
    assert "task failure callback for boom: boom from fixture" in tail
