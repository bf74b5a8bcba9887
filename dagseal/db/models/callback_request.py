"""``callback_request``: callbacks waiting for their DAG processor (AIP-43), exactly the seed's columns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class CallbackType(StrEnum):
    TASK = "TaskCallback"
    DAG = "DagCallback"
    SLA = "SlaCallback"


class CallbackRequestModel(Base):
    __tablename__ = "callback_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    priority_weight: Mapped[int]
    message: Mapped[str | None] = mapped_column(Text)
    callback_type: Mapped[CallbackType] = mapped_column(
        Enum(
            CallbackType,
            name="callback_type",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda members: [member.value for member in members],
        )
    )
    callback_data: Mapped[dict[str, Any]]
    processor_subdir: Mapped[str | None] = mapped_column(String(2000))

    # The claim query: this subdir's rows, highest priority first, then oldest.
    __table_args__ = (
        Index("ix_callback_request_subdir_priority", "processor_subdir", "priority_weight", "created_at"),
    )
