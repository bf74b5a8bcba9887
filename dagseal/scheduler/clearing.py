"""``tasks clear``: put task instances back to ``none`` so the scheduler runs them again.

The run goes back to ``running`` (on the version it was pinned to); cleared tries get a fresh
set of retries; a supervisor whose try is cleared under it kills the try on its next heartbeat.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dagseal.db.models import DagRunModel, TaskInstanceModel, TaskRescheduleModel
from dagseal.errors import DagsealError
from dagseal.lifecycle.states import DagRunState
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.serialization import SerializedDag


class ClearError(DagsealError):
    """The run or a task to clear does not exist."""


def _with_downstream(graph: dict[str, list[str]], task_ids: set[str]) -> set[str]:
    todo, seen = list(task_ids), set(task_ids)
    while todo:
        for child in graph[todo.pop()]:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def clear_tasks(
    session: Session, dag_id: str, run_id: str, task_ids: list[str] | None, downstream: bool
) -> list[str]:
    """Clear the given tasks (all when None), plus their downstream tasks if asked; returns them."""
    run = session.scalar(
        select(DagRunModel).where(DagRunModel.dag_id == dag_id, DagRunModel.run_id == run_id)
    )
    if run is None:
        raise ClearError(f"DAG {dag_id!r} has no run {run_id!r}; see `dagseal runs list --dag {dag_id}`")
    if run.state == DagRunState.QUEUED.value:
        raise ClearError(f"run {run_id!r} has not started yet; nothing to clear")
    dag = SerializedDagBag().get(session, run.dag_hash)
    graph = {task.task_id: task.downstream_task_ids for task in dag.tasks}
    chosen = set(graph) if task_ids is None else set(task_ids)
    unknown = sorted(chosen - set(graph))
    if unknown:
        raise ClearError(f"DAG {dag_id!r} (version {run.dag_hash[:12]}) has no task {unknown[0]!r}")
    if downstream:
        chosen = _with_downstream(graph, chosen)
    cleared = reset_task_instances(session, run, dag, chosen)
    session.execute(
        update(DagRunModel)
        .where(DagRunModel.id == run.id)
        .values(state=DagRunState.RUNNING.value, end_date=None)
        .execution_options(synchronize_session=False)
    )
    return cleared


def reset_task_instances(
    session: Session, run: DagRunModel, dag: SerializedDag, task_ids: set[str]
) -> list[str]:
    """Put the run's given task instances back to ``none`` with a fresh set of retries; returns their ids."""
    retries = {task.task_id: task.retries for task in dag.tasks}
    tis = session.scalars(
        select(TaskInstanceModel).where(
            TaskInstanceModel.dag_run_id == run.id, TaskInstanceModel.task_id.in_(task_ids)
        )
    ).all()
    for ti in tis:
        ti.state = None
        ti.max_tries = ti.try_number + retries[ti.task_id]
        ti.scheduled_dttm = ti.queued_dttm = ti.next_retry_at = None
    # a cleared sensor starts over: its timeout counts from its next first poke
    session.execute(delete(TaskRescheduleModel).where(TaskRescheduleModel.ti_id.in_([ti.id for ti in tis])))
    return sorted(ti.task_id for ti in tis)
