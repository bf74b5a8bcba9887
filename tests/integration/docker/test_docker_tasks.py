"""Task tries in containers with the real engine: logs, results, exit codes, timeouts, removal."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from docker_helpers import write_dag

from dagseal.runtime.base import SandboxSpec, TaskHandle, TaskOutcome, TryIdentity
from dagseal.runtime.docker import DockerRuntime
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.sandbox.protocol import RunTaskRequest

TASKS = """
import os, sys, time
from dagseal import DAG, BashOperator, task

with DAG("tasks", schedule=None) as dag:
    BashOperator(task_id="bash", bash_command="echo to-stdout; echo to-stderr >&2")

    @task
    def value() -> dict:
        print("python print")
        return {"rows": 3}

    @task
    def fails() -> None:
        raise ValueError("bad input")

    @task
    def exits() -> None:
        sys.stderr.write("leaving hard\\n")
        sys.stderr.flush()
        os._exit(3)

    @task
    def sleeps() -> None:
        time.sleep(600)

    value(), fails(), exits(), sleeps()
"""


def run_task(
    runtime: DockerRuntime,
    spec: SandboxSpec,
    folder: Path,
    task_id: str,
    timeout: float | None = 60.0,
    successor: TryIdentity | None = None,
) -> tuple[TaskOutcome, str, list[TaskHandle]]:
    """Run try 1 of a task of `folder/tasks.py` in run r1; the outcome, the log text and the handles
    given to on_start."""
    source = (folder / "tasks.py").read_text()
    request = RunTaskRequest(
        id=1,
        dag_folder=str(folder),
        file="tasks.py",
        source=source,
        dag_id="tasks",
        task_id=task_id,
        run_id="r1",
    )
    log = io.BytesIO()
    handles: list[TaskHandle] = []
    outcome = runtime.run_task(spec, request, log, timeout, handles.append, successor=successor)
    runtime.settle()  # the container's removal runs after the outcome is known
    return outcome, log.getvalue().decode(), handles


def test_task_output_goes_to_the_log_and_the_container_is_removed(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path, engine: DockerEngine
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    outcome, log, handles = run_task(runtime, spec_for(), dag_folder, "bash")
    assert outcome.state == "success", log
    assert "to-stdout" in log and "to-stderr" in log
    assert handles and handles[0].container_id
    assert engine.inspect(handles[0].container_id) is None
    assert engine.containers({"io.dagseal.role": "task", "io.dagseal.test": "1"}) == []


def test_return_value_and_python_prints(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    outcome, log, _ = run_task(runtime, spec_for(), dag_folder, "value")
    assert (outcome.state, outcome.return_value, outcome.exit_code) == ("success", {"rows": 3}, 0)
    assert "python print" in log


def test_failure_carries_the_one_line_error(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    outcome, log, _ = run_task(runtime, spec_for(), dag_folder, "fails")
    assert outcome.state == "failed"
    assert "ValueError: bad input" in (outcome.error or "")
    assert "Traceback" in log


def test_hard_exit_maps_the_exit_code(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    outcome, log, _ = run_task(runtime, spec_for(), dag_folder, "exits")
    assert (outcome.state, outcome.exit_code, outcome.oom_killed) == ("failed", 3, False)
    assert "exited with code 3: leaving hard" in (outcome.error or "")
    assert "leaving hard" in log


def test_execution_timeout_kills_the_container(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path, engine: DockerEngine
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    outcome, log, handles = run_task(runtime, spec_for(), dag_folder, "sleeps", timeout=3.0)
    assert (outcome.state, outcome.timed_out) == ("failed", True)
    assert outcome.duration < 15
    assert "timed out after 3s" in (outcome.error or "") and "timed out after 3s" in log
    assert engine.inspect(handles[0].container_id) is None


def test_same_try_again_replaces_a_leftover_container(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path, engine: DockerEngine
) -> None:
    """A supervisor that died left its container; the rerun of that try finds it by name and
    replaces it (the dead one's socket directory is apart from the new one's)."""
    from dagseal.runtime.docker_container import (
        ContainerHandle,
        container_body,
        container_name,
        identity_labels,
    )
    from dagseal.runtime.docker_socket import ProtocolSocket

    identity = {"dag_id": "tasks", "run_id": "r1", "task_id": "value", "try_number": 1}
    spec = spec_for()
    name = container_name("task", identity)
    left_socket = ProtocolSocket(runtime.socket_root)
    leftover = ContainerHandle.create(
        engine, name, container_body(spec, identity_labels("task", identity), left_socket), None
    )
    write_dag(dag_folder, "tasks.py", TASKS)
    outcome, _, _ = run_task(runtime, spec, dag_folder, "value")
    assert outcome.state == "success"
    assert engine.inspect(leftover.container_id) is None
    left_socket.close()


def test_engine_down_fails_the_task_with_one_line(
    spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    down = DockerRuntime(DockerEngine("unix:///nonexistent/docker.sock"))
    outcome, log, handles = run_task(down, spec_for(), dag_folder, "value")
    assert outcome.state == "failed"
    assert outcome.error is not None and "\n" not in outcome.error
    assert "Docker engine unreachable at unix:///nonexistent/docker.sock" in outcome.error
    assert outcome.error in log
    assert handles == []
