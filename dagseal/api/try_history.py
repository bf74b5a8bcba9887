"""What a task try's page shows beyond the task instance row: each try's pokes (``task_reschedule``
rows of a reschedule-mode sensor) and its rendered template fields.

The schema keeps one ``task_instance`` row per task (the latest try) and no
``task_instance_history``, so an earlier try has its number, its pokes, its rendered fields and
its log, not its own state. Rendered fields live in ``rendered_task_instance_fields`` (Airflow's
table name), one row per try that had templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import (
    RenderedTaskInstanceFieldsModel,
    TaskInstanceModel,
    TaskRescheduleModel,
)


@dataclass(frozen=True)
class TryDetails:
    try_number: int
    is_latest: bool
    pokes: list[TaskRescheduleModel] = field(default_factory=list)
    rendered_fields: dict[str, Any] | None = None


def rendered_fields(session: Session, ti_id: int) -> dict[int, dict[str, Any]]:
    """try_number → the template fields as the sandbox rendered them (tries without templates absent)."""
    rows = session.execute(
        select(
            RenderedTaskInstanceFieldsModel.try_number, RenderedTaskInstanceFieldsModel.rendered_fields
        ).where(RenderedTaskInstanceFieldsModel.ti_id == ti_id)
    )
    return {number: fields for number, fields in rows}


def try_history(session: Session, ti: TaskInstanceModel) -> list[TryDetails]:
    """Every try of ``ti``, newest first, with its pokes in order and its rendered fields."""
    pokes: dict[int, list[TaskRescheduleModel]] = {}
    for poke in session.scalars(
        select(TaskRescheduleModel)
        .where(TaskRescheduleModel.ti_id == ti.id)
        .order_by(TaskRescheduleModel.start_date, TaskRescheduleModel.id)
    ):
        pokes.setdefault(poke.try_number, []).append(poke)
    rendered = rendered_fields(session, ti.id)
    return [
        TryDetails(number, number == ti.try_number, pokes.get(number, []), rendered.get(number))
        for number in range(ti.try_number, 0, -1)
    ]
