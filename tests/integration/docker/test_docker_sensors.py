"""Reschedule-mode sensors in containers with the real engine: a poke that says "not yet" ends the
try and its container, so nothing is left running between pokes; the timeout ends it for good."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from docker_helpers import write_dag

from dagseal.runtime.base import SandboxSpec, TaskHandle, TaskOutcome
from dagseal.runtime.docker import DockerRuntime
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.sandbox.protocol import RunTaskRequest

SENSORS = """
from dagseal import DAG, FileSensor

with DAG("sensors", schedule=None) as dag:
    FileSensor(task_id="wait", filepath="/nowhere/flag", poke_interval=30, timeout=60, mode="reschedule")
"""


def poke(
    runtime: DockerRuntime, spec: SandboxSpec, folder: Path, sensor_started_at: str | None
) -> tuple[TaskOutcome, str, list[TaskHandle]]:
    request = RunTaskRequest(
        id=1,
        dag_folder=str(folder),
        file="sensors.py",
        source=(folder / "sensors.py").read_text(),
        dag_id="sensors",
        task_id="wait",
        run_id="r1",
        sensor_started_at=sensor_started_at,
    )
    log = io.BytesIO()
    handles: list[TaskHandle] = []
    outcome = runtime.run_task(spec, request, log, 60.0, handles.append)
    runtime.settle()  # the container's removal runs after the outcome is known
    return outcome, log.getvalue().decode(), handles


def test_a_poke_ends_its_container_and_asks_to_be_rescheduled(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path, engine: DockerEngine
) -> None:
    write_dag(dag_folder, "sensors.py", SENSORS)
    before = datetime.now(UTC)
    outcome, log, handles = poke(runtime, spec_for(), dag_folder, None)
    assert outcome.state == "up_for_reschedule", log
    assert outcome.reschedule_date is not None
    next_poke = datetime.fromisoformat(outcome.reschedule_date)
    assert before + timedelta(seconds=29) < next_poke < datetime.now(UTC) + timedelta(seconds=31)
    assert handles and engine.inspect(handles[0].container_id) is None
    assert engine.containers({"io.dagseal.role": "task", "io.dagseal.test": "1"}) == []


def test_the_timeout_counts_from_the_first_poke_and_is_not_retried(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path, engine: DockerEngine
) -> None:
    write_dag(dag_folder, "sensors.py", SENSORS)
    first_poke = (datetime.now(UTC) - timedelta(seconds=90)).isoformat()
    outcome, log, handles = poke(runtime, spec_for(), dag_folder, first_poke)
    assert (outcome.state, outcome.retry) == ("failed", False), log
    assert re.fullmatch(r"sensor 'wait' timed out after 9\ds \(timeout 60s\)", outcome.error or "")
    assert "timed out" in log
    assert handles and engine.inspect(handles[0].container_id) is None
