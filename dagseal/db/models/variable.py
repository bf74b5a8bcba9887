"""``variable``: an Airflow variable, shared (``team`` NULL) or one team's; the value is a Fernet token."""

from __future__ import annotations

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class VariableModel(Base):
    __tablename__ = "variable"
    __table_args__ = (UniqueConstraint("key", "team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(250), index=True)
    val: Mapped[str] = mapped_column(Text)  # Fernet token
    description: Mapped[str | None] = mapped_column(Text)
    team: Mapped[str | None] = mapped_column(String(250))
