"""Zombie detection (moved into the scheduler by AIP-43) and stranded queued tries.

A zombie is a running task instance whose supervisor's ``job`` row stopped heartbeating for
``zombie_threshold`` seconds (or ended without recording the try): the try is failed or put up for
retry, and its failure/retry callback is requested. A try left ``queued`` for
``[scheduler] task_queued_timeout`` seconds (its scheduler died before a supervisor claimed it, or
the Celery broker lost its message) goes back to ``scheduled``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dagseal.callbacks.outbox import add_callback_request
from dagseal.db.models import DagModel, DagRunModel, JobModel, JobState, TaskInstanceModel
from dagseal.lifecycle.callback_builder import task_callback
from dagseal.lifecycle.locking import end_running_try, move_task, skip_locked
from dagseal.lifecycle.states import TaskState
from dagseal.scheduler.dag_bag import SerializedDagBag


def handle_zombies(session: Session, bag: SerializedDagBag, now: datetime, threshold: float) -> int:
    """Fail or retry every zombie try, with its callback request in the same transaction; returns
    how many were handled."""
    cutoff = now - timedelta(seconds=threshold)
    zombies = session.scalars(
        skip_locked(
            session,
            select(TaskInstanceModel)
            .join(JobModel, JobModel.id == TaskInstanceModel.job_id)
            .where(
                TaskInstanceModel.state == TaskState.RUNNING.value,
                or_(JobModel.latest_heartbeat < cutoff, JobModel.state != JobState.RUNNING.value),
            ),
            of=TaskInstanceModel,
        )
    ).all()
    handled = 0
    for ti in zombies:
        run = session.get(DagRunModel, ti.dag_run_id)
        dag = bag.get(session, run.dag_hash)
        task = dag.get_task(ti.task_id)
        retry = ti.try_number <= ti.max_tries
        target = TaskState.UP_FOR_RETRY if retry else TaskState.FAILED
        error = f"zombie: supervisor (job {ti.job_id}) stopped heartbeating; detected at {now.isoformat()}"
        moved = session.execute(
            end_running_try(ti.id, ti.job_id, target, now, task.retry_delay, error=error).execution_options(
                synchronize_session=False
            )
        ).rowcount
        if moved != 1:
            continue
        handled += 1
        session.refresh(ti)
        dag_row = session.get(DagModel, ti.dag_id)
        request = dag_row and task_callback(
            dag_row, dag, run, ti, "task_retry" if retry else "task_failure", msg=error
        )
        if request:
            add_callback_request(session, request)
    return handled


def requeue_stranded(session: Session, now: datetime, threshold: float) -> int:
    """queued → scheduled for tries no supervisor claimed within ``threshold`` seconds."""
    cutoff = now - timedelta(seconds=threshold)
    stranded = session.scalars(
        skip_locked(
            session,
            select(TaskInstanceModel.id).where(
                TaskInstanceModel.state == TaskState.QUEUED.value, TaskInstanceModel.queued_dttm < cutoff
            ),
        )
    ).all()
    return sum(move_task(session, ti_id, [TaskState.QUEUED], TaskState.SCHEDULED) for ti_id in stranded)
