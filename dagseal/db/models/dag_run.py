"""``dag_run``: one run of one DAG, pinned to the dag_hash (and image digest) it runs to the end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class DagRunModel(Base):
    __tablename__ = "dag_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    run_type: Mapped[str] = mapped_column(String(20))  # scheduled | manual | backfill
    logical_date: Mapped[datetime | None]
    data_interval_start: Mapped[datetime | None]
    data_interval_end: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(20))  # queued | running | success | failed
    dag_hash: Mapped[str] = mapped_column(ForeignKey("serialized_dag.dag_hash"))
    image_digest: Mapped[str | None] = mapped_column(String(255))
    deployment_id: Mapped[int | None] = mapped_column(ForeignKey("deployment.id"))
    backfill_id: Mapped[int | None] = mapped_column(ForeignKey("backfill.id"), index=True)
    conf: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    start_date: Mapped[datetime | None]
    end_date: Mapped[datetime | None]
    last_scheduling_decision: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("dag_id", "run_id"),
        Index("ix_dag_run_dag_id_logical_date", "dag_id", "logical_date"),
        Index("ix_dag_run_state_last_scheduling_decision", "state", "last_scheduling_decision"),
        Index("ix_dag_run_dag_id_state", "dag_id", "state"),
    )
