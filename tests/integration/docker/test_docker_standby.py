"""Standby task containers with the real engine: the next try's container started ahead, one per
try, removed with the runtime or by the orphan sweep once its owner is gone."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker_helpers import write_dag
from test_docker_tasks import TASKS, run_task

from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.docker import DockerRuntime
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.runtime.docker_standby import OWNER_LABEL, owner, owner_alive

STANDBYS = {"io.dagseal.role": "standby", "io.dagseal.test": "1"}


@pytest.fixture
def standby_runtime(engine: DockerEngine) -> Iterator[DockerRuntime]:
    runtime = DockerRuntime(engine, standby=True)
    yield runtime
    runtime.close()


def _names(engine: DockerEngine, labels: dict[str, str]) -> set[str]:
    return {container["Names"][0].lstrip("/") for container in engine.containers(labels)}


def test_the_next_try_runs_in_the_container_started_for_it_and_nothing_outlives_the_runtime(
    standby_runtime: DockerRuntime,
    spec_for: Callable[..., SandboxSpec],
    dag_folder: Path,
    engine: DockerEngine,
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    spec = spec_for()
    first, first_log, first_handles = run_task(standby_runtime, spec, dag_folder, "value")
    assert first.state == "success", first_log
    assert "standby" not in first_log  # nothing was started ahead of the first try
    (waiting,) = _names(engine, STANDBYS)  # the second try's container, started during the first

    second, second_log, second_handles = run_task(standby_runtime, spec, dag_folder, "value")
    assert (second.state, second.return_value) == ("success", {"rows": 3}), second_log
    assert f"the try runs in standby container {waiting}" in second_log
    assert "python print" in second_log  # its output reached this try's log
    assert engine.inspect(second_handles[0].container_id) is None  # served one try, then removed
    assert first_handles[0].container_id != second_handles[0].container_id

    (successor,) = _names(engine, STANDBYS)
    assert successor != waiting
    labels = engine.containers({**STANDBYS})[0]["Labels"]
    assert labels[OWNER_LABEL] == owner() and owner_alive(labels[OWNER_LABEL])
    inspected = engine.inspect(successor) or {}
    host = inspected["HostConfig"]
    assert (host["NetworkMode"], host["ReadonlyRootfs"], host["Init"]) == ("none", True, True)
    assert host["CapDrop"] == ["ALL"]

    standby_runtime.close()
    assert _names(engine, STANDBYS) == set()
    assert engine.containers({"io.dagseal.role": "task", "io.dagseal.test": "1"}) == []


def test_a_try_of_another_spec_starts_its_own_container_and_the_standby_is_removed(
    standby_runtime: DockerRuntime,
    spec_for: Callable[..., SandboxSpec],
    dag_folder: Path,
    engine: DockerEngine,
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    run_task(standby_runtime, spec_for(), dag_folder, "value")
    (first_standby,) = _names(engine, STANDBYS)
    outcome, log, _ = run_task(standby_runtime, spec_for(pids_limit=64), dag_folder, "value")
    assert outcome.state == "success", log
    assert "standby" not in log
    assert first_standby not in _names(engine, STANDBYS)  # replaced by one for the new spec


def test_an_owner_is_a_process_that_still_runs() -> None:
    gone = subprocess.Popen(["sleep", "60"])
    label = owner(gone.pid)
    assert owner_alive(label) and owner_alive(owner())
    gone.kill()
    gone.wait()
    assert not owner_alive(label)
    assert not owner_alive(f"{os.getpid()}-0")  # this pid, started at another time: another process
    assert not owner_alive("not-an-owner") and not owner_alive("")
