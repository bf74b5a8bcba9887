"""``asset``: an asset some DAG produces (task outlets) or is scheduled on; known by name and uri."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class AssetModel(Base):
    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1500))
    uri: Mapped[str] = mapped_column(String(1500))
    group: Mapped[str] = mapped_column(String(1500), default="asset")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("name", "uri"),)
