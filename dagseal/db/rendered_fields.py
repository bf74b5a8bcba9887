"""Store and read a try's rendered template fields (the sandbox renders; the host only records)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models.rendered_task_instance_fields import RenderedTaskInstanceFieldsModel


def record_rendered_fields(session: Session, ti_id: int, try_number: int, fields: dict[str, Any]) -> None:
    """Keep ``fields`` for this try; nothing is stored for a try without templates."""
    if fields:
        row = RenderedTaskInstanceFieldsModel(ti_id=ti_id, try_number=try_number, rendered_fields=fields)
        session.add(row)


def rendered_fields_of(session: Session, ti_id: int, try_number: int) -> dict[str, Any] | None:
    """The fields rendered by that try, or None if it recorded none."""
    return session.scalar(
        select(RenderedTaskInstanceFieldsModel.rendered_fields).where(
            RenderedTaskInstanceFieldsModel.ti_id == ti_id,
            RenderedTaskInstanceFieldsModel.try_number == try_number,
        )
    )
