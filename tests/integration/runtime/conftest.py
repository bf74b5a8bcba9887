"""Fixtures of the backend tests that start real sandboxes: the task fixture DAG, a protocol socket."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagseal.runtime.docker_socket import ProtocolSocket

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bad_dags"


@pytest.fixture
def dag_dir(tmp_path: Path) -> Path:
    """A DAG directory holding only the task fixture (test_process_parse overrides it with all of them)."""
    folder = tmp_path / "dags"
    folder.mkdir()
    shutil.copy(FIXTURES / "tasks.py", folder / "tasks.py")
    return folder


@pytest.fixture
def protocol(tmp_path: Path) -> Iterator[ProtocolSocket]:
    """A container's protocol socket, here for a local sandbox (short root: AF_UNIX paths are short)."""
    opened = ProtocolSocket(tmp_path / "sockets")
    yield opened
    opened.close()
