"""``rendered_task_instance_fields``: a try's template fields as the sandbox rendered them (Airflow's
table name). One row per try that had templates; shown by ``dagseal tasks render``."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class RenderedTaskInstanceFieldsModel(Base):
    __tablename__ = "rendered_task_instance_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    ti_id: Mapped[int] = mapped_column(ForeignKey("task_instance.id", ondelete="CASCADE"))
    try_number: Mapped[int]
    rendered_fields: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("ti_id", "try_number"),)
