"""Host side of the sandbox zygote (``python3 -m dagseal.sandbox --zygote``, see ``sandbox/zygote.py``).

``SandboxZygote`` starts and stops the warm interpreter (the LocalExecutor owns one for the process
runtime); ``ZygoteChild`` is one sandbox it forked for a task try, with the parts of
``subprocess.Popen`` that ``SandboxProcess`` uses. The child is not our child: its exit status
comes from the zygote over the connection.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from dagseal.errors import DagsealError
from dagseal.runtime.environment import sandbox_environment

START_TIMEOUT_SECONDS = 30.0


class ZygoteUnavailable(DagsealError):
    """The zygote did not start, or stopped answering."""


class ZygoteChild:
    """A sandbox the zygote forked in ``cwd`` with environment ``env``: pipes as ``stdin``/``stdout``/
    ``stderr``, ``pid`` (also its process group), ``wait``/``poll``/``returncode`` like ``Popen``."""

    def __init__(self, socket_path: str, cwd: str, env: dict[str, str]) -> None:
        self._conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._buffer = b""
        self.returncode: int | None = None
        theirs, ours = zip(*(_pipe(child_reads=(n == 0)) for n in range(3)), strict=True)
        try:
            self._conn.connect(socket_path)
            socket.send_fds(self._conn, [json.dumps({"cwd": cwd, "env": env}).encode() + b"\n"], list(theirs))
            reply = self._read_line(START_TIMEOUT_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self._conn.close()
            for fd in ours:
                os.close(fd)
            raise ZygoteUnavailable(f"sandbox zygote at {socket_path}: {exc}") from exc
        finally:
            for fd in theirs:
                os.close(fd)
        if not reply.startswith("pid "):
            raise ZygoteUnavailable(f"sandbox zygote at {socket_path} answered {reply!r}")
        self.pid = int(reply.split()[1])
        self.stdin = os.fdopen(ours[0], "wb")
        self.stdout = os.fdopen(ours[1], "rb")
        self.stderr = os.fdopen(ours[2], "rb")

    def _read_line(self, timeout: float | None) -> str:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self._conn], [], [], left)[0]:
                raise subprocess.TimeoutExpired("sandbox zygote", timeout or 0.0)
            chunk = self._conn.recv(4096)
            if not chunk:
                return ""
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            line = self._read_line(timeout)
            if line.startswith("exit "):
                self.returncode = int(line.split()[1])
            else:  # the zygote was killed: nobody can tell how the child ended, so make sure it did
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.returncode = -signal.SIGKILL
            self._conn.close()
        return self.returncode

    def poll(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.wait(0)
        return None


def _pipe(child_reads: bool) -> tuple[int, int]:
    """(child's end, our end) of a new pipe."""
    read, write = os.pipe()
    return (read, write) if child_reads else (write, read)


class SandboxZygote:
    """The warm sandbox interpreter, started with the scrubbed sandbox environment; a context manager."""

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self._dir = tempfile.mkdtemp(prefix="dagseal-zygote-")  # 0700: only this user may connect
        self.socket_path = os.path.join(self._dir, "zygote.sock")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        """Start the zygote and wait until it listens; returns its socket path."""
        self._process = subprocess.Popen(
            [self.python, "-m", "dagseal.sandbox", "--zygote", self.socket_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=sandbox_environment(),
            cwd=self._dir,
            start_new_session=True,  # Ctrl-C goes to the scheduler, which stops us
        )
        assert self._process.stdout is not None
        ready = select.select([self._process.stdout], [], [], START_TIMEOUT_SECONDS)[0]
        if not ready or self._process.stdout.readline() != b"ready\n":
            self.stop()
            raise ZygoteUnavailable("the sandbox zygote did not start; see its stderr above")
        return self.socket_path

    def stop(self) -> None:
        """Close its stdin (it stops accepting, and exits once its running sandboxes ended; killed
        after 5 s) and remove the socket."""
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SandboxZygote:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
