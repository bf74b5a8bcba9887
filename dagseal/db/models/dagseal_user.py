"""``dagseal_user``: who may use the API server and the UI, with one role and (unless admin) one team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base
from dagseal.timeutil import utcnow


class UserModel(Base):
    __tablename__ = "dagseal_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(250), unique=True)
    password_hash: Mapped[str] = mapped_column(String(500))  # argon2id, never the password
    role: Mapped[str] = mapped_column(String(20))  # admin | op | user | viewer
    # The DAG directory basename (processor_subdir's last part) this user sees; NULL for admins.
    team: Mapped[str | None] = mapped_column(String(250))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
