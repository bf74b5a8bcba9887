"""DockerRuntime: every sandbox is a container of its team's image, spoken to over the attach socket.

Mirrors ProcessRuntime (same protocol, same errors, same outcomes) with what only a container
gives: the image pins the code's dependencies, the PID namespace takes every process a task
started down with it, and the engine enforces memory / pids / cpu limits, network `none` and a
non-root user. Warm parse sessions are long-lived containers (one per image and slot); a task
try is one container, removed afterwards. Engine trouble (down, image missing or built for
another protocol) surfaces as `SandboxStartFailed` for sessions and as a failed `TaskOutcome`
with one line naming the cause for tasks, so the loops that call us keep running.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from itertools import count
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from dagseal.errors import DagsealError
from dagseal.runtime.base import (
    RunTaskRequest,
    SandboxCrashed,
    SandboxError,
    SandboxProtocolError,
    SandboxRequestError,
    SandboxRuntime,
    SandboxSession,
    SandboxSpec,
    SandboxTimeout,
    TaskHandle,
    TaskOutcome,
)
from dagseal.runtime.docker_container import (
    ContainerHandle,
    container_body,
    container_dag_folder,
    container_name,
    identity_labels,
)
from dagseal.runtime.docker_engine import DockerEngine, EngineError, ImageMissing
from dagseal.runtime.docker_stream import AttachedStreams, StreamClosed
from dagseal.sandbox.protocol import PROTOCOL_VERSION, encode

__all__ = ["DockerRuntime", "DockerSession", "IncompatibleImage", "SandboxStartFailed"]

PROTOCOL_LABEL = "io.dagseal.sandbox.protocol"
EXIT_GRACE_SECONDS = 5.0
_FOLDER_REQUESTS = frozenset({"parse", "run_task", "run_callbacks"})
log_warning = logging.getLogger(__name__).warning


class SandboxStartFailed(SandboxError):
    """The engine could not give us a sandbox: engine down, image missing or incompatible."""


class IncompatibleImage(DagsealError):
    """The image was not built for this host's sandbox protocol."""


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or ["no output"])[-1]


def _memory_reason(state: Mapping[str, Any]) -> str | None:
    if state.get("OOMKilled"):
        return "OOM-killed: the container exceeded its memory limit"
    return None


class ContainerChannel:
    """The protocol over one container: send lines, receive replies, know how it ended.

    The container twin of the process runtime's SandboxProcess; it attaches before starting so
    no output is lost, and records pids-limit hits just before killing (the cgroup goes with it).
    """

    def __init__(self, handle: ContainerHandle, sink: Callable[[bytes], Any] | None) -> None:
        self.handle = handle
        self.streams = AttachedStreams(handle.attach(), sink)
        self.pids_limit_hits = 0
        try:
            handle.start()
        except EngineError:
            self.close()
            raise

    def send(self, message: Any) -> None:
        try:
            self.streams.send_line(encode(message))
        except StreamClosed:
            self._raise_crashed()

    def receive(self, timeout: float | None) -> dict[str, Any]:
        try:
            line = self.streams.readline(timeout)
        except TimeoutError:
            self.kill()
            raise SandboxTimeout(
                f"sandbox container {self.handle.name} gave no reply within {timeout:g}s and was killed",
                timeout or 0.0,
                self.streams.stderr_tail(),
            ) from None
        except StreamClosed:
            self._raise_crashed()
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("type"), str):
            self.kill()
            raise SandboxProtocolError(
                f"sandbox container {self.handle.name} wrote a non-protocol line: {line[:200]!r}"
            )
        return reply

    def check_hello(self, timeout: float | None) -> None:
        hello = self.receive(timeout)
        if hello.get("type") != "hello" or hello.get("protocol_version") != PROTOCOL_VERSION:
            self.kill()
            raise SandboxProtocolError(
                f"sandbox container {self.handle.name} speaks {hello.get('type')!r} protocol "
                f"{hello.get('protocol_version')!r}, host needs protocol {PROTOCOL_VERSION}"
            )

    def _raise_crashed(self) -> None:
        code = self.handle.wait(EXIT_GRACE_SECONDS)
        self.streams.drain(EXIT_GRACE_SECONDS)
        state = self.handle.state()
        reason = _memory_reason(state) or _last_line(self.streams.stderr_tail())
        raise SandboxCrashed(
            f"sandbox container {self.handle.name} exited with code {code}: {reason}",
            code,
            self.streams.stderr_tail(),
        )

    def kill(self) -> None:
        self.pids_limit_hits = max(self.pids_limit_hits, self.handle.pids_limit_hits())
        self.handle.stop()

    def running(self) -> bool:
        return bool(self.handle.state().get("Running"))

    def close(self) -> None:
        """Kill and remove the container; the streams end with it."""
        try:
            self.handle.stop()
            self.streams.close()
        finally:
            self.handle.remove()


class DockerSession(SandboxSession):
    """A warm parse/callback container; requests are answered in order, one at a time."""

    def __init__(self, spec: SandboxSpec, channel: ContainerChannel, release: Callable[[], None]) -> None:
        self._spec = spec
        self._channel = channel
        self._release = release
        self._ids = count(1)
        self._closed = False
        self._dead = False
        try:
            channel.check_hello(spec.parse_timeout)
        except BaseException:
            self.close()
            raise

    @property
    def sandbox_dag_folder(self) -> str:
        return container_dag_folder(self._spec)

    @property
    def container_id(self) -> str:
        return self._channel.handle.container_id

    def request(self, message: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        if not self.alive():
            raise SandboxCrashed(f"sandbox container {self._channel.handle.name} is not running", None)
        outgoing = dict(message)
        outgoing.setdefault("id", next(self._ids))
        if outgoing.get("type") in _FOLDER_REQUESTS:
            outgoing.setdefault("dag_folder", self.sandbox_dag_folder)
        try:
            self._channel.send(outgoing)
            reply = self._channel.receive(timeout)
        except SandboxError:
            self._dead = True
            raise
        if reply.get("id") != outgoing["id"]:
            self._dead = True
            self._channel.kill()
            raise SandboxProtocolError(
                f"sandbox replied to id {reply.get('id')!r}, expected {outgoing['id']}"
            )
        if reply["type"] == "error":
            raise SandboxRequestError(f"sandbox refused request: {reply.get('message')}")
        return reply

    def stderr_tail(self) -> str:
        return self._channel.streams.stderr_tail()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._channel.close()
        finally:
            self._release()

    def alive(self) -> bool:
        return not self._closed and not self._dead


class DockerRuntime(SandboxRuntime):
    """Runs sandboxes as containers through one engine.

    `cgroup_root` (`[docker_runtime] cgroup_mount_path`) lets the host tell a fork bomb stopped
    by the pids limit from an ordinary failure; `stderr_sink` receives warm sessions' stderr.
    """

    def __init__(
        self,
        engine: DockerEngine,
        *,
        cgroup_root: Path | None = Path("/sys/fs/cgroup"),
        stderr_sink: Callable[[bytes], Any] | None = None,
    ) -> None:
        self.engine = engine
        self.cgroup_root = cgroup_root
        self.stderr_sink = stderr_sink
        self._checked_images: set[str] = set()
        self._slots: dict[SandboxSpec, set[int]] = {}
        self._lock = threading.Lock()

    def check_image(self, image: str | None) -> None:
        """Before first use: the image exists and speaks this host's sandbox protocol."""
        if not image or image in self._checked_images:
            return
        try:
            labels = self.engine.inspect_image(image).get("Config", {}).get("Labels") or {}
        except ImageMissing:
            raise ImageMissing(
                f"image {image} is not in the Docker engine: load it (bazel run //dag_repos/<team>:load) "
                "or deploy it"
            ) from None
        found = labels.get(PROTOCOL_LABEL)
        if found != str(PROTOCOL_VERSION):
            what = f"speaks sandbox protocol {found}" if found else f"has no {PROTOCOL_LABEL} label"
            raise IncompatibleImage(
                f"refusing image {image}: it {what}, this host speaks sandbox protocol {PROTOCOL_VERSION}"
            )
        self._checked_images.add(image)

    def kill(self, handle: TaskHandle) -> None:
        """Kill a task try's container (the supervisor was told to stop, or lost the try); gone is fine."""
        if handle.container_id:
            self.engine.kill(handle.container_id)

    def _take_slot(self, spec: SandboxSpec) -> int:
        with self._lock:
            used = self._slots.setdefault(spec, set())
            slot = next(n for n in count() if n not in used)
            used.add(slot)
            return slot

    def _free_slot(self, spec: SandboxSpec, slot: int) -> None:
        with self._lock:
            self._slots.get(spec, set()).discard(slot)

    def start_session(self, spec: SandboxSpec) -> DockerSession:
        slot = self._take_slot(spec)
        identity = {
            "host": socket.gethostname(),
            "dag_folder": str(Path(spec.dag_folder).resolve()),
            "image": spec.image or "",
            "slot": slot,
        }
        try:
            self.check_image(spec.image)
            body = container_body(spec, identity_labels("parse", identity))
            handle = ContainerHandle.create(
                self.engine, container_name("parse", identity), body, self.cgroup_root
            )
            channel = ContainerChannel(handle, self.stderr_sink)
        except DagsealError as exc:
            self._free_slot(spec, slot)
            raise SandboxStartFailed(f"cannot start a parse container for {spec.dag_folder}: {exc}") from exc
        return DockerSession(spec, channel, lambda: self._free_slot(spec, slot))

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

        identity = {
            "dag_id": request.dag_id,
            "run_id": request.run_id,
            "task_id": request.task_id,
            "try_number": request.try_number,
        }
        try:
            self.check_image(spec.image)
            body = container_body(spec, identity_labels("task", identity))
            handle = ContainerHandle.create(
                self.engine, container_name("task", identity), body, self.cgroup_root
            )
            channel = ContainerChannel(handle, write_log)
        except DagsealError as exc:
            error = f"cannot start the task container: {exc}"
            write_log(f"dagseal: {error}\n".encode())
            return TaskOutcome(state="failed", error=error, duration=time.monotonic() - started)
        on_start(TaskHandle(container_id=handle.container_id))
        try:
            outcome = self._converse(
                channel, attrs.evolve(request, dag_folder=container_dag_folder(spec)), remaining
            )
            outcome = self._explain(channel, outcome, spec, timeout)
        finally:
            try:
                channel.close()
            except EngineError as exc:  # the engine went away; cleanup by label removes it later
                log_warning(f"could not remove task container {handle.name}: {exc}")
        if outcome.get("reason"):
            write_log(f"dagseal: {outcome['reason']}\n".encode())
        outcome.pop("reason", None)
        return TaskOutcome(**outcome, duration=time.monotonic() - started)

    @staticmethod
    def _converse(
        channel: ContainerChannel, request: RunTaskRequest, remaining: Callable[[], float | None]
    ) -> dict[str, Any]:
        """hello → run_task → result → shutdown; the outcome fields as far as the protocol knows them."""
        try:
            channel.check_hello(remaining())
            channel.send(request)
            reply = channel.receive(remaining())
            channel.pids_limit_hits = channel.handle.pids_limit_hits()
            channel.send({"type": "shutdown", "id": request.id + 1})
            channel.handle.wait(EXIT_GRACE_SECONDS)
        except SandboxTimeout:
            return {"state": "failed", "timed_out": True}
        except (SandboxCrashed, SandboxProtocolError) as exc:
            return {"state": "failed", "error": str(exc)}
        except EngineError as exc:
            return {"state": "failed", "error": str(exc)}
        if reply.get("type") != "task_result":
            return {
                "state": "failed",
                "error": f"sandbox answered {reply.get('type')!r}: {reply.get('message')}",
            }
        return {
            "state": reply["state"],
            "return_value": reply.get("return_value"),
            "error": reply.get("error"),
        }

    @staticmethod
    def _explain(
        channel: ContainerChannel, outcome: dict[str, Any], spec: SandboxSpec, timeout: float | None
    ) -> dict[str, Any]:
        """Add what only the engine knows: exit code, OOM kill, pids limit, timeout; `reason` for the log."""
        try:
            state = channel.handle.state()
        except EngineError as exc:
            state = {}
            outcome["error"] = outcome.get("error") or str(exc)
        oom = bool(state.get("OOMKilled"))
        reasons = []
        if outcome.get("timed_out"):
            reasons.append(f"task timed out after {timeout:g}s: container {channel.handle.name} killed")
        if oom:
            limit = spec.memory or "the default"
            reasons.append(f"OOM-killed: the task container exceeded its memory limit ({limit})")
        if channel.pids_limit_hits and outcome["state"] == "failed":
            reasons.append(
                f"pids limit reached: the engine refused {channel.pids_limit_hits} process creations"
            )
        if oom or outcome.get("timed_out"):
            outcome["state"] = "failed"
        if reasons:
            outcome["error"] = "; ".join([*reasons, *filter(None, [outcome.get("error")])])
            outcome["reason"] = "; ".join(reasons)
        exit_code = state.get("ExitCode")
        return {**outcome, "exit_code": exit_code, "oom_killed": oom}
