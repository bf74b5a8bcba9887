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
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any, BinaryIO

from dagseal.runtime.base import (
    RunTaskRequest,
    SandboxCrashed,
    SandboxProtocolError,
    SandboxRuntime,
    SandboxSpec,
    SandboxTimeout,
    TaskHandle,
    TaskOutcome,
    TryIdentity,
)
from dagseal.runtime.channel import (
    Answerer,
    ChannelClosed,
    OutputTail,
    ProtocolChannel,
    ProtocolSandbox,
    RunningTry,
    last_line,
    task_outcome_fields,
)
from dagseal.runtime.environment import sandbox_environment
from dagseal.runtime.zygote import ZygoteChild, ZygoteUnavailable

log = logging.getLogger(__name__)

DRAIN_GRACE_SECONDS = 2.0


class StderrDrain(threading.Thread):
    """Reads a sandbox's stderr until EOF so it never blocks, forwarding to ``sink`` and keeping a tail."""

    def __init__(self, stream: IO[bytes], sink: Callable[[bytes], Any] | None) -> None:
        super().__init__(name="dagseal-sandbox-stderr", daemon=True)
        self._stream = stream
        self._sink = sink
        self.tail = OutputTail()

    def run(self) -> None:
        while chunk := self._stream.read1(65536):
            if self._sink is not None:
                self._sink(chunk)
            self.tail.add(chunk)


def _forked(zygote: str | None, cwd: str, env: dict[str, str]) -> ZygoteChild | None:
    """A sandbox forked by the zygote at ``zygote``; None (start a fresh one) without or if it is gone."""
    if zygote is None:
        return None
    try:
        return ZygoteChild(zygote, cwd, env)
    except ZygoteUnavailable as exc:
        log.warning("%s; starting a fresh sandbox interpreter instead", exc)
        return None


class SandboxProcess(ProtocolChannel):
    """One sandbox child: protocol pipes, a stdout reader thread, a stderr drain, group kill."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        cwd: str,
        sink: Callable[[bytes], Any] | None,
        zygote: str | None = None,
    ):
        self.proc = _forked(zygote, cwd, env) or subprocess.Popen(
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

    @property
    def name(self) -> str:
        return f"sandbox pid {self.pid}"

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def write_line(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except OSError as exc:
            raise ChannelClosed(str(exc)) from exc

    def read_line(self, timeout: float | None) -> bytes:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if line is None:
            self._lines.put(None)  # stay at EOF for every later reader
            raise ChannelClosed("the sandbox closed its stdout")
        return line

    def crashed(self) -> SandboxCrashed:
        code = self.proc.wait()
        self.stderr.join(DRAIN_GRACE_SECONDS)
        self.kill()
        tail = self.stderr.tail.text()
        return SandboxCrashed(f"{self.name} exited with code {code}: {last_line(tail)}", code, tail)

    def kill(self) -> None:
        """SIGKILL the whole process group (the sandbox and every child that stayed in it)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def exited(self) -> bool:
        return self.proc.poll() is not None

    def stderr_tail(self) -> str:
        return self.stderr.tail.text()

    def reset_tail(self) -> None:
        self.stderr.tail.reset()

    def close(self) -> None:
        self.kill()
        self.stderr.join(DRAIN_GRACE_SECONDS)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a broken pipe: nothing left to flush
                    stream.close()


class ProcessWarmSandbox(ProtocolSandbox):
    """A warm sandbox subprocess; requests are answered in order, one at a time."""

    def __init__(self, spec: SandboxSpec, process: SandboxProcess) -> None:
        self._spec = spec
        self._process = process
        super().__init__(process, spec.parse_timeout)

    @property
    def sandbox_dag_folder(self) -> str:
        return os.path.abspath(self._spec.dag_folder)

    @property
    def pid(self) -> int:
        return self._process.pid

    def _stop(self) -> None:
        """Ask for a clean shutdown (a second at most), then kill the group either way."""
        if not self._process.exited():
            try:
                self._process.send({"type": "shutdown", "id": self.next_id()})
                self._process.proc.wait(timeout=1.0)
            except (SandboxCrashed, subprocess.TimeoutExpired):
                pass  # close() kills the group below either way
        self._process.close()


class ProcessRuntime(SandboxRuntime):
    """Runs sandboxes as ``python -m dagseal.sandbox`` subprocesses with a scrubbed environment.

    ``stderr_sink`` receives the raw stderr of warm sandboxes (user prints at import); None drops it
    after keeping the per-request tail for error messages. ``zygote`` is the socket of a
    ``SandboxZygote``: sandboxes are forked from it (own process, own group, own environment) instead
    of starting an interpreter, unless the spec sets ``PYTHON*`` variables (read at interpreter start).
    """

    def __init__(
        self,
        python: str = sys.executable,
        stderr_sink: Callable[[bytes], Any] | None = None,
        zygote: str | None = None,
    ) -> None:
        self.python = python
        self.stderr_sink = stderr_sink
        self.zygote = zygote

    def _spawn(self, spec: SandboxSpec, sink: Callable[[bytes], Any] | None) -> SandboxProcess:
        env = sandbox_environment(spec.environment)
        zygote = None if any(key.startswith("PYTHON") for key, _ in spec.environment) else self.zygote
        return SandboxProcess(
            [self.python, "-m", "dagseal.sandbox"], env, os.path.abspath(spec.dag_folder), sink, zygote
        )

    def start_warm_sandbox(self, spec: SandboxSpec) -> ProcessWarmSandbox:
        return ProcessWarmSandbox(spec, self._spawn(spec, self.stderr_sink))

    def kill(self, handle: TaskHandle) -> None:
        """SIGKILL the try's process group (children that detached with setsid are out of reach)."""
        if handle.pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
                os.killpg(handle.pgid, signal.SIGKILL)

    def run_task(
        self,
        spec: SandboxSpec,
        request: RunTaskRequest,
        log: BinaryIO,
        timeout: float | None,
        on_start: Callable[[TaskHandle], None],
        answer: Answerer | None = None,
        successor: TryIdentity | None = None,
    ) -> TaskOutcome:
        del successor  # nothing worth starting ahead: a sandbox process forks in milliseconds
        running = RunningTry(timeout, log)
        process = self._spawn(spec, running.write_log)
        on_start(TaskHandle(pid=process.pid, pgid=process.pid))
        try:
            process.check_hello(running.remaining())
            process.send(request)
            reply = process.receive_answering(running.remaining, answer)
            process.send({"type": "shutdown", "id": request.id + 1})
            process.proc.wait(timeout=DRAIN_GRACE_SECONDS)
            outcome = task_outcome_fields(reply)
        except SandboxTimeout:
            outcome = {"state": "failed", "timed_out": True, "error": f"task timed out after {timeout:g}s"}
        except (SandboxCrashed, SandboxProtocolError, subprocess.TimeoutExpired) as exc:
            outcome = {"state": "failed", "error": str(exc)}
        finally:
            process.close()  # kills the group: children the task left running die with it
        return TaskOutcome(**outcome, exit_code=process.proc.returncode, duration=running.elapsed())
