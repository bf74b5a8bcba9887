"""``backfill_dag_run``: each logical date of a backfill, with its run or why it has none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class BackfillDagRunModel(Base):
    __tablename__ = "backfill_dag_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    backfill_id: Mapped[int] = mapped_column(ForeignKey("backfill.id"))
    dag_run_id: Mapped[int | None] = mapped_column(ForeignKey("dag_run.id"))
    exception_reason: Mapped[str | None] = mapped_column(String(250))  # e.g. "already exists"
    logical_date: Mapped[datetime]
    sort_ordinal: Mapped[int]  # the order the backfill starts its runs in (reversed by --run-backwards)

    __table_args__ = (UniqueConstraint("backfill_id", "logical_date"),)
