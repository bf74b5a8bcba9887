"""``dagrun_timeout``: a run running longer than its DAG allows fails, its unfinished tasks are skipped.

A supervisor whose task instance is skipped under it notices on its next heartbeat and kills the try.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dagseal.callbacks.outbox import add_callback_request
from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.lifecycle.callback_builder import dag_callback
from dagseal.lifecycle.locking import db_state, skip_locked, state_is
from dagseal.lifecycle.states import UNFINISHED_TASK_STATES, DagRunState, TaskState
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.task_scheduling import finish_run


def time_out_runs(session: Session, bag: SerializedDagBag, now: datetime) -> int:
    """Fail every running run past its dagrun_timeout, with its failure callback request in the same
    transaction; returns how many."""
    runs = session.scalars(
        skip_locked(
            session,
            select(DagRunModel).where(
                DagRunModel.state == DagRunState.RUNNING.value, DagRunModel.start_date.isnot(None)
            ),
        )
    ).all()
    timed_out = 0
    for run in runs:
        dag = bag.get(session, run.dag_hash)
        if dag.dagrun_timeout is None or run.start_date + timedelta(seconds=dag.dagrun_timeout) > now:
            continue
        if not finish_run(session, run, DagRunState.FAILED, now):
            continue
        session.execute(
            update(TaskInstanceModel)
            .where(TaskInstanceModel.dag_run_id == run.id, state_is(UNFINISHED_TASK_STATES))
            .values(state=db_state(TaskState.SKIPPED), end_date=now, error="DAG run timed out")
            .execution_options(synchronize_session=False)
        )
        timed_out += 1
        dag_row = session.get(DagModel, run.dag_id)
        request = dag_row and dag_callback(
            dag_row, dag, run, success=False, msg=f"timed_out after {dag.dagrun_timeout:g} s"
        )
        if request:
            add_callback_request(session, request)
    return timed_out
