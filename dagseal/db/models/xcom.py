"""``xcom``: values tasks push for later tasks of their run; a task's return value is ``return_value``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class XComModel(Base):
    __tablename__ = "xcom"
    __table_args__ = (UniqueConstraint("dag_run_id", "task_id", "map_index", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dag_run_id: Mapped[int] = mapped_column(ForeignKey("dag_run.id", ondelete="CASCADE"))
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    task_id: Mapped[str] = mapped_column(String(250))
    map_index: Mapped[int] = mapped_column(default=-1)
    key: Mapped[str] = mapped_column(String(512))
    value: Mapped[str] = mapped_column(Text)  # JSON text
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
