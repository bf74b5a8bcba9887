"""Reading committed ``callback_request`` rows back, for tests of the code that writes them."""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import CallbackRequestModel
from dagseal.db.session import session_scope
from dagseal.serialization import CallbackRequest, callback_request_from_json


def take_callbacks(factory: sessionmaker[Session]) -> list[CallbackRequest]:
    """The committed ``callback_request`` rows, oldest first, deleted as a processor would."""
    with session_scope(factory) as session:
        rows = session.scalars(select(CallbackRequestModel).order_by(CallbackRequestModel.id)).all()
        requests = [callback_request_from_json(json.dumps(row.callback_data)) for row in rows]
        session.execute(delete(CallbackRequestModel))
    return requests
