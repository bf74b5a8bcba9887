"""``dag``: one row per DAG id the processors have seen; the scheduler's and CLI's view of DAGs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class DagModel(Base):
    __tablename__ = "dag"

    dag_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    fileloc: Mapped[str] = mapped_column(String(2000))  # absolute host path
    relative_fileloc: Mapped[str] = mapped_column(String(2000))  # relative to the processor's subdir
    processor_subdir: Mapped[str | None] = mapped_column(String(2000))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_paused: Mapped[bool] = mapped_column(default=False)
    last_parsed_time: Mapped[datetime | None]
    latest_dag_hash: Mapped[str | None] = mapped_column(String(64))
    owners: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list[str]] = mapped_column(default=list)
    schedule_description: Mapped[str | None] = mapped_column(String(1000))
    next_dagrun_create_after: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_dag_processor_subdir_is_active", "processor_subdir", "is_active"),
        Index("ix_dag_is_active_is_paused", "is_active", "is_paused"),
    )
