"""Callback requests straight to the embedded DAG processor (``standalone_dag_processor = False``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dagseal.callbacks.base import DEFAULT_CALLBACK_PRIORITY, BaseCallbackSink

if TYPE_CHECKING:
    from dagseal.serialization.callback_requests import CallbackRequest

__all__ = ["PipeCallbackSink"]


class PipeCallbackSink(BaseCallbackSink):
    """Puts requests on the processor's queue (e.g. ``queue.Queue.put`` or a pipe's ``send``).

    The queue is first in, first out: ``priority_weight`` only orders the database transport.
    """

    def __init__(self, queue_put: Callable[[CallbackRequest], object]) -> None:
        self._queue_put = queue_put

    def send(self, request: CallbackRequest, priority_weight: int = DEFAULT_CALLBACK_PRIORITY) -> None:
        self._queue_put(request)
