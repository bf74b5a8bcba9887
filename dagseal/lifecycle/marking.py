"""Mark a task instance success or failed by hand (UI/API), the way ``tasks clear`` resets one.

Like clearing, marking is an operator's override outside the state machine's TRANSITIONS. A
running try marked this way loses its claim: its supervisor's conditional end no longer matches.
A finished run goes back to ``running`` so the scheduler decides its state again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.lifecycle.states import FINISHED_RUN_STATES, DagRunState, TaskState

MARKABLE = (TaskState.SUCCESS, TaskState.FAILED)


def mark_task(session: Session, ti: TaskInstanceModel, state: TaskState, now: datetime) -> None:
    if state not in MARKABLE:
        raise ValueError(f"a task instance can only be marked {' or '.join(MARKABLE)}, not {state}")
    ti.state = state.value
    ti.end_date = ti.end_date or now
    ti.next_retry_at = None
    session.flush()
    session.execute(
        update(DagRunModel)
        .where(DagRunModel.id == ti.dag_run_id, DagRunModel.state.in_([s.value for s in FINISHED_RUN_STATES]))
        .values(state=DagRunState.RUNNING.value, end_date=None)
        .execution_options(synchronize_session=False)
    )
