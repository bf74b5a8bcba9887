"""Callback requests (AIP-43): rows written with the state change that causes them, claimed by processors."""

from dagseal.callbacks.claims import ClaimedCallback, claim_callbacks, complete_callback, release_callback
from dagseal.callbacks.outbox import DEFAULT_CALLBACK_PRIORITY, add_callback_request, callbacks_added

__all__ = [
    "DEFAULT_CALLBACK_PRIORITY",
    "ClaimedCallback",
    "add_callback_request",
    "callbacks_added",
    "claim_callbacks",
    "complete_callback",
    "release_callback",
]
