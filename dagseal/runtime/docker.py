"""DockerRuntime: every sandbox is a container of its team's image, spoken to over a Unix socket.

Mirrors ProcessRuntime (same protocol, same errors, same outcomes) with what only a container
gives: the image pins the code's dependencies, the PID namespace takes every process a task
started down with it, and the engine enforces memory / pids / cpu limits, network `none` and a
non-root user. Warm parse sandboxes are long-lived containers (one per image and slot); a task
try is one container, removed afterwards. Engine trouble (down, image missing or built for
another protocol) surfaces as `SandboxStartFailed` for warm sandboxes and as a failed `TaskOutcome`
with one line naming the cause for tasks, so the loops that call us keep running.

Two paths per container: the protocol over a socket the host listens on in a per-container
directory (`docker_socket.py`; the engine is not on it, so a request costs what it costs a local
process), and the container's output over the engine's attach stream (`docker_stream.py`).
Output and replies take different paths, so the stderr tail of a request that got its reply may
still grow for a moment; after a crash or a timeout the host waits for the output to end first.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Mapping
from itertools import count
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from dagseal.errors import DagsealError, ImageMissing, IncompatibleImage
from dagseal.runtime.base import (
    RunTaskRequest,
    SandboxCrashed,
    SandboxError,
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
    ProtocolChannel,
    ProtocolSandbox,
    RunningTry,
    last_line,
    task_outcome_fields,
)
from dagseal.runtime.docker_container import (
    ContainerHandle,
    container_body,
    container_dag_folder,
    container_name,
    identity_labels,
)
from dagseal.runtime.docker_engine import DockerEngine, EngineError
from dagseal.runtime.docker_socket import ProtocolSocket, default_socket_root
from dagseal.runtime.docker_standby import OWNER_LABEL, Standby, owner, standby_key
from dagseal.runtime.docker_stream import AttachedOutput
from dagseal.sandbox.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_LABEL, PROTOCOL_VERSION
from dagseal.sdk.record import replace

__all__ = ["DockerRuntime", "DockerWarmSandbox", "SandboxStartFailed"]

EXIT_GRACE_SECONDS = 5.0
log = logging.getLogger(__name__)


class SandboxStartFailed(SandboxError):
    """The engine could not give us a sandbox: engine down, image missing or incompatible."""


def _size(size: int) -> str:
    """Bytes as runtime.yaml and Docker write them (`96m`, `2g`), for messages."""
    for unit, factor in (("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size} bytes"


def _memory_reason(state: Mapping[str, Any]) -> str | None:
    if state.get("OOMKilled"):
        return "OOM-killed: the container exceeded its memory limit"
    return None


class ContainerChannel(ProtocolChannel):
    """The protocol over one container's socket, its output over the attach stream.

    The container twin of the process runtime's SandboxProcess; it attaches before starting so
    no output is lost, and records pids-limit hits just before killing (the cgroup goes with it).
    """

    def __init__(
        self, handle: ContainerHandle, protocol: ProtocolSocket, sink: Callable[[bytes], Any] | None
    ) -> None:
        self.handle = handle
        self.protocol = protocol
        self.output = AttachedOutput(handle.attach(), sink)
        self.pids_limit_hits = 0
        try:
            handle.start()
        except EngineError:
            self.close()
            raise

    @property
    def name(self) -> str:
        return f"sandbox container {self.handle.name}"

    def write_line(self, data: bytes) -> None:
        self.protocol.send_line(data)

    def read_line(self, timeout: float | None) -> bytes:
        return self.protocol.readline(timeout, self.exited)

    def crashed(self) -> SandboxCrashed:
        """How the container ended; with the engine gone, that is the cause named instead."""
        try:
            code = self.handle.wait(EXIT_GRACE_SECONDS)
            self.output.drain(EXIT_GRACE_SECONDS)
            reason = _memory_reason(self.handle.state()) or last_line(self.output.stderr_tail())
        except EngineError as exc:
            code, reason = None, str(exc)
        return SandboxCrashed(f"{self.name} exited with code {code}: {reason}", code, self.stderr_tail())

    def kill(self) -> None:
        """Kill the container and let its last output arrive; an engine failure here is logged, the
        sandbox error that follows is raised."""
        self.pids_limit_hits = max(self.pids_limit_hits, self.handle.pids_limit_hits())
        try:
            self.handle.stop()
        except EngineError as exc:
            log.warning("could not kill %s: %s", self.name, exc)
        self.output.drain(EXIT_GRACE_SECONDS)

    def exited(self) -> bool:
        return self.output.ended

    def stderr_tail(self) -> str:
        return self.output.stderr_tail()

    def reset_tail(self) -> None:
        self.output.reset_tail()

    def close(self) -> None:
        """Kill and remove the container; its output, socket and socket directory go with it."""
        try:
            self.release()
        finally:
            self.handle.remove()

    def release(self) -> None:
        """Kill the container, end its output and close its socket: all but the engine's removal."""
        try:
            self.handle.stop()
            self.output.close()
        finally:
            self.protocol.close()


class DockerWarmSandbox(ProtocolSandbox):
    """A warm parse/callback container; requests are answered in order, one at a time."""

    def __init__(self, spec: SandboxSpec, channel: ContainerChannel, release: Callable[[], None]) -> None:
        self._spec = spec
        self._container = channel
        self._release = release
        super().__init__(channel, spec.parse_timeout)

    @property
    def sandbox_dag_folder(self) -> str:
        return container_dag_folder(self._spec)

    @property
    def container_id(self) -> str:
        return self._container.handle.container_id

    def _stop(self) -> None:
        """Remove the container; with the engine gone, a successor removes it by name later."""
        try:
            self._container.close()
        except EngineError as exc:
            log.warning("could not remove parse container %s: %s", self._container.handle.name, exc)
        finally:
            self._release()


class DockerRuntime(SandboxRuntime):
    """Runs sandboxes as containers through one engine.

    `cgroup_root` (`[docker_runtime] cgroup_mount_path`) lets the host tell a fork bomb stopped
    by the pids limit from an ordinary failure; `stderr_sink` receives warm sandboxes' stderr;
    `socket_root` holds one protocol socket directory per container (`default_socket_root()`);
    `successors`: start the container of the try a caller says comes next (the next task of a
    chain) while the current one runs; `standby`: start one for whatever try of the same spec
    comes next (`docker_standby.py`).
    """

    def __init__(
        self,
        engine: DockerEngine,
        *,
        cgroup_root: Path | None = Path("/sys/fs/cgroup"),
        stderr_sink: Callable[[bytes], Any] | None = None,
        socket_root: Path | None = None,
        successors: bool = False,
        standby: bool = False,
    ) -> None:
        self.engine = engine
        self.successors = successors
        self.standby = standby
        self.cgroup_root = cgroup_root
        self.stderr_sink = stderr_sink
        self.socket_root = socket_root or default_socket_root()
        self._checked_images: set[str] = set()
        self._slots: dict[SandboxSpec, set[int]] = {}
        self._lock = threading.Lock()
        self._background: list[threading.Thread] = []
        self._standby: Standby | None = None
        self._standby_numbers = count(1)

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
        if found not in {str(v) for v in range(MIN_PROTOCOL_VERSION, PROTOCOL_VERSION + 1)}:
            what = f"speaks sandbox protocol {found}" if found else f"has no {PROTOCOL_LABEL} label"
            raise IncompatibleImage(
                f"refusing image {image}: it {what}, this host runs sandbox protocols "
                f"{MIN_PROTOCOL_VERSION} to {PROTOCOL_VERSION}"
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

    def _start(
        self,
        role: str,
        identity: Mapping[str, str | int],
        spec: SandboxSpec,
        sink: Callable[[bytes], Any] | None,
        take_over: bool = True,
    ) -> ContainerChannel:
        """A started container of `spec` named and labelled by `identity`, with its protocol socket;
        `take_over`: remove a container of the same name first (else NameInUse)."""
        self.check_image(spec.image)
        name = container_name(role, identity)
        protocol = ProtocolSocket(self.socket_root)
        try:
            body = container_body(spec, identity_labels(role, identity), protocol)
            handle = ContainerHandle.create(self.engine, name, body, self.cgroup_root, take_over)
        except DagsealError:
            protocol.close()
            raise
        return ContainerChannel(handle, protocol, sink)

    def start_warm_sandbox(self, spec: SandboxSpec) -> DockerWarmSandbox:
        slot = self._take_slot(spec)
        identity = {
            "host": socket.gethostname(),
            "dag_folder": str(Path(spec.dag_folder).resolve()),
            "image": spec.image or "",
            "slot": slot,
        }
        try:
            channel = self._start("parse", identity, spec, self.stderr_sink)
        except DagsealError as exc:
            self._free_slot(spec, slot)
            raise SandboxStartFailed(f"cannot start a parse container for {spec.dag_folder}: {exc}") from exc
        name = channel.handle.name
        log.info("parse container %s started from image %s for %s", name, spec.image, spec.dag_folder)
        return DockerWarmSandbox(spec, channel, lambda: self._free_slot(spec, slot))

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
        running = RunningTry(timeout, log)
        identity = TryIdentity.of(request)
        channel = self._take_standby(spec, identity, running.write_log)
        if channel is not None:
            started = f"dagseal: the try runs in container {channel.handle.name}, started ahead\n"
            running.write_log(started.encode())
        else:
            try:
                channel = self._start("task", identity.fields(), spec, running.write_log)
            except DagsealError as exc:
                error = f"cannot start the task container: {exc}"
                running.write_log(f"dagseal: {error}\n".encode())
                return TaskOutcome(state="failed", error=error, duration=running.elapsed())
        self._stand_by(spec, successor)
        handle = channel.handle
        on_start(TaskHandle(container_id=handle.container_id))
        try:
            outcome = self._converse(
                channel,
                replace(request, dag_folder=container_dag_folder(spec)),
                running.remaining,
                answer,
            )
            outcome = self._explain(channel, outcome, spec, timeout)
        finally:
            try:
                channel.release()
            finally:
                self._in_background(handle.remove, f"task container {handle.name}")
        if outcome["state"] != "success" and successor is not None:
            self._drop_standby(successor)  # a chain that does not go on (now) needs no next container
        if outcome.get("reason"):
            running.write_log(f"dagseal: {outcome['reason']}\n".encode())
        outcome.pop("reason", None)
        return TaskOutcome(**outcome, duration=running.elapsed())

    def _take_standby(
        self, spec: SandboxSpec, identity: TryIdentity, sink: Callable[[bytes], Any]
    ) -> ContainerChannel | None:
        """The container started ahead for this try (its output now `sink`), if one came up; one
        started for another try or spec is removed."""
        with self._lock:
            standby, self._standby = self._standby, None
        if standby is None:
            return None
        if standby.key == standby_key(spec) and standby.identity in (None, identity):
            return standby.take(sink)
        if standby.identity == identity:  # same name, other spec: gone before this try's own create
            standby.discard()
        else:
            self._in_background(standby.discard, "a container started ahead for another try")
        return None

    def _stand_by(self, spec: SandboxSpec, successor: TryIdentity | None) -> None:
        """Start the next try's container: `successor`'s, named and labelled as its own start would
        (and owned by this process, for the orphan sweep), or with `standby` one for any next try."""
        if successor is not None and self.successors:
            ahead = attrs.evolve(spec, labels=(*spec.labels, (OWNER_LABEL, owner())))
            fields = successor.fields()
            # never in the way of its try: if that already started elsewhere, this one gives up
            standby = Standby(
                standby_key(spec),
                successor,
                lambda output: self._start("task", fields, ahead, output, take_over=False),
            )
        elif self.standby:
            fields = {"host": socket.gethostname(), "owner": owner(), "n": next(self._standby_numbers)}
            standby = Standby(
                standby_key(spec), None, lambda output: self._start("standby", fields, spec, output)
            )
        else:
            return
        with self._lock:
            previous, self._standby = self._standby, standby
        if previous is not None:  # tries run one at a time; this is for a caller that does not
            self._in_background(previous.discard, "a container started ahead for another try")

    def _drop_standby(self, identity: TryIdentity) -> None:
        """Remove the container started ahead for `identity`'s try, if it is the one kept."""
        with self._lock:
            standby = self._standby
            if standby is None or standby.identity != identity:
                return
            self._standby = None
        self._in_background(standby.discard, "a container started ahead for a try that will not follow")

    def _in_background(self, work: Callable[[], None], what: str) -> None:
        """Run clean-up off the try's critical path (a container's removal): its outcome is complete
        without it, and the removal would otherwise delay recording it (and the next task of a chain)."""

        def run() -> None:
            try:
                work()
            except EngineError as exc:  # the engine went away; cleanup by label removes it later
                log.warning("could not remove %s: %s", what, exc)

        thread = threading.Thread(target=run, name="dagseal-container-removal", daemon=True)
        thread.start()
        with self._lock:
            self._background = [*filter(threading.Thread.is_alive, self._background), thread]

    def settle(self) -> None:
        """Wait until every try container this runtime ran is removed."""
        with self._lock:
            pending, self._background = self._background, []
        for thread in pending:
            thread.join()

    def close(self) -> None:
        """Remove the standby container, if any, and wait for every removal under way."""
        with self._lock:
            standby, self._standby = self._standby, None
        if standby is not None:
            standby.discard()
        self.settle()

    @staticmethod
    def _converse(
        channel: ContainerChannel,
        request: RunTaskRequest,
        remaining: Callable[[], float | None],
        answer: Answerer | None,
    ) -> dict[str, Any]:
        """hello → run_task (answering supervisor requests) → result → shutdown; the outcome fields
        as far as the protocol knows them."""
        try:
            if not channel.hello_seen:
                channel.check_hello(remaining())
            channel.send(request)
            reply = channel.receive_answering(remaining, answer)
            channel.pids_limit_hits = channel.handle.pids_limit_hits()
            channel.send({"type": "shutdown", "id": request.id + 1})
            channel.handle.wait(EXIT_GRACE_SECONDS)
        except SandboxTimeout:
            return {"state": "failed", "timed_out": True}
        except (SandboxCrashed, SandboxProtocolError) as exc:
            return {"state": "failed", "error": str(exc)}
        except EngineError as exc:
            return {"state": "failed", "error": str(exc)}
        return task_outcome_fields(reply)

    @staticmethod
    def _explain(
        channel: ContainerChannel, outcome: dict[str, Any], spec: SandboxSpec, timeout: float | None
    ) -> dict[str, Any]:
        """Add what only the engine knows: exit code, OOM kill, pids limit, timeout; `reason` for the log.

        A sandbox that exited 0 after its shutdown was not OOM-killed (the kernel's kill ends it with
        137), so only other ends cost an inspect; a child process killed by the OOM killer that
        the task survived is the task's own business, as it would be outside a container.
        """
        state: Mapping[str, Any] = {}
        if channel.handle.exit_code == 0:
            state = {"ExitCode": 0}
        else:
            try:
                state = channel.handle.state()
            except EngineError as exc:
                outcome["error"] = outcome.get("error") or str(exc)
        oom = bool(state.get("OOMKilled"))
        reasons = []
        if outcome.get("timed_out"):
            reasons.append(f"task timed out after {timeout:g}s: container {channel.handle.name} killed")
        if oom:
            limit = _size(spec.memory) if spec.memory else "the default"
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
