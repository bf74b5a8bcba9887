"""``connection``: an Airflow connection, shared (``team`` NULL) or one team's; secrets are Fernet tokens."""

from __future__ import annotations

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class ConnectionModel(Base):
    __tablename__ = "connection"
    __table_args__ = (UniqueConstraint("conn_id", "team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conn_id: Mapped[str] = mapped_column(String(250), index=True)
    conn_type: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(500))
    schema: Mapped[str | None] = mapped_column(String(500))
    login: Mapped[str | None] = mapped_column(Text)
    password: Mapped[str | None] = mapped_column(Text)  # Fernet token
    port: Mapped[int | None]
    extra: Mapped[str | None] = mapped_column(Text)  # Fernet token of the extra JSON text
    team: Mapped[str | None] = mapped_column(String(250))
