"""``asset_event``: a task's success updated an asset (one row per outlet)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class AssetEventModel(Base):
    __tablename__ = "asset_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    timestamp: Mapped[datetime]
    source_dag_id: Mapped[str | None] = mapped_column(String(250))
    source_task_id: Mapped[str | None] = mapped_column(String(250))
    source_run_id: Mapped[str | None] = mapped_column(String(250))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
