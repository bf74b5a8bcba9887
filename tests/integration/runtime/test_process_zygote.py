"""Task tries forked by the sandbox zygote: each its own process and group, same results and limits."""

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_process_tasks import _running, task_request

from dagseal.runtime.base import SandboxSpec, TaskHandle, TaskOutcome
from dagseal.runtime.environment import sandbox_environment
from dagseal.runtime.process import ProcessRuntime
from dagseal.runtime.zygote import SandboxZygote, ZygoteChild


@pytest.fixture(scope="module")
def zygote() -> Iterator[SandboxZygote]:
    with SandboxZygote() as started:
        yield started


def run(
    zygote_socket: str, dag_dir: Path, task_id: str, timeout: float = 60, **environment: str
) -> tuple[TaskOutcome, TaskHandle, str]:
    request = task_request(dag_dir, task_id)
    log = io.BytesIO()
    handles: list[TaskHandle] = []
    spec = SandboxSpec(dag_folder=str(dag_dir), environment=environment)
    outcome = ProcessRuntime(zygote=zygote_socket).run_task(spec, request, log, timeout, handles.append)
    return outcome, handles[0], log.getvalue().decode()


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as handle:
        return int(handle.read().split(") ")[1].split()[1])


def test_each_try_is_a_new_process_forked_by_the_zygote_in_its_own_group(
    zygote: SandboxZygote, dag_dir: Path
) -> None:
    seen: list[Any] = []
    for _ in range(2):
        outcome, handle, _log = run(zygote.socket_path, dag_dir, "produce")
        assert (outcome.state, outcome.return_value, outcome.exit_code) == ("success", {"rows": 3}, 0)
        assert handle.pid == handle.pgid
        seen.append(handle.pid)
    assert seen[0] != seen[1] and os.getpid() not in seen
    assert zygote._process is not None and zygote._process.poll() is None


def test_the_forked_try_sees_its_own_scrubbed_environment(
    zygote: SandboxZygote, dag_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", "sqlite:///x.db")
    outcome, _, _ = run(zygote.socket_path, dag_dir, "show_env", CHILD_PID_FILE="/tmp/x")
    assert "CHILD_PID_FILE" in outcome.return_value
    assert not [name for name in outcome.return_value if name.startswith("DAGSEAL")]


def test_timeout_kills_the_forked_try_and_the_zygote_reports_the_signal(
    zygote: SandboxZygote, dag_dir: Path
) -> None:
    started = time.monotonic()
    outcome, _, _ = run(zygote.socket_path, dag_dir, "sleepy", timeout=2)
    assert outcome.timed_out and outcome.state == "failed" and outcome.exit_code == -9
    assert time.monotonic() - started < 10


def test_a_child_left_running_by_a_forked_try_dies_with_its_group(
    zygote: SandboxZygote, dag_dir: Path
) -> None:
    pid_file = dag_dir / "child.pid"
    outcome, _, _ = run(zygote.socket_path, dag_dir, "spawn_child", CHILD_PID_FILE=str(pid_file))
    assert outcome.state == "success"
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child)


def test_failures_are_reported_like_a_fresh_sandbox(zygote: SandboxZygote, dag_dir: Path) -> None:
    outcome, _, log = run(zygote.socket_path, dag_dir, "boom")
    assert (
        outcome.state == "failed"
        and outcome.error
        and outcome.error.endswith("ValueError: boom from fixture")
    )
    assert "Traceback" in log


def test_python_variables_or_a_missing_zygote_start_a_fresh_interpreter(
    zygote: SandboxZygote, dag_dir: Path, tmp_path: Path
) -> None:
    _, handle, _ = run(zygote.socket_path, dag_dir, "produce", PYTHONWARNINGS="ignore")
    assert zygote._process is not None
    gone = str(tmp_path / "no-zygote.sock")
    outcome, other, _ = run(gone, dag_dir, "produce")
    assert outcome.state == "success"
    for fresh in (handle, other):
        assert fresh.pid == fresh.pgid


def test_stopping_the_zygote_leaves_no_process_and_no_socket() -> None:
    zygote = SandboxZygote()
    zygote.start()
    process = zygote._process
    assert process is not None and _parent(process.pid) == os.getpid()
    zygote.stop()
    assert process.returncode == 0 and not os.path.exists(zygote.socket_path)


def test_a_stopping_zygote_still_reports_how_its_running_tries_end(dag_dir: Path) -> None:
    zygote = SandboxZygote()
    zygote.start()
    process = zygote._process
    assert process is not None and process.stdin is not None
    child = ZygoteChild(zygote.socket_path, str(dag_dir), sandbox_environment())
    process.stdin.close()  # the executor is done (or gone) while a supervisor's try still runs
    assert child.stdout.readline().startswith(b'{"type":"hello"')
    child.stdin.write(b'{"type":"shutdown","id":1}\n')
    child.stdin.flush()
    assert child.wait(10) == 0
    assert process.wait(10) == 0
    assert not os.path.exists(os.path.dirname(zygote.socket_path))  # the zygote cleaned up itself
    zygote.stop()
