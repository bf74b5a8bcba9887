"""Where the scheduler sends callback requests (AIP-43): one sink per transport.

``standalone_dag_processor = True`` → :class:`~dagseal.callbacks.database_sink.DatabaseCallbackSink`
(rows in ``callback_request`` for the processor of that subdir); ``False`` →
:class:`~dagseal.callbacks.pipe_sink.PipeCallbackSink` (the embedded processor's in-process queue).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from dagseal.serialization.callback_requests import CallbackRequest

__all__ = ["DEFAULT_CALLBACK_PRIORITY", "BaseCallbackSink", "send_callback"]

# Airflow's DatabaseCallbackSink uses 10; higher runs first.
DEFAULT_CALLBACK_PRIORITY: Final = 10


class BaseCallbackSink(ABC):
    """Delivers a callback request to whichever DAG processor will run it."""

    @abstractmethod
    def send(self, request: CallbackRequest, priority_weight: int = DEFAULT_CALLBACK_PRIORITY) -> None:
        """Hand ``request`` over; ``priority_weight`` orders requests where the transport can."""


def send_callback(
    sink: BaseCallbackSink, request: CallbackRequest, priority_weight: int = DEFAULT_CALLBACK_PRIORITY
) -> None:
    """The scheduler's and executor's single entry point for emitting a callback."""
    sink.send(request, priority_weight)
