"""The try a supervisor can expect next: in a chain, the task its task alone leads to.

A container takes the engine's start and the sandbox's imports before its try can begin; a
supervisor that knows which try comes after its own can have that container started while its
try runs (runtime/docker_standby.py). It knows it from the claim: the pinned DAG's task list and
the next task's row. Only the sure case counts, the link of a chain: the task has one downstream
task, which has no other upstream task, is not mapped, is not carried out by the scheduler (a
host operator) and goes to the same executor queue; and its row has not been decided yet. Its
next try is then its try number plus one (a claim adds one). A wrong guess costs a container
started and removed unused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import TaskInstanceModel
from dagseal.runtime.base import TryIdentity

__all__ = ["successor_task", "successor_try"]


def successor_task(tasks: list[Any], task_id: str) -> str | None:
    """The id of the task that only ``task_id``'s end makes ready, from the serialized DAG's task
    dicts; None when there is not exactly one such container task. (A claim's hot path: a task
    with no single downstream costs one scan to its own dict.)"""
    task = _find(tasks, task_id)
    downstream = None if task is None else task.get("downstream_task_ids")
    if task is None or not isinstance(downstream, list) or len(downstream) != 1:
        return None
    following = _find(tasks, downstream[0])
    if (
        following is None
        or following.get("upstream_task_ids") != [task_id]
        or following.get("expand_input")
        or following.get("host_operator")
        or following.get("queue") != task.get("queue")
    ):
        return None
    return str(downstream[0])


def _find(tasks: list[Any], task_id: object) -> dict[str, Any] | None:
    return next((t for t in tasks if isinstance(t, dict) and t.get("task_id") == task_id), None)


def successor_try(session: Session, dag_id: str, run_id: str, task_id: str) -> TryIdentity | None:
    """The next try of ``task_id`` in the run, if its task instance has no state yet."""
    row = session.execute(
        select(TaskInstanceModel.state, TaskInstanceModel.try_number).where(
            TaskInstanceModel.dag_id == dag_id,
            TaskInstanceModel.run_id == run_id,
            TaskInstanceModel.task_id == task_id,
            TaskInstanceModel.map_index == -1,
        )
    ).first()
    if row is None or row.state is not None:
        return None
    return TryIdentity(dag_id=dag_id, run_id=run_id, task_id=task_id, try_number=row.try_number + 1)
