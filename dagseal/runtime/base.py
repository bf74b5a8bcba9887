"""The host side of the sandbox contract: one SandboxRuntime per backend (process, docker).

A runtime starts, watches and stops sandboxes; it never decides how many or when (executor and
scheduler do). Inputs are frozen specs, results are typed, failures are the SandboxError family.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, BinaryIO, Literal

from attrs import field, frozen

from dagseal.errors import DagsealError
from dagseal.sandbox.protocol import RunTaskRequest

__all__ = [
    "NETWORK_NAME",
    "Network",
    "RunTaskRequest",
    "SandboxCrashed",
    "SandboxError",
    "SandboxProtocolError",
    "SandboxRequestError",
    "SandboxRuntime",
    "SandboxSpec",
    "SandboxTimeout",
    "TaskHandle",
    "TaskOutcome",
    "TryIdentity",
    "Volume",
    "WarmSandbox",
    "network_name",
]


class SandboxError(DagsealError):
    """A sandbox did not answer as the protocol says; ``stderr_tail`` holds its last output."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.stderr_tail = stderr_tail


class SandboxCrashed(SandboxError):
    """The sandbox exited (EOF on its protocol stream); the warm sandbox is dead, start a new one."""

    def __init__(self, message: str, exit_code: int | None, stderr_tail: str = "") -> None:
        super().__init__(message, stderr_tail)
        self.exit_code = exit_code


class SandboxTimeout(SandboxError):
    """No reply within the timeout; the sandbox (its whole process group) was killed."""

    def __init__(self, message: str, timeout: float, stderr_tail: str = "") -> None:
        super().__init__(message, stderr_tail)
        self.timeout = timeout


class SandboxProtocolError(SandboxError):
    """The sandbox wrote something that is not a protocol reply (wrong version, id or JSON); it was killed."""


class SandboxRequestError(SandboxError):
    """The sandbox answered ``error``: the request was malformed. The warm sandbox stays usable."""


def _pairs(value: Mapping[str, str] | tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(key), str(val)) for key, val in items))


class Network(StrEnum):
    """The two networks every engine has: none (the default) and the host's. A sandbox may also
    join a user-defined network by name (`network_name`), which placement lets a task try use
    only when `[docker_runtime] allowed_networks` lists it (`dagseal.runtime.egress`)."""

    NONE = "none"
    HOST = "host"


NETWORK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")  # Docker's network name shape


def network_name(value: str) -> str:
    """``none``, ``host`` or a Docker network's name; anything else is refused."""
    text = str(value)
    if not NETWORK_NAME.match(text):
        raise ValueError(f"{value!r} is not a Docker network name")
    return text


@frozen
class Volume:
    """One bind mount: ``source`` an absolute host path, ``target`` an absolute container path."""

    source: str
    target: str
    read_only: bool = True


@frozen(kw_only=True)
class SandboxSpec:
    """Where and how to run a sandbox. Hashable: sandbox pools are keyed by it.

    ``environment`` and ``labels`` accept a mapping and are stored as sorted pairs; ``memory`` is
    in bytes; ``parse_timeout`` bounds the first hello and every parse and callback request.
    Backends ignore settings they cannot enforce (the process backend ignores memory, cpus,
    network, volumes, run_as_user and image).
    """

    dag_folder: str
    image: str | None = None
    environment: tuple[tuple[str, str], ...] = field(default=(), converter=_pairs)
    volumes: tuple[Volume, ...] = field(default=(), converter=tuple)
    network: str = field(default=Network.NONE, converter=network_name)
    memory: int | None = None
    cpus: float | None = None
    pids_limit: int | None = None
    run_as_user: str | None = None
    labels: tuple[tuple[str, str], ...] = field(default=(), converter=_pairs)
    parse_timeout: float = 30.0
    task_timeout: float | None = None


@frozen
class TaskHandle:
    """What a supervisor records to find (and kill) a running task try: a process group or a container."""

    pid: int | None = None
    pgid: int | None = None
    container_id: str | None = None


@frozen(kw_only=True)
class TryIdentity:
    """Which try a task sandbox serves; a task container's name and labels come from it."""

    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    map_index: int = -1

    @classmethod
    def of(cls, request: RunTaskRequest) -> "TryIdentity":
        return cls(
            dag_id=request.dag_id,
            run_id=request.run_id,
            task_id=request.task_id,
            try_number=request.try_number,
            map_index=request.map_index,
        )

    def fields(self) -> dict[str, str | int]:
        """As container labels name it: ``map_index`` only for a mapped task instance (the others
        share the rest of their identity with none)."""
        fields: dict[str, str | int] = {
            "dag_id": self.dag_id,
            "run_id": self.run_id,
            "task_id": self.task_id,
            "try_number": self.try_number,
        }
        if self.map_index >= 0:
            fields["map_index"] = self.map_index
        return fields


@frozen(kw_only=True)
class TaskOutcome:
    """How one task try ended, as seen by the host."""

    state: Literal["success", "failed", "skipped", "up_for_reschedule"]
    return_value: Any = None
    error: str | None = None
    reschedule_date: str | None = None  # up_for_reschedule: the next poke (ISO-8601 UTC)
    retry: bool = True  # False: the task failed in a way that must not be retried (sensor timeout)
    exit_code: int | None = None
    oom_killed: bool = False
    timed_out: bool = False
    duration: float = 0.0
    rendered_fields: dict[str, Any] = field(factory=dict)  # template fields as the sandbox rendered them
    skip_task_ids: list[str] = field(factory=list)  # downstream tasks a branch decided to skip


class WarmSandbox(ABC):
    """A warm sandbox answering parse and run_callbacks requests, one at a time (not thread-safe)."""

    @property
    @abstractmethod
    def sandbox_dag_folder(self) -> str:
        """The DAG folder as the sandbox sees it (the host path for processes, a mount in containers)."""

    @abstractmethod
    def request(
        self,
        message: dict[str, Any],
        timeout: float | None,
        answer: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Send one request and return its reply dict; ``answer`` answers the supervisor requests
        (protocol 3) a ``run_callbacks`` sends while it runs.

        ``id`` is assigned when absent, ``dag_folder`` defaults to ``sandbox_dag_folder``.
        ``timeout=None`` waits forever. Raises SandboxTimeout or SandboxCrashed (the warm sandbox is then
        dead: close it and start another), SandboxProtocolError, or SandboxRequestError for an
        ``error`` reply.
        """

    @abstractmethod
    def close(self) -> None:
        """Stop the sandbox and everything it started; safe to call twice."""

    @abstractmethod
    def alive(self) -> bool:
        """False once the sandbox exited, crashed, timed out or was closed."""


class SandboxRuntime(ABC):
    """One backend for running sandboxes (ProcessRuntime, DockerRuntime)."""

    @abstractmethod
    def start_warm_sandbox(self, spec: SandboxSpec) -> WarmSandbox:
        """Start a warm sandbox and wait for its hello (within ``spec.parse_timeout``)."""

    @abstractmethod
    def run_task(
        self,
        spec: SandboxSpec,
        request: RunTaskRequest,
        log: BinaryIO,
        timeout: float | None,
        on_start: Callable[[TaskHandle], None],
        answer: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        successor: TryIdentity | None = None,
    ) -> TaskOutcome:
        """Run one task try in a fresh sandbox, output streamed to ``log``; task failure is an outcome.

        ``answer`` answers the try's supervisor requests (connections, variables, XCom); without
        it such a request fails the try. ``successor``: the try expected next on this runtime (the
        next task of a chain), whose sandbox a runtime may start ahead; a hint, never a promise.

        ``timeout`` bounds the whole try; when it expires everything the try started is killed
        and the outcome has ``timed_out=True``. ``on_start`` gets the handle as soon as it exists.
        """

    def settle(self) -> None:
        """Wait for the clean-up ``run_task`` left running after it returned (a container's removal,
        kept off the try's critical path and off the way to the supervisor's next try); ``close``
        calls it. A backend that leaves nothing running has nothing to wait for."""
        return

    def close(self) -> None:
        """Stop what the runtime keeps between tries (a standby container) and settle; the process
        that owns the runtime calls it before it exits."""
        self.settle()

    def kill(self, handle: TaskHandle) -> None:
        """Kill a running try from another thread (its row was taken away, or SIGTERM); gone is fine.

        A backend whose ``run_task`` hands out handles must implement this, or a cleared or
        timed-out try would keep running.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot kill a running try: implement kill()")
