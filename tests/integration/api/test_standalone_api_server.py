"""``dagseal standalone`` and its API server: a taken port fails ``--api-server`` in one line, and
is only a warning when the UI was not asked for."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def _standalone(tmp_path: Path, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "dags").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DAGSEAL_HOME": str(tmp_path / "home"),
        "DAGSEAL__CORE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'dagseal.db'}",
        "DAGSEAL__CORE__DAGS_FOLDER": str(tmp_path / "dags"),
        "DAGSEAL__API__PORT": str(port),
    }
    env.pop("DAGSEAL_CONFIG", None)
    command = [
        str(Path(__file__).resolve().parents[3] / ".venv/bin/dagseal"),
        "standalone",
        "--migrate",
        *args,
    ]
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_explicit_api_server_on_a_taken_port_fails_in_one_line(tmp_path: Path, busy_port: int) -> None:
    done = _standalone(tmp_path, busy_port, "--api-server", "-n", "1")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"dagseal: error: [api] 127.0.0.1:{busy_port} cannot be bound: Address already in use"
    )


def test_default_api_server_on_a_taken_port_is_a_warning(tmp_path: Path, busy_port: int) -> None:
    done = _standalone(tmp_path, busy_port, "-n", "1")
    assert done.returncode == 0, done.stderr
    assert f"standalone: API server not started: [api] 127.0.0.1:{busy_port} cannot be bound" in done.stdout
