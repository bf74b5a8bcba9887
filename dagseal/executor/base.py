"""BaseExecutor: how many task tries run and where; the scheduler decides which and when.

``send_callback_to_execute`` (AIP-43) hands callback requests to the configured sink: database
rows for standalone DAG processors, or the embedded processor's queue.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from attrs import frozen

from dagseal.callbacks.base import BaseCallbackSink, send_callback
from dagseal.lifecycle.queued_try import QueuedTry
from dagseal.serialization import CallbackRequest


@frozen
class FinishedTry:
    """A supervisor the executor saw exit; ``exit_code`` None means it was killed by a signal."""

    ti_id: int
    exit_code: int | None


class BaseExecutor(ABC):
    """Starts one supervisor per queued try, at most ``parallelism`` at a time."""

    def __init__(self, parallelism: int, callback_sink: BaseCallbackSink) -> None:
        if parallelism < 1:
            raise ValueError(f"parallelism must be at least 1, got {parallelism}")
        self.parallelism = parallelism
        self.callback_sink = callback_sink

    def send_callback_to_execute(self, request: CallbackRequest) -> None:
        """Deliver a callback request to the DAG processor that owns its DAG (override to reroute)."""
        send_callback(self.callback_sink, request)

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
