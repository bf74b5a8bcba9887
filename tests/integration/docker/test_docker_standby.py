"""Task containers started ahead with the real engine: a chain's next try's (under its own name) or
any next try's (a standby), one per try, removed when unused, with the runtime, or by the orphan
sweep once their owner is gone."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker_helpers import write_dag
from test_docker_tasks import TASKS, run_task

from dagseal.runtime.base import SandboxSpec, TryIdentity
from dagseal.runtime.docker import DockerRuntime
from dagseal.runtime.docker_container import container_name
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.runtime.docker_standby import OWNER_LABEL, owner, owner_alive

STANDBYS = {"io.dagseal.role": "standby", "io.dagseal.test": "1"}
TASK_CONTAINERS = {"io.dagseal.role": "task", "io.dagseal.test": "1"}
BASH_TRY = TryIdentity(dag_id="tasks", run_id="r1", task_id="bash", try_number=1)


@pytest.fixture
def standby_runtime(engine: DockerEngine) -> Iterator[DockerRuntime]:
    runtime = DockerRuntime(engine, standby=True)
    yield runtime
    runtime.close()


@pytest.fixture
def chain_runtime(engine: DockerEngine) -> Iterator[DockerRuntime]:
    runtime = DockerRuntime(engine, successors=True)
    yield runtime
    runtime.close()


def _assert_isolated(engine: DockerEngine, name: str) -> None:
    """A container started ahead has a try container's settings: no network, read-only, init, no caps."""
    host = (engine.inspect(name) or {})["HostConfig"]
    assert (host["NetworkMode"], host["ReadonlyRootfs"], host["Init"]) == ("none", True, True)
    assert host["CapDrop"] == ["ALL"]


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
    assert "started ahead" not in first_log  # nothing was started ahead of the first try
    (waiting,) = _names(engine, STANDBYS)  # the second try's container, started during the first

    second, second_log, second_handles = run_task(standby_runtime, spec, dag_folder, "value")
    assert (second.state, second.return_value) == ("success", {"rows": 3}), second_log
    assert f"the try runs in container {waiting}, started ahead" in second_log
    assert "python print" in second_log  # its output reached this try's log
    assert engine.inspect(second_handles[0].container_id) is None  # served one try, then removed
    assert first_handles[0].container_id != second_handles[0].container_id

    (successor,) = _names(engine, STANDBYS)
    assert successor != waiting
    labels = engine.containers({**STANDBYS})[0]["Labels"]
    assert labels[OWNER_LABEL] == owner() and owner_alive(labels[OWNER_LABEL])
    _assert_isolated(engine, successor)

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
    assert "started ahead" not in log
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


def test_a_chains_next_try_runs_in_the_container_started_for_it_under_its_own_name(
    chain_runtime: DockerRuntime,
    spec_for: Callable[..., SandboxSpec],
    dag_folder: Path,
    engine: DockerEngine,
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    first, first_log, _ = run_task(chain_runtime, spec_for(), dag_folder, "value", successor=BASH_TRY)
    assert first.state == "success", first_log
    name = container_name("task", BASH_TRY.fields())  # the name its own start would give it
    (ahead,) = engine.containers({**TASK_CONTAINERS, "io.dagseal.task_id": "bash"})
    assert ahead["Names"] == [f"/{name}"]  # created, maybe still starting
    labels = ahead["Labels"]
    assert (labels["io.dagseal.run_id"], labels["io.dagseal.try_number"]) == ("r1", "1")
    assert labels[OWNER_LABEL] == owner()
    _assert_isolated(engine, name)

    second, second_log, handles = run_task(chain_runtime, spec_for(), dag_folder, "bash")
    assert second.state == "success", second_log
    assert f"the try runs in container {name}, started ahead" in second_log
    assert "to-stdout" in second_log and "to-stderr" in second_log
    assert handles[0].container_id == ahead["Id"]
    assert engine.containers(TASK_CONTAINERS) == []  # served its try, removed; no successor named


def test_a_try_that_fails_or_another_try_leaves_no_container_started_ahead(
    chain_runtime: DockerRuntime,
    spec_for: Callable[..., SandboxSpec],
    dag_folder: Path,
    engine: DockerEngine,
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    failed, log, _ = run_task(chain_runtime, spec_for(), dag_folder, "fails", successor=BASH_TRY)
    assert failed.state == "failed", log
    assert engine.containers(TASK_CONTAINERS) == []  # its successor will not run now

    run_task(chain_runtime, spec_for(), dag_folder, "value", successor=BASH_TRY)
    other, log, _ = run_task(chain_runtime, spec_for(), dag_folder, "exits")  # not the expected try
    assert other.state == "failed" and "started ahead" not in log
    assert engine.containers(TASK_CONTAINERS) == []


def test_without_the_setting_nothing_is_started_ahead(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path, engine: DockerEngine
) -> None:
    write_dag(dag_folder, "tasks.py", TASKS)
    outcome, log, _ = run_task(runtime, spec_for(), dag_folder, "value", successor=BASH_TRY)
    assert outcome.state == "success", log
    assert engine.containers(TASK_CONTAINERS) == []
