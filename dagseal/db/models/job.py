"""``job``: one row per processor, scheduler or task supervisor process, kept alive by heartbeats."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class JobType(StrEnum):
    DAG_PROCESSOR = "DagProcessorJob"
    SCHEDULER = "SchedulerJob"
    LOCAL_TASK = "LocalTaskJob"


class JobState(StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class JobModel(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_type: Mapped[str] = mapped_column(String(30))
    hostname: Mapped[str] = mapped_column(String(500))
    pid: Mapped[int]
    processor_subdir: Mapped[str | None] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(20), default=JobState.RUNNING)
    start_date: Mapped[datetime] = mapped_column(default=utcnow)
    end_date: Mapped[datetime | None]
    latest_heartbeat: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_job_type_state_heartbeat", "job_type", "state", "latest_heartbeat"),)
