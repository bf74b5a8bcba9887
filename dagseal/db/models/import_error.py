"""``import_error``: why a DAG file could not be loaded, per processor subdir; cleared when it parses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class ImportErrorModel(Base):
    __tablename__ = "import_error"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(2000))
    processor_subdir: Mapped[str | None] = mapped_column(String(2000))
    stacktrace: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_import_error_processor_subdir_filename", "processor_subdir", "filename"),)
