"""Callback requests as ``callback_request`` rows, for standalone DAG processors to claim."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from dagseal.callbacks.base import DEFAULT_CALLBACK_PRIORITY, BaseCallbackSink
from dagseal.db.models import CallbackRequestModel, CallbackType
from dagseal.db.session import session_scope
from dagseal.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from dagseal.serialization.callback_requests import CallbackRequest

__all__ = ["DatabaseCallbackSink"]


class DatabaseCallbackSink(BaseCallbackSink):
    """Writes each request in its own committed transaction, so a crash after ``send`` loses nothing."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def send(self, request: CallbackRequest, priority_weight: int = DEFAULT_CALLBACK_PRIORITY) -> None:
        row = CallbackRequestModel(
            created_at=utcnow(),
            priority_weight=priority_weight,
            message=request.msg,
            callback_type=CallbackType(request.type),
            callback_data=json.loads(request.to_json()),
            processor_subdir=request.processor_subdir,
        )
        with session_scope(self._session_factory) as session:
            session.add(row)
