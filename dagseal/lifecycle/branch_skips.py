"""Apply a branch / short-circuit decision: the downstream tasks the sandbox named become skipped.

Only task instances of the same run that are still undecided (state none) move, by one
conditional UPDATE in the transaction that records the deciding try, so the scheduler never sees
the branch task finished without its decision.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dagseal.db.models import TaskInstanceModel
from dagseal.lifecycle.locking import db_state, state_is
from dagseal.lifecycle.states import TaskState


def skip_downstream(session: Session, ti_id: int, task_ids: Sequence[str], now: datetime) -> int:
    """Mark ``task_ids`` of ``ti_id``'s run skipped where still undecided; returns how many moved."""
    if not task_ids:
        return 0
    run_of_ti = select(TaskInstanceModel.dag_run_id).where(TaskInstanceModel.id == ti_id).scalar_subquery()
    result = session.connection().execute(
        update(TaskInstanceModel)
        .where(
            TaskInstanceModel.dag_run_id == run_of_ti,
            TaskInstanceModel.task_id.in_(list(task_ids)),
            state_is([TaskState.NONE]),
        )
        .values(state=db_state(TaskState.SKIPPED), end_date=now)
    )
    return result.rowcount
