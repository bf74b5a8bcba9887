"""``callback_request`` rows written in the caller's transaction (a transactional outbox, AIP-43).

A callback request commits together with the state change that causes it (a try's end, a retry,
a zombie, a run's end or timeout), or not at all: a crash between the two cannot lose it. DAG
processors claim the rows (:mod:`dagseal.callbacks.claims`) whether they run apart or inside the
scheduler; a writer may then wake an embedded processor, but the request itself is the row.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from dagseal.db.models import CallbackRequestModel, CallbackType
from dagseal.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dagseal.serialization.callback_requests import CallbackRequest

__all__ = ["DEFAULT_CALLBACK_PRIORITY", "add_callback_request", "callbacks_added"]

# Airflow's DatabaseCallbackSink uses 10; higher runs first.
DEFAULT_CALLBACK_PRIORITY: Final = 10

_ADDED: Final = "dagseal.callbacks_added"


def add_callback_request(
    session: Session, request: CallbackRequest, priority_weight: int = DEFAULT_CALLBACK_PRIORITY
) -> None:
    """Add ``request`` as a row to ``session``'s transaction; the caller's commit makes it durable."""
    session.add(
        CallbackRequestModel(
            created_at=utcnow(),
            priority_weight=priority_weight,
            message=request.msg,
            callback_type=CallbackType(request.type),
            callback_data=json.loads(request.to_json()),
            processor_subdir=request.processor_subdir,
        )
    )
    session.info[_ADDED] = True


def callbacks_added(session: Session) -> bool:
    """True if this session added a request: once it committed, an embedded processor may be woken."""
    return bool(session.info.get(_ADDED))
