"""``task_instance``: one task in one DAG run, with its latest try's state, process and result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class TaskInstanceModel(Base):
    __tablename__ = "task_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    dag_run_id: Mapped[int] = mapped_column(ForeignKey("dag_run.id", ondelete="CASCADE"))
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    task_id: Mapped[str] = mapped_column(String(250))
    map_index: Mapped[int] = mapped_column(default=-1, server_default="-1")  # -1: not mapped (yet)
    state: Mapped[str | None] = mapped_column(String(20), index=True)  # NULL = none (not yet decided)
    try_number: Mapped[int] = mapped_column(default=0)
    max_tries: Mapped[int] = mapped_column(default=0)
    priority_weight: Mapped[int] = mapped_column(default=1)
    pool: Mapped[str] = mapped_column(String(256), default="default_pool", server_default="default_pool")
    pool_slots: Mapped[int] = mapped_column(default=1, server_default="1")
    scheduled_dttm: Mapped[datetime | None]  # dependencies met
    queued_dttm: Mapped[datetime | None]
    start_date: Mapped[datetime | None]
    end_date: Mapped[datetime | None]
    exited_at: Mapped[datetime | None]
    duration: Mapped[float | None]
    hostname: Mapped[str | None] = mapped_column(String(500))
    pid: Mapped[int | None]
    exit_code: Mapped[int | None]
    job_id: Mapped[int | None] = mapped_column(index=True)  # the supervisor's job row (zombie checks)
    next_retry_at: Mapped[datetime | None]
    return_value: Mapped[str | None] = mapped_column(Text)  # JSON text
    error: Mapped[str | None] = mapped_column(Text)
    image_digest: Mapped[str | None] = mapped_column(String(255))
    executor_state: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        UniqueConstraint("dag_id", "run_id", "task_id", "map_index"),
        Index("ix_task_instance_dag_run_id_state", "dag_run_id", "state"),
    )
