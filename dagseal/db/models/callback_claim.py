"""``callback_claim``: which job is running a callback; the primary key makes a claim exclusive.

A processor claims a ``callback_request`` row by INSERTing here; the request (and, by cascade, the
claim) is deleted only after the callback ran. A claim whose job stopped heartbeating is taken over.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class CallbackClaimModel(Base):
    __tablename__ = "callback_claim"

    callback_id: Mapped[int] = mapped_column(
        ForeignKey("callback_request.id", ondelete="CASCADE"), primary_key=True
    )
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
