"""Callback transports (AIP-43): sinks the scheduler writes to, and claiming for DAG processors."""

from dagseal.callbacks.base import DEFAULT_CALLBACK_PRIORITY, BaseCallbackSink, send_callback
from dagseal.callbacks.claims import ClaimedCallback, claim_callbacks, complete_callback
from dagseal.callbacks.database_sink import DatabaseCallbackSink
from dagseal.callbacks.pipe_sink import PipeCallbackSink

__all__ = [
    "DEFAULT_CALLBACK_PRIORITY",
    "BaseCallbackSink",
    "ClaimedCallback",
    "DatabaseCallbackSink",
    "PipeCallbackSink",
    "claim_callbacks",
    "complete_callback",
    "send_callback",
]
