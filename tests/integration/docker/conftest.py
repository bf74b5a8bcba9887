"""Fixtures for tests against the real Docker engine: the engine, a test image, DAG folders, cleanup.

An unreachable engine fails every test here with the command that starts it; nothing is skipped.
Every container and image these tests make carries `io.dagseal.test=1`, and the session removes
them by that label at the end.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker_helpers import SOCKET, TEST_LABELS
from testimage import TEST_LABEL, build_test_image

from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.docker import DockerRuntime
from dagseal.runtime.docker_engine import DockerEngine, EngineUnavailable


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def engine() -> Iterator[DockerEngine]:
    engine = DockerEngine(SOCKET)
    try:
        engine.ping()
    except EngineUnavailable as exc:
        hint = "the docker tests need the real engine: run `bash tooling/start_docker.sh`"
        pytest.fail(f"{exc} ({hint})", pytrace=False)
    yield engine
    for container in engine.containers(TEST_LABELS):
        engine.remove(container["Id"])


@pytest.fixture(scope="session")
def test_image(engine: DockerEngine) -> Iterator[str]:
    """The working tree's sandbox in a small image; removed (by label) after the session."""
    import docker

    client = docker.APIClient(base_url=SOCKET, version="auto")
    image = build_test_image(client)
    yield image
    for container in engine.containers(TEST_LABELS):
        engine.remove(container["Id"])
    for leftover in client.images(filters={"label": [f"{TEST_LABEL}=1"]}, quiet=True):
        client.remove_image(leftover, force=True)


@pytest.fixture
def runtime(engine: DockerEngine) -> DockerRuntime:
    return DockerRuntime(engine)


@pytest.fixture
def dag_folder() -> Iterator[Path]:
    """An empty, world-readable team directory (pytest's tmp_path is 0700: uid 1000 could not read it)."""
    root = Path(tempfile.mkdtemp(prefix="dagseal-docker-it-"))
    folder = root / "team_it"
    folder.mkdir()
    for path in (root, folder):
        path.chmod(0o755)
    yield folder
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def spec_for(test_image: str, dag_folder: Path) -> Callable[..., SandboxSpec]:
    """`spec_for(**overrides)`: a SandboxSpec for the test image and folder, labelled for cleanup."""

    def make(**overrides: object) -> SandboxSpec:
        values: dict[str, object] = {
            "dag_folder": str(dag_folder),
            "image": test_image,
            "labels": TEST_LABELS,
            "memory": 256 * 1024**2,
            "pids_limit": 128,
            "parse_timeout": 20.0,
        }
        values.update(overrides)
        return SandboxSpec(**values)  # type: ignore[arg-type]

    return make
