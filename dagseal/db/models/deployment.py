"""``deployment``: a digest map that was rolled out; new DAG runs take the current one's image digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class DeploymentModel(Base):
    __tablename__ = "deployment"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    digest_map: Mapped[dict[str, Any]]
    created_by: Mapped[str | None] = mapped_column(String(250))
    created_from: Mapped[str | None] = mapped_column(String(2000))
    is_current: Mapped[bool] = mapped_column(default=False, index=True)
