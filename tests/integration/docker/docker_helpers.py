"""Helpers the Docker engine tests import (a conftest cannot be imported by name: several exist)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

from testimage import TEST_LABEL

from tests.integration.scheduler.sched_env import SchedulerEnv

SOCKET = os.environ.get("DAGSEAL__DOCKER_RUNTIME__SOCKET_PATH", "unix:///var/run/docker.sock")
TEST_LABELS = {TEST_LABEL: "1"}


def write_dag(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    path.chmod(0o644)
    return path


@contextlib.contextmanager
def docker_scheduler_env(test_image: str, db_url: str, prefix: str) -> Iterator[SchedulerEnv]:
    """A SchedulerEnv whose parsing and tasks run in containers of ``test_image``; its DAG folder is
    world-readable (uid 1000 in the container must read it) and removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    environment = SchedulerEnv(
        root,
        db_url,
        core__scheduler_dag_parsing_runtime="docker",
        core__task_execution_runtime="docker",
        docker_runtime__image=test_image,
        docker_runtime__labels=f"{TEST_LABEL}=1",
        docker_runtime__socket_path=SOCKET,
    )
    for folder in (root / "repos", environment.repo):
        folder.chmod(0o755)
    try:
        yield environment
    finally:
        environment.close()
        shutil.rmtree(root, ignore_errors=True)
