"""Warm parse containers with the real engine: reuse, timeouts, crashes, images, engine trouble."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import docker
import pytest
from docker_helpers import SOCKET, write_dag
from testimage import build_test_image

from dagseal.errors import ImageMissing, IncompatibleImage
from dagseal.runtime.base import SandboxCrashed, SandboxSpec, SandboxTimeout, WarmSandbox
from dagseal.runtime.docker import DockerRuntime, SandboxStartFailed
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.sandbox.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION

GOOD = """
from dagseal import DAG, BashOperator
print("user print at import")
with DAG("{dag_id}", schedule=None) as dag:
    BashOperator(task_id="t", bash_command="echo hi")
"""


def parse(session: WarmSandbox, name: str, timeout: float = 20.0) -> dict:
    return session.request({"type": "parse", "file": name}, timeout)


def test_warm_container_parses_many_files_and_is_reused(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path, engine: DockerEngine
) -> None:
    for n in range(3):
        write_dag(dag_folder, f"dag_{n}.py", GOOD.format(dag_id=f"dag_{n}"))
    session = runtime.start_warm_sandbox(spec_for())
    try:
        assert session.sandbox_dag_folder == "/opt/dagseal/dags/team_it"
        for n in range(3):
            reply = parse(session, f"dag_{n}.py")
            assert reply["import_errors"] == []
            assert [d["dag"]["dag_id"] for d in reply["dags"]] == [f"dag_{n}"]
        # output travels the attach stream, replies the protocol socket: the print may land a moment later
        deadline = time.monotonic() + 5
        while "user print at import" not in session.stderr_tail() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "user print at import" in session.stderr_tail()
        assert len(engine.containers({"io.dagseal.role": "parse", "io.dagseal.test": "1"})) == 1
    finally:
        session.close()
    assert engine.containers({"io.dagseal.role": "parse", "io.dagseal.test": "1"}) == []


def test_hanging_parse_costs_one_container_and_the_next_file_parses(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    write_dag(dag_folder, "hangs.py", "import time\nwhile True:\n    time.sleep(1)\n")
    write_dag(dag_folder, "fine.py", GOOD.format(dag_id="fine"))
    spec = spec_for()
    session = runtime.start_warm_sandbox(spec)
    with pytest.raises(SandboxTimeout, match="no reply within 2s"):
        parse(session, "hangs.py", timeout=2.0)
    assert not session.alive()
    session.close()
    fresh = runtime.start_warm_sandbox(spec)
    try:
        assert [d["dag"]["dag_id"] for d in parse(fresh, "fine.py")["dags"]] == ["fine"]
    finally:
        fresh.close()


def test_crash_is_reported_with_exit_code_and_session_dies(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    write_dag(dag_folder, "crash.py", "import os, sys\nprint('going down', file=sys.stderr)\nos._exit(7)\n")
    session = runtime.start_warm_sandbox(spec_for())
    with pytest.raises(SandboxCrashed, match="exited with code 7: going down") as caught:
        parse(session, "crash.py")
    assert caught.value.exit_code == 7
    assert not session.alive()
    session.close()


def test_a_sandbox_that_dies_before_connecting_is_a_crash_not_a_timeout(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec]
) -> None:
    """E.g. an image whose sandbox predates `--connect`: its own complaint, at once (here the
    interpreter cannot even start)."""
    started = time.monotonic()
    with pytest.raises(SandboxCrashed, match="exited with code 1") as caught:
        runtime.start_warm_sandbox(spec_for(environment={"PYTHONHOME": "/nonexistent"}, parse_timeout=120.0))
    assert time.monotonic() - started < 60
    assert caught.value.exit_code == 1
    assert "Fatal Python error" in caught.value.stderr_tail


def test_two_sessions_of_one_spec_get_distinct_deterministic_containers(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], engine: DockerEngine
) -> None:
    spec = spec_for()
    first, second = runtime.start_warm_sandbox(spec), runtime.start_warm_sandbox(spec)
    try:
        assert first.container_id != second.container_id
        slots = sorted(c["Labels"]["io.dagseal.slot"] for c in engine.containers({"io.dagseal.test": "1"}))
        assert slots == ["0", "1"]
    finally:
        first.close()
        second.close()


def test_missing_image_is_one_clear_error(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec]
) -> None:
    with pytest.raises(SandboxStartFailed, match="is not in the Docker engine") as caught:
        runtime.start_warm_sandbox(spec_for(image="sha256:" + "0" * 64))
    assert isinstance(caught.value.__cause__, ImageMissing)


def test_incompatible_image_names_image_and_both_versions(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec]
) -> None:
    client = docker.APIClient(base_url=SOCKET, version="auto")
    other = build_test_image(client, protocol="99")
    with pytest.raises(
        IncompatibleImage,
        match=f"refusing image {other}: it speaks sandbox protocol 99, "
        f"this host runs sandbox protocols {MIN_PROTOCOL_VERSION} to {PROTOCOL_VERSION}",
    ):
        runtime.check_image(other)
    with pytest.raises(SandboxStartFailed, match="sandbox protocol 99"):
        runtime.start_warm_sandbox(spec_for(image=other))


def test_engine_down_is_a_start_failure_naming_the_engine(spec_for: Callable[..., SandboxSpec]) -> None:
    down = DockerRuntime(DockerEngine("unix:///nonexistent/docker.sock"))
    with pytest.raises(
        SandboxStartFailed,
        match=r"Docker engine unreachable at unix:///nonexistent/docker\.sock.*tooling/start_docker\.sh",
    ):
        down.start_warm_sandbox(spec_for())
