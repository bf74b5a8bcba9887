"""Helpers the Docker engine tests import (a conftest cannot be imported by name: several exist)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from testimage import TEST_LABEL

SOCKET = os.environ.get("DAGSEAL__DOCKER_RUNTIME__SOCKET_PATH", "unix:///var/run/docker.sock")
TEST_LABELS = {TEST_LABEL: "1"}


def write_dag(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    path.chmod(0o644)
    return path
