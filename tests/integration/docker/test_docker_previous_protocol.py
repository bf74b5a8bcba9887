"""An image built at the previous sandbox protocol (2, from git history) still parses, runs tasks
and callbacks on this host; what it cannot do (Connections, Variables, XCom) fails in one line."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker_helpers import SOCKET, TEST_LABELS, write_dag
from testimage import build_test_image, previous_protocol_tree

from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.docker import DockerRuntime
from dagseal.sandbox.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, RunTaskRequest

OLD_STYLE = """
from dagseal import DAG, task

def on_failure(context):
    print("callback ran for", context["dag_id"])

with DAG("old", schedule=None, on_failure_callback=on_failure) as dag:
    @task
    def plain() -> int:
        return 41 + 1

    plain()
"""
NEW_STYLE = """
from dagseal import DAG, Connection, task

with DAG("new", schedule=None) as dag:
    @task
    def uses_connection() -> str:
        return Connection.get("warehouse").host

    uses_connection()
"""


@pytest.fixture(scope="module")
def previous_image(engine) -> Iterator[str]:
    assert MIN_PROTOCOL_VERSION == PROTOCOL_VERSION - 1, "this test builds the one previous version"
    tree = Path(tempfile.mkdtemp(prefix="dagseal-previous-protocol-"))
    try:
        previous_protocol_tree(tree)
        protocol = (tree / "dagseal/sandbox/protocol.py").read_text()
        assert f"PROTOCOL_VERSION = {MIN_PROTOCOL_VERSION}\n" in protocol
        client = docker.APIClient(base_url=SOCKET, version="auto")
        yield build_test_image(client, protocol=str(MIN_PROTOCOL_VERSION), source_root=tree)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def _spec(image: str, folder: Path) -> SandboxSpec:
    return SandboxSpec(
        dag_folder=str(folder), image=image, labels=TEST_LABELS, memory=256 * 1024**2, parse_timeout=30.0
    )


def _never(message: dict) -> dict:
    raise AssertionError(f"a protocol-{MIN_PROTOCOL_VERSION} sandbox sent {message}")


def test_previous_protocol_image_parses_runs_tasks_and_callbacks(
    runtime: DockerRuntime, previous_image: str, dag_folder: Path
) -> None:
    write_dag(dag_folder, "old.py", OLD_STYLE)
    spec = _spec(previous_image, dag_folder)
    runtime.check_image(previous_image)  # the label says 2: accepted
    session = runtime.start_warm_sandbox(spec)
    try:
        parsed = session.request({"type": "parse", "file": "old.py"}, timeout=30)
        assert parsed["import_errors"] == [] and len(parsed["dags"]) == 1
        callbacks = session.request(
            {
                "type": "run_callbacks",
                "file": "old.py",
                "source": OLD_STYLE,
                "callbacks": [{"callback_id": 1, "kind": "dag_failure", "dag_id": "old", "run_id": "r"}],
            },
            timeout=30,
            answer=_never,
        )
        assert callbacks["outcomes"] == [{"callback_id": 1, "ok": True, "error": None}]
    finally:
        session.close()
    request = RunTaskRequest(
        id=1,
        dag_folder=str(dag_folder),
        file="old.py",
        source=OLD_STYLE,
        dag_id="old",
        task_id="plain",
        run_id="r",
    )
    outcome = runtime.run_task(spec, request, io.BytesIO(), 60.0, lambda _handle: None, _never)
    assert (outcome.state, outcome.return_value) == ("success", 42)


def test_what_the_previous_protocol_cannot_do_fails_in_one_line(
    runtime: DockerRuntime, previous_image: str, dag_folder: Path
) -> None:
    write_dag(dag_folder, "new.py", NEW_STYLE)
    session = runtime.start_warm_sandbox(_spec(previous_image, dag_folder))
    try:
        parsed = session.request({"type": "parse", "file": "new.py"}, timeout=30)
    finally:
        session.close()
    [error] = parsed["import_errors"]
    message = error["message"]
    assert message.startswith("new.py:2: ImportError: cannot import name 'Connection' from 'dagseal'")
    assert "\n" not in message
