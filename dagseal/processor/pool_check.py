"""Host-side import check against the ``slot_pool`` table: a task needing more slots than its pool has.

The sandbox cannot see the database, so this runs where the processor stores a parsed DAG. A pool
that does not exist is not an import error (it may be created later): such a try fails when the
scheduler queues it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import SlotPoolModel


def pool_slots_problem(session: Session, dag: Mapping[str, Any]) -> str | None:
    """One line naming the DAG, task, pool and sizes if some task's pool_slots exceed its pool; else None."""
    tasks = [task for task in dag.get("tasks", []) if task.get("pool_slots", 1) > 1]
    if not tasks:
        return None
    sizes = dict(
        session.execute(
            select(SlotPoolModel.pool, SlotPoolModel.slots).where(
                SlotPoolModel.pool.in_({task.get("pool") for task in tasks})
            )
        ).all()
    )
    for task in tasks:
        size = sizes.get(task.get("pool"))
        if size is not None and 0 <= size < task["pool_slots"]:
            return (
                f"DAG {dag.get('dag_id')!r} task {task['task_id']!r}: pool_slots={task['pool_slots']} "
                f"is more than pool {task['pool']!r} has ({size} slots)"
            )
    return None
