"""``slot_pool``: Airflow's pools; a task takes ``pool_slots`` of its pool while queued or running."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class SlotPoolModel(Base):
    __tablename__ = "slot_pool"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool: Mapped[str] = mapped_column(String(256), unique=True)
    slots: Mapped[int]  # -1: unlimited, as in Airflow
    description: Mapped[str | None] = mapped_column(Text)
    include_deferred: Mapped[bool] = mapped_column(default=False)  # kept for Airflow's pool files
