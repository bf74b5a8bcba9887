"""Recording how a task try ended, and the warm-up of the claim and record statements.

The record (running → final) is a conditional update that only moves the row while this
supervisor's job still owns it, so a try the scheduler declared a zombie (or a cleared one) is
never overwritten by a late result. The task callback the pinned DAG defines for that end is
written in the same transaction: it commits with the state change, or neither does.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from dagseal.callbacks.outbox import add_callback_request
from dagseal.db.assets import emit_asset_events
from dagseal.db.jobs import JobNotFoundError, add_job, close_job
from dagseal.db.models import DagModel, DagRunModel, JobState, JobType, TaskInstanceModel
from dagseal.db.rendered_fields import record_rendered_fields
from dagseal.db.session import session_scope
from dagseal.lifecycle.branch_skips import skip_downstream
from dagseal.lifecycle.callback_builder import task_callback
from dagseal.lifecycle.commit_points import committed
from dagseal.lifecycle.locking import end_running_try, move_task
from dagseal.lifecycle.reschedule import record_reschedule, reschedule_values
from dagseal.lifecycle.states import TaskState
from dagseal.lifecycle.try_claim import NO_ROW, ClaimedTry, claim_try, pinned_dag, still_owned
from dagseal.runtime.base import RunTaskRequest, TaskOutcome
from dagseal.timeutil import utcnow

_CALLBACK_KIND = {
    TaskState.SUCCESS: "task_success",
    TaskState.FAILED: "task_failure",
    TaskState.UP_FOR_RETRY: "task_retry",
}


def final_state(outcome: TaskOutcome, claimed: ClaimedTry) -> TaskState:
    if outcome.state == "success":
        return TaskState.SUCCESS
    if outcome.state == "skipped":
        return TaskState.SKIPPED
    if outcome.state == "up_for_reschedule":
        return TaskState.UP_FOR_RESCHEDULE
    retry = outcome.retry and claimed.try_number <= claimed.max_tries
    return TaskState.UP_FOR_RETRY if retry else TaskState.FAILED


def record_outcome(
    factory: sessionmaker[Session],
    claimed: ClaimedTry,
    outcome: TaskOutcome,
    exited_at: datetime,
    image_digest: str | None,
) -> tuple[TaskState | None, bool]:
    """Store the try's end and the image it ran in (None: no container), with the callback request
    the pinned DAG defines for it and the end of the supervisor's job in the same transaction;
    returns the state written (None if the row was taken from us) and whether a callback request
    was committed."""
    state = final_state(outcome, claimed)
    now = utcnow()
    with session_scope(factory) as session:
        statement = end_running_try(
            claimed.ti_id,
            claimed.job_id,
            state,
            now,
            claimed.retry_delay,
            exited_at=exited_at,
            duration=outcome.duration,
            exit_code=outcome.exit_code,
            error=outcome.error,
            return_value=None if outcome.return_value is None else json.dumps(outcome.return_value),
            image_digest=image_digest,
            **(reschedule_values(outcome) if state is TaskState.UP_FOR_RESCHEDULE else {}),
        )
        taken = session.connection().execute(statement).rowcount != 1
        close_job(session, claimed.job_id, JobState.SUCCESS)  # it ran the try to its end either way
        if taken:
            return None, False
        record_rendered_fields(session, claimed.ti_id, claimed.try_number, outcome.rendered_fields)
        if state is TaskState.SUCCESS:
            skip_downstream(session, claimed.ti_id, outcome.skip_task_ids, now)
        if state is TaskState.UP_FOR_RESCHEDULE:
            record_reschedule(session, claimed.ti_id, claimed.try_number, now)
        if state is TaskState.SUCCESS and claimed.outlets:
            r = claimed.request
            outlets = [{"name": name, "uri": uri} for name, uri in claimed.outlets]
            emit_asset_events(session, outlets, r.dag_id, r.run_id, r.task_id, now)
        requested = _request_task_callback(session, claimed, state, outcome.error)
    committed("supervisor.record")
    return state, requested


def _request_task_callback(session: Session, claimed: ClaimedTry, state: TaskState, msg: str | None) -> bool:
    """Add the callback request for the try's end if the task defines that callback."""
    kind = _CALLBACK_KIND.get(state)
    if kind not in claimed.callback_kinds:
        return False
    ti = session.get(TaskInstanceModel, claimed.ti_id)
    run = session.get(DagRunModel, ti.dag_run_id)
    dag, _source = pinned_dag(session, run.dag_hash)
    request = task_callback(session.get(DagModel, ti.dag_id), dag, run, ti, kind, msg=msg)
    if request is None:
        return False
    add_callback_request(session, request)
    return True


def fail_unstarted(factory: sessionmaker[Session], ti_id: int, reason: str, now: datetime) -> bool:
    """queued → failed for a try whose supervisor exited before claiming it."""
    with session_scope(factory) as session:
        return move_task(session, ti_id, [TaskState.QUEUED], TaskState.FAILED, end_date=now, error=reason)


def rehearse(factory: sessionmaker[Session]) -> None:
    """Run a successful try's own claim and record functions once against ``NO_ROW``, the claim in a
    rolled-back transaction.

    The supervisor fork server calls this before it forks: SQLAlchemy then holds every statement
    compiled (its cache is per engine), so no supervisor compiles them again (~20 ms of CPU per try).
    """
    now = utcnow()
    with factory() as session:
        session.begin()
        job_id = add_job(session, JobType.LOCAL_TASK)
        claim_try(session, NO_ROW, job_id, now)
        close_job(session, job_id, JobState.SUCCESS)
        session.rollback()
    nobody = ClaimedTry(
        ti_id=NO_ROW,
        job_id=NO_ROW,
        try_number=1,
        max_tries=0,
        retry_delay=0.0,
        execution_timeout=None,
        dag_folder="",
        image_digest=None,
        deployment_id=None,
        image_ref=None,
        image_error=None,
        request=RunTaskRequest(id=1, dag_folder="", file="", source="", dag_id="", task_id="", run_id=""),
        callback_kinds=frozenset(),
    )
    still_owned(factory, nobody)
    with contextlib.suppress(JobNotFoundError):  # nobody's job: the row updates ran, nothing is kept
        record_outcome(factory, nobody, TaskOutcome(state="success", exit_code=0, duration=0.0), now, None)
