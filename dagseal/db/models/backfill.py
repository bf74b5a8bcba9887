"""``backfill``: one scheduler-managed backfill (AIP-78) of a DAG over a logical-date range."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class BackfillModel(Base):
    __tablename__ = "backfill"

    id: Mapped[int] = mapped_column(primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    from_date: Mapped[datetime]
    to_date: Mapped[datetime]
    dag_run_conf: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_paused: Mapped[bool] = mapped_column(default=False)
    reprocess_behavior: Mapped[str] = mapped_column(String(20))  # none | failed | completed
    max_active_runs: Mapped[int]
    run_backwards: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    triggering_user_name: Mapped[str | None] = mapped_column(String(512))

    __table_args__ = (Index("ix_backfill_dag_id_completed_at", "dag_id", "completed_at"),)
