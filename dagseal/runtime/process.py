"""ProcessRuntime: the sandbox as a local subprocess (``python -m dagseal.sandbox``) in its own process group.

Isolation here is only what a process gives: a scrubbed environment and a process group that is
killed as a whole on timeout, crash and after every task try, so children a task forgot are gone.
What it cannot stop: user code runs as the host user with the host's filesystem and network, and
a grandchild that deliberately detaches (``os.setsid()``/``setsid``, double fork) leaves the group,
so the group kill misses it; it keeps running with the user's rights and may keep the log pipe
open (the host stops waiting for that output after a grace period). The container runtime closes
that hole: everything dies with the container's PID namespace and cgroup.
"""

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from itertools import count
from typing import IO, Any, BinaryIO

from dagseal.runtime.base import (
    RunTaskRequest,
    SandboxCrashed,
    SandboxProtocolError,
    SandboxRequestError,
    SandboxRuntime,
    SandboxSession,
    SandboxSpec,
    SandboxTimeout,
    TaskHandle,
    TaskOutcome,
)
from dagseal.runtime.environment import sandbox_environment
from dagseal.sandbox.protocol import PROTOCOL_VERSION, encode

STDERR_TAIL_BYTES = 8192
DRAIN_GRACE_SECONDS = 2.0
_FOLDER_REQUESTS = frozenset({"parse", "run_task", "run_callbacks"})


class StderrDrain(threading.Thread):
    """Reads a sandbox's stderr until EOF so it never blocks, forwarding to ``sink`` and keeping a tail."""

    def __init__(self, stream: IO[bytes], sink: Callable[[bytes], Any] | None) -> None:
        super().__init__(name="dagseal-sandbox-stderr", daemon=True)
        self._stream = stream
        self._sink = sink
        self._tail = bytearray()
        self._lock = threading.Lock()

    def run(self) -> None:
        while chunk := self._stream.read1(65536):
            if self._sink is not None:
                self._sink(chunk)
            with self._lock:
                self._tail += chunk
                del self._tail[:-STDERR_TAIL_BYTES]

    def reset(self) -> None:
        """Start a new per-request tail."""
        with self._lock:
            self._tail.clear()

    def tail(self) -> str:
        with self._lock:
            return self._tail.decode("utf-8", "replace")


class SandboxProcess:
    """One sandbox child: protocol pipes, a stdout reader thread, a stderr drain, group kill."""

    def __init__(
        self, command: list[str], env: dict[str, str], cwd: str, sink: Callable[[bytes], Any] | None
    ):
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read_stdout, name="dagseal-sandbox-stdout", daemon=True)
        self._reader.start()
        self.stderr = StderrDrain(self.proc.stderr, sink)  # type: ignore[arg-type]
        self.stderr.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, message: Any) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(encode(message))
            self.proc.stdin.flush()
        except OSError:
            self._raise_crashed()

    def receive(self, timeout: float | None) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise SandboxTimeout(
                f"sandbox pid {self.pid} gave no reply within {timeout:g}s and was killed",
                timeout or 0.0,
                self.stderr.tail(),
            ) from None
        if line is None:
            self._raise_crashed()
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("type"), str):
            self.kill()
            raise SandboxProtocolError(f"sandbox pid {self.pid} wrote a non-protocol line: {line[:200]!r}")
        return reply

    def _raise_crashed(self) -> None:
        code = self.proc.wait()
        self.stderr.join(DRAIN_GRACE_SECONDS)
        self.kill()
        tail = self.stderr.tail()
        last = (tail.strip().splitlines() or ["no output"])[-1]
        raise SandboxCrashed(f"sandbox pid {self.pid} exited with code {code}: {last}", code, tail)

    def kill(self) -> None:
        """SIGKILL the whole process group (the sandbox and every child that stayed in it)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def close(self) -> None:
        self.kill()
        self.stderr.join(DRAIN_GRACE_SECONDS)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a broken pipe: nothing left to flush
                    stream.close()


def _check_hello(process: SandboxProcess, timeout: float | None) -> None:
    hello = process.receive(timeout)
    if hello.get("type") != "hello" or hello.get("protocol_version") != PROTOCOL_VERSION:
        process.kill()
        raise SandboxProtocolError(
            f"sandbox speaks {hello.get('type')!r} protocol {hello.get('protocol_version')!r}, "
            f"host needs protocol {PROTOCOL_VERSION}"
        )


class ProcessSandboxSession(SandboxSession):
    """A warm sandbox subprocess; requests are answered in order, one at a time."""

    def __init__(self, spec: SandboxSpec, process: SandboxProcess) -> None:
        self._spec = spec
        self._process = process
        self._ids = count(1)
        self._closed = False
        try:
            _check_hello(process, spec.parse_timeout)
        except BaseException:
            process.close()
            raise

    @property
    def sandbox_dag_folder(self) -> str:
        return os.path.abspath(self._spec.dag_folder)

    @property
    def pid(self) -> int:
        return self._process.pid

    def request(self, message: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        if not self.alive():
            raise SandboxCrashed(
                f"sandbox session pid {self.pid} is not running", self._process.proc.returncode
            )
        outgoing = dict(message)
        outgoing.setdefault("id", next(self._ids))
        if outgoing.get("type") in _FOLDER_REQUESTS:
            outgoing.setdefault("dag_folder", self.sandbox_dag_folder)
        self._process.stderr.reset()
        self._process.send(outgoing)
        reply = self._process.receive(timeout)
        if reply.get("id") != outgoing["id"]:
            self._process.kill()
            raise SandboxProtocolError(
                f"sandbox replied to id {reply.get('id')!r}, expected {outgoing['id']}"
            )
        if reply["type"] == "error":
            raise SandboxRequestError(
                f"sandbox refused request: {reply.get('message')}", self._process.stderr.tail()
            )
        return reply

    def stderr_tail(self) -> str:
        """The last ~8 KB the sandbox wrote to stderr during the latest request."""
        return self._process.stderr.tail()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._process.proc.poll() is None:
            try:
                self._process.send({"type": "shutdown", "id": next(self._ids)})
                self._process.proc.wait(timeout=1.0)
            except (SandboxCrashed, subprocess.TimeoutExpired):
                pass  # close() kills the group below either way
        self._process.close()

    def alive(self) -> bool:
        return not self._closed and self._process.proc.poll() is None


class ProcessRuntime(SandboxRuntime):
    """Runs sandboxes as ``python -m dagseal.sandbox`` subprocesses with a scrubbed environment.

    ``stderr_sink`` receives the raw stderr of warm sessions (user prints at import); None drops it
    after keeping the per-request tail for error messages.
    """

    def __init__(
        self, python: str = sys.executable, stderr_sink: Callable[[bytes], Any] | None = None
    ) -> None:
        self.python = python
        self.stderr_sink = stderr_sink

    def _spawn(self, spec: SandboxSpec, sink: Callable[[bytes], Any] | None) -> SandboxProcess:
        env = sandbox_environment(spec.environment)
        return SandboxProcess(
            [self.python, "-m", "dagseal.sandbox"], env, os.path.abspath(spec.dag_folder), sink
        )

    def start_session(self, spec: SandboxSpec) -> ProcessSandboxSession:
        return ProcessSandboxSession(spec, self._spawn(spec, self.stderr_sink))

    def run_task(
        self,
        spec: SandboxSpec,
        request: RunTaskRequest,
        log: BinaryIO,
        timeout: float | None,
        on_start: Callable[[TaskHandle], None],
    ) -> TaskOutcome:
        started = time.monotonic()
        deadline = None if timeout is None else started + timeout

        def remaining() -> float | None:
            return None if deadline is None else max(0.0, deadline - time.monotonic())

        def write_log(chunk: bytes) -> None:
            log.write(chunk)
            log.flush()

        process = self._spawn(spec, write_log)
        on_start(TaskHandle(pid=process.pid, pgid=process.pid))
        try:
            _check_hello(process, remaining())
            process.send(request)
            reply = process.receive(remaining())
            process.send({"type": "shutdown", "id": request.id + 1})
            process.proc.wait(timeout=DRAIN_GRACE_SECONDS)
            outcome = _outcome_from_reply(reply)
        except SandboxTimeout:
            outcome = {"state": "failed", "timed_out": True, "error": f"task timed out after {timeout:g}s"}
        except (SandboxCrashed, SandboxProtocolError, subprocess.TimeoutExpired) as exc:
            outcome = {"state": "failed", "error": str(exc)}
        finally:
            process.close()  # kills the group: children the task left running die with it
        return TaskOutcome(**outcome, exit_code=process.proc.returncode, duration=time.monotonic() - started)


def _outcome_from_reply(reply: dict[str, Any]) -> dict[str, Any]:
    if reply.get("type") != "task_result":
        return {"state": "failed", "error": f"sandbox answered {reply.get('type')!r}: {reply.get('message')}"}
    return {"state": reply["state"], "return_value": reply.get("return_value"), "error": reply.get("error")}
