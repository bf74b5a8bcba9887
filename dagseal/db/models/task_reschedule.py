"""``task_reschedule``: one row per poke of a reschedule-mode sensor that said "not yet"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class TaskRescheduleModel(Base):
    __tablename__ = "task_reschedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    ti_id: Mapped[int] = mapped_column(ForeignKey("task_instance.id", ondelete="CASCADE"), index=True)
    try_number: Mapped[int]
    start_date: Mapped[datetime]
    end_date: Mapped[datetime]
    duration: Mapped[float]
    reschedule_date: Mapped[datetime]
