"""The DAG processor with `scheduler_dag_parsing_runtime = docker`, against the real engine and DB.

Per-file images (one warm container per image, the old one gone when a file's image changes)
and engine failure (import errors while the engine is away, recovery in the same processor).
Each DAG file records where it was imported — the image's `IMAGE_FLAVOR` variable and the uid —
in its description, so the stored DAG says which image parsed it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker_helpers import SOCKET, TEST_LABELS, write_dag
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import load_config
from dagseal.db.models import DagModel, ImportErrorModel, SerializedDagModel
from dagseal.placement import Placement
from dagseal.processor import DagProcessorManager
from dagseal.runtime.docker_engine import DockerEngine

WHERE_AM_I = """
import os
from dagseal import DAG
where = f"{{os.environ.get('IMAGE_FLAVOR', 'base')}} uid={{os.getuid()}}"
dag = DAG("{dag_id}", schedule=None, description=where)
"""


@pytest.fixture
def flavored_image(test_image: str) -> Iterator[str]:
    """The test image plus `IMAGE_FLAVOR=b`: a second image id, removed before the base image is."""
    client = docker.APIClient(base_url=SOCKET, version="auto")
    container = client.create_container(test_image, command=["true"], labels=TEST_LABELS)
    try:
        image = client.commit(container["Id"], changes=["ENV IMAGE_FLAVOR=b"])["Id"]
    finally:
        client.remove_container(container["Id"], force=True)
    yield image
    for leftover in client.containers(all=True, filters={"ancestor": image}):
        client.remove_container(leftover["Id"], force=True)
    client.remove_image(image, force=True, noprune=True)  # pruning would take the untagged base too


def make_manager(
    dag_folder: Path, session_factory: sessionmaker[Session], image: str, socket_path: str
) -> DagProcessorManager:
    """A processor wired from config, as `dagseal dag-processor` wires it."""
    config = load_config(
        {
            "DAGSEAL__CORE__SCHEDULER_DAG_PARSING_RUNTIME": "docker",
            "DAGSEAL__DOCKER_RUNTIME__SOCKET_PATH": socket_path,
            "DAGSEAL__DOCKER_RUNTIME__IMAGE": image,
            "DAGSEAL__DOCKER_RUNTIME__LABELS": ",".join(f"{k}={v}" for k, v in TEST_LABELS.items()),
            "DAGSEAL__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "0",
            "DAGSEAL__SCHEDULER__DAG_DIR_LIST_INTERVAL": "0",
            "DAGSEAL__SCHEDULER__PARSE_TIMEOUT": "20",
        },
        cwd=dag_folder.parent,
    )
    return DagProcessorManager.from_config(
        config, Placement.from_config(config), dag_folder, session_factory, parsing_processes=1
    )


def descriptions(session_factory: sessionmaker[Session]) -> dict[str, str]:
    with session_factory() as session:
        rows = session.execute(
            select(DagModel.dag_id, SerializedDagModel.data).join(
                SerializedDagModel, SerializedDagModel.dag_hash == DagModel.latest_dag_hash
            )
        ).all()
    return {dag_id: json.loads(data)["dag"]["description"] for dag_id, data in rows}


def import_errors(session_factory: sessionmaker[Session]) -> dict[str, str]:
    with session_factory() as session:
        errors = session.scalars(select(ImportErrorModel)).all()
    return {Path(error.filename).name: error.stacktrace for error in errors}


def parse_containers(engine: DockerEngine) -> dict[str, int]:
    """Running warm parse containers of this test, counted per image."""
    counts: dict[str, int] = {}
    for container in engine.containers({**TEST_LABELS, "io.dagseal.role": "parse"}):
        image = container["Labels"]["io.dagseal.image"]
        counts[image] = counts.get(image, 0) + 1
    return counts


def test_files_are_grouped_by_image_and_a_changed_image_replaces_its_container(
    dag_folder: Path,
    test_image: str,
    flavored_image: str,
    engine: DockerEngine,
    session_factory: sessionmaker[Session],
) -> None:
    for name in ("a", "b", "c"):
        write_dag(dag_folder, f"{name}.py", WHERE_AM_I.format(dag_id=f"it.{name}"))
    write_dag(dag_folder, "c.runtime.yaml", f"image: {flavored_image}\n")
    manager = make_manager(dag_folder, session_factory, test_image, SOCKET)
    with manager:
        stats = manager.run_once()
        assert (stats.parsed, stats.import_errors) == (3, 0), import_errors(session_factory)
        assert descriptions(session_factory) == {
            "it.a": "base uid=1000",
            "it.b": "base uid=1000",
            "it.c": "b uid=1000",
        }
        assert parse_containers(engine) == {test_image: 1, flavored_image: 1}

        write_dag(dag_folder, "c.runtime.yaml", "memory: 300m\n")  # c goes back to the directory's image
        write_dag(dag_folder, "c.py", WHERE_AM_I.format(dag_id="it.c") + "# edited\n")
        manager.run_once()
        assert descriptions(session_factory)["it.c"] == "base uid=1000"
        assert set(parse_containers(engine)) == {test_image}  # the flavored container went away
    assert parse_containers(engine) == {}


def test_engine_down_gives_import_errors_and_the_same_processor_recovers(
    dag_folder: Path,
    test_image: str,
    engine: DockerEngine,
    session_factory: sessionmaker[Session],
) -> None:
    write_dag(dag_folder, "a.py", WHERE_AM_I.format(dag_id="it.a"))
    write_dag(dag_folder, "b.py", WHERE_AM_I.format(dag_id="it.b"))
    with tempfile.TemporaryDirectory(prefix="dagseal-sock-") as sockets:
        socket_path = Path(sockets) / "docker.sock"  # nothing there yet: a dead engine
        manager = make_manager(dag_folder, session_factory, test_image, f"unix://{socket_path}")
        with manager:
            stats = manager.run_once()
            assert (stats.parsed, stats.import_errors) == (2, 2)
            errors = import_errors(session_factory)
            assert set(errors) == {"a.py", "b.py"}
            for text in errors.values():
                assert "Docker engine unreachable" in text and len(text.splitlines()) == 1
            assert descriptions(session_factory) == {}

            os.symlink(SOCKET.removeprefix("unix://"), socket_path)  # the engine is back
            stats = manager.run_once()
            assert (stats.parsed, stats.import_errors) == (2, 0)
            assert import_errors(session_factory) == {}
            assert descriptions(session_factory) == {"it.a": "base uid=1000", "it.b": "base uid=1000"}


def test_a_file_without_a_usable_image_is_an_import_error_and_the_rest_parse(
    dag_folder: Path, test_image: str, engine: DockerEngine, session_factory: sessionmaker[Session]
) -> None:
    for name in ("good", "tagged", "bridged"):
        write_dag(dag_folder, f"{name}.py", WHERE_AM_I.format(dag_id=f"it.{name}"))
    write_dag(dag_folder, "tagged.runtime.yaml", "image: python:3.11\n")
    write_dag(dag_folder, "bridged.runtime.yaml", "network: 'bridge!'\n")
    with make_manager(dag_folder, session_factory, test_image, SOCKET) as manager:
        stats = manager.run_once()
        assert (stats.parsed, stats.import_errors) == (3, 2)
        errors = import_errors(session_factory)
        assert "refusing image 'python:3.11' for tagged.py: a mutable tag" in errors["tagged.py"]
        assert (
            "bridged.runtime.yaml:1: network: expected none, host or a Docker network name"
            in errors["bridged.py"]
        )
        assert all(len(text.splitlines()) == 1 for text in errors.values())
        assert descriptions(session_factory) == {"it.good": "base uid=1000"}


def test_a_files_runtime_yaml_parse_timeout_bounds_its_parse(
    dag_folder: Path, test_image: str, engine: DockerEngine, session_factory: sessionmaker[Session]
) -> None:
    """[scheduler] parse_timeout is 20 s here; the file's own parse_timeout of 1 s must bound its
    parse (it used to bound only the wait for the sandbox's hello, and the parse got 20 s)."""
    write_dag(dag_folder, "spin.py", "while True:\n    pass\n")
    write_dag(dag_folder, "spin.runtime.yaml", "parse_timeout: 1\n")
    write_dag(dag_folder, "fine.py", WHERE_AM_I.format(dag_id="it.fine"))
    with make_manager(dag_folder, session_factory, test_image, SOCKET) as manager:
        stats = manager.run_once()
        assert (stats.parsed, stats.import_errors) == (2, 1)
        assert (
            "spin.py: parsing took longer than parse_timeout (1s)"
            in import_errors(session_factory)["spin.py"]
        )
        assert descriptions(session_factory) == {"it.fine": "base uid=1000"}
