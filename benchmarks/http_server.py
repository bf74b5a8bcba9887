"""What the API benchmarks need of a server they start: a free loopback port, and waiting until
its health endpoint answers (or saying why it never will)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(
    base: str, server: subprocess.Popen[bytes], seconds: float, name: str, log: Path | None = None
) -> None:
    """Poll ``{base}/api/v2/monitor/health`` (dagseal's and Airflow 3's) until it is 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = f":\n{log.read_text()[-2000:]}" if log is not None and log.exists() else ""
            sys.exit(f"{name} exited {server.returncode}{tail}")
        try:
            if httpx.get(f"{base}/api/v2/monitor/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    sys.exit(f"{name} did not answer within {seconds:.0f} s")
