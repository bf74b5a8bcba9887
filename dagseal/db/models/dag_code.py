"""``dag_code``: the exact source text that was parsed, keyed by its digest; tasks run this pinned text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class DagCodeModel(Base):
    __tablename__ = "dag_code"

    source_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    relative_fileloc: Mapped[str] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
