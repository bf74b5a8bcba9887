"""The host side of the sandbox contract: one SandboxRuntime per backend (process, docker).

A runtime starts, watches and stops sandboxes; it never decides how many or when (executor and
scheduler do). Inputs are frozen specs, results are typed, failures are the SandboxError family.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, Literal

from attrs import field, frozen

from dagseal.errors import DagsealError
from dagseal.sandbox.protocol import RunTaskRequest

__all__ = [
    "RunTaskRequest",
    "SandboxCrashed",
    "SandboxError",
    "SandboxProtocolError",
    "SandboxRequestError",
    "SandboxRuntime",
    "SandboxSession",
    "SandboxSpec",
    "SandboxTimeout",
    "TaskHandle",
    "TaskOutcome",
]


class SandboxError(DagsealError):
    """A sandbox did not answer as the protocol says; ``stderr_tail`` holds its last output."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.stderr_tail = stderr_tail


class SandboxCrashed(SandboxError):
    """The sandbox exited (EOF on its protocol stream); the session is dead, start a new one."""

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
    """The sandbox answered ``error``: the request was malformed. The session stays usable."""


def _pairs(value: Mapping[str, str] | tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(key), str(val)) for key, val in items))


@frozen(kw_only=True)
class SandboxSpec:
    """Where and how to run a sandbox. Hashable: warm-session pools are keyed by it.

    ``environment`` and ``labels`` accept a mapping and are stored as sorted pairs.
    Backends ignore settings they cannot enforce (the process runtime ignores memory, cpus,
    network, mounts, run_as_user and image).
    """

    dag_folder: str
    image: str | None = None
    environment: tuple[tuple[str, str], ...] = field(default=(), converter=_pairs)
    mounts: tuple[str, ...] = field(default=(), converter=tuple)
    network: str = "none"
    memory: str | None = None
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
class TaskOutcome:
    """How one task try ended, as seen by the host."""

    state: Literal["success", "failed", "skipped"]
    return_value: Any = None
    error: str | None = None
    exit_code: int | None = None
    oom_killed: bool = False
    timed_out: bool = False
    duration: float = 0.0
    rendered_fields: dict[str, Any] = field(factory=dict)  # template fields as the sandbox rendered them
    skip_task_ids: list[str] = field(factory=list)  # downstream tasks a branch decided to skip


class SandboxSession(ABC):
    """A warm sandbox answering parse and run_callbacks requests, one at a time (not thread-safe)."""

    @property
    @abstractmethod
    def sandbox_dag_folder(self) -> str:
        """The DAG folder as the sandbox sees it (the host path for processes, a mount in containers)."""

    @abstractmethod
    def request(self, message: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        """Send one request and return its reply dict.

        ``id`` is assigned when absent, ``dag_folder`` defaults to ``sandbox_dag_folder``.
        ``timeout=None`` waits forever. Raises SandboxTimeout or SandboxCrashed (the session is then
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
    def start_session(self, spec: SandboxSpec) -> SandboxSession:
        """Start a warm sandbox and wait for its hello (within ``spec.parse_timeout``)."""

    @abstractmethod
    def run_task(
        self,
        spec: SandboxSpec,
        request: RunTaskRequest,
        log: BinaryIO,
        timeout: float | None,
        on_start: Callable[[TaskHandle], None],
    ) -> TaskOutcome:
        """Run one task try in a fresh sandbox, output streamed to ``log``; task failure is an outcome.

        ``timeout`` bounds the whole try; when it expires everything the try started is killed
        and the outcome has ``timed_out=True``. ``on_start`` gets the handle as soon as it exists.
        """

    def kill(self, handle: TaskHandle) -> None:
        """Kill a running try from another thread (its row was taken away, or SIGTERM); gone is fine.

        A backend whose ``run_task`` hands out handles must implement this, or a cleared or
        timed-out try would keep running.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot kill a running try: implement kill()")
