"""Reschedule-mode sensors on the host: record a poke that said "not yet", and tell the next poke
when the first one started (its timeout counts from there).

A poke is a try of its own (its own log, its own sandbox), but it does not use up a retry: each
reschedule raises ``max_tries`` by one, as Airflow does not count reschedules against retries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from dagseal.db.models import TaskInstanceModel, TaskRescheduleModel
from dagseal.runtime.base import TaskOutcome


def reschedule_values(outcome: TaskOutcome) -> dict[str, Any]:
    """The task instance columns an ``up_for_reschedule`` outcome sets besides its state."""
    if outcome.reschedule_date is None:
        raise ValueError("an up_for_reschedule outcome needs its reschedule_date")
    when = datetime.fromisoformat(outcome.reschedule_date)
    return {
        "next_retry_at": when if when.tzinfo else when.replace(tzinfo=UTC),
        "max_tries": TaskInstanceModel.max_tries + 1,
    }


def record_reschedule(session: Session, ti_id: int, try_number: int, now: datetime) -> None:
    """Add the ``task_reschedule`` row of the poke that just ended (in the recording transaction)."""
    start, reschedule_date = session.execute(
        select(TaskInstanceModel.start_date, TaskInstanceModel.next_retry_at).where(
            TaskInstanceModel.id == ti_id
        )
    ).one()
    session.execute(
        insert(TaskRescheduleModel).values(
            ti_id=ti_id,
            try_number=try_number,
            start_date=start,
            end_date=now,
            duration=(now - start).total_seconds(),
            reschedule_date=reschedule_date,
        )
    )


def sensor_started_at(session: Session, ti_id: int) -> str | None:
    """When the first recorded poke of this task instance started (ISO-8601), if any."""
    first = session.scalar(
        select(func.min(TaskRescheduleModel.start_date)).where(TaskRescheduleModel.ti_id == ti_id)
    )
    return None if first is None else first.isoformat()
