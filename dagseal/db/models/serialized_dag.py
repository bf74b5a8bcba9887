"""``serialized_dag``: content-addressed DAG versions; a new row only when the dag_hash changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class SerializedDagModel(Base):
    __tablename__ = "serialized_dag"

    dag_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250), index=True)
    processor_subdir: Mapped[str | None] = mapped_column(String(2000))
    # Canonical JSON text, kept byte-for-byte so sha256(data) can be re-checked against dag_hash.
    data: Mapped[str] = mapped_column(Text)
    source_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_serialized_dag_dag_id_created_at", "dag_id", "created_at"),)
