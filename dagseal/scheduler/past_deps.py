"""``depends_on_past`` and ``wait_for_downstream``: a task waits for its own previous run.

As in Airflow: the previous run is the DAG's run with the latest earlier logical date; the task
may start once its instance there succeeded or was skipped (and, with ``wait_for_downstream``,
so did that instance's immediate downstream tasks). With no previous run, or a previous run
without this task, the task does not wait.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.lifecycle.states import TaskState
from dagseal.serialization import SerializedTask

_DONE = (TaskState.SUCCESS.value, TaskState.SKIPPED.value)


def past_depends_met(session: Session, run: DagRunModel, task: SerializedTask) -> bool:
    """True if ``task`` may run in ``run`` as far as its previous run is concerned."""
    if not task.depends_on_past or run.logical_date is None:
        return True
    previous = session.scalar(
        select(DagRunModel.id)
        .where(DagRunModel.dag_id == run.dag_id, DagRunModel.logical_date < run.logical_date)
        .order_by(DagRunModel.logical_date.desc(), DagRunModel.id.desc())
        .limit(1)
    )
    if previous is None:
        return True
    wanted = {task.task_id, *(task.downstream_task_ids if task.wait_for_downstream else ())}
    states = dict(
        session.execute(
            select(TaskInstanceModel.task_id, TaskInstanceModel.state).where(
                TaskInstanceModel.dag_run_id == previous, TaskInstanceModel.task_id.in_(wanted)
            )
        ).all()
    )
    return all(state in _DONE for state in states.values())
