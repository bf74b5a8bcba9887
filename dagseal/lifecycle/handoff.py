"""The scheduler ↔ executor handoff: queued tries in, finished supervisors out.

The scheduler decides which tries run and when; an executor decides how many run and where. Both
meet here, so neither package imports the other: ``dagseal.cli`` wires a concrete executor
(``dagseal.executor.local_executor``) into the scheduler job.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from attrs import define, frozen


@define(frozen=True)
class QueuedTry:
    """A task instance this scheduler moved to queued: what the executor needs to start it."""

    ti_id: int
    dag_id: str
    run_id: str
    task_id: str


@frozen
class FinishedTry:
    """A supervisor the executor saw exit; ``exit_code`` None means it was killed by a signal."""

    ti_id: int
    exit_code: int | None


class BaseExecutor(ABC):
    """Starts one supervisor per queued try, at most ``parallelism`` at a time."""

    def __init__(self, parallelism: int) -> None:
        if parallelism < 1:
            raise ValueError(f"parallelism must be at least 1, got {parallelism}")
        self.parallelism = parallelism

    @property
    def slots_available(self) -> int:
        return self.parallelism - self.running_count

    @property
    @abstractmethod
    def running_count(self) -> int:
        """Supervisors started and not yet reaped by ``sync``."""

    @abstractmethod
    def start(self) -> None:
        """Prepare (warm up) before the first try."""

    @abstractmethod
    def execute(self, item: QueuedTry) -> None:
        """Start the supervisor for a try the scheduler just queued (a slot is free)."""

    @abstractmethod
    def sync(self) -> list[FinishedTry]:
        """Reap supervisors that exited and forward what they reported."""

    @abstractmethod
    def wait(self, timeout: float) -> None:
        """Block until a supervisor exits or reports, or ``timeout`` seconds pass."""

    @abstractmethod
    def end(self) -> None:
        """Wait for every running supervisor to finish its try (normal shutdown)."""

    @abstractmethod
    def terminate(self) -> None:
        """Stop every running supervisor now; each records its try as failed (Ctrl-C, SIGTERM)."""
