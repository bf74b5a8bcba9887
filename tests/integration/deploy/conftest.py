"""Registries for the deploy tests: the shared one, and throwaway ones a test may stop.

The shared registry is ``DAGSEAL_TEST_REGISTRY`` or the one ``tooling/start_registry.sh``
starts; an unreachable registry fails the test with how to start it, never skips.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagseal.deploy import RegistryClient, RegistryUnreachable

REPO_ROOT = Path(__file__).resolve().parents[3]


def _start_registry(addr: str | None = None, data_dir: Path | None = None) -> str:
    env = dict(os.environ)
    if addr:
        env["DAGSEAL_REGISTRY_ADDR"] = addr
    if data_dir:
        env["DAGSEAL_REGISTRY_DIR"] = str(data_dir)
    done = subprocess.run(
        ["bash", str(REPO_ROOT / "tooling/start_registry.sh")], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"tooling/start_registry.sh failed: {done.stderr.strip()}", pytrace=False)
    return done.stdout.strip()


@pytest.fixture(scope="session")
def registry() -> str:
    """Address of the shared test registry (host:port)."""
    address = os.environ.get("DAGSEAL_TEST_REGISTRY") or _start_registry()
    try:
        RegistryClient(address).ping()
    except RegistryUnreachable as exc:
        pytest.fail(f"{exc}; run tooling/start_registry.sh or set DAGSEAL_TEST_REGISTRY", pytrace=False)
    return address


class ThrowawayRegistry:
    """A registry of its own on a free loopback port, which the test may stop."""

    def __init__(self, data_dir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.data_dir = data_dir
        self.address = _start_registry(f"127.0.0.1:{port}", data_dir)

    def stop(self) -> None:
        pid_file = self.data_dir / "registry.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text())
        pid_file.unlink()
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):  # wait until the port is really closed
                os.kill(pid, 0)
                time.sleep(0.05)
        except ProcessLookupError:
            return


@pytest.fixture
def throwaway_registry(tmp_path: Path) -> Iterator[ThrowawayRegistry]:
    registry = ThrowawayRegistry(tmp_path / "registry")
    yield registry
    registry.stop()


@pytest.fixture
def namespace() -> str:
    """A repository namespace of this test's own, so tests never see each other's blobs."""
    return f"dagseal-test/{uuid.uuid4().hex[:12]}"
