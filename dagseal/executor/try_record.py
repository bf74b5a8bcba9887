"""The database side of one task try: claim it, load what the sandbox needs, record how it ended.

The claim (queued → running, try_number + 1) and the record (running → final, only while this
supervisor's job still owns the row) are conditional updates, so a try is started at most once
and a try the scheduler declared a zombie (or a cleared one) is never overwritten by a late result.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime
from pathlib import Path

from attrs import frozen
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.jobs import add_job, close_job
from dagseal.db.models import (
    DagCodeModel,
    DagModel,
    DagRunModel,
    JobState,
    JobType,
    SerializedDagModel,
    TaskInstanceModel,
)
from dagseal.db.rendered_fields import record_rendered_fields
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.executor.branch_skips import skip_downstream
from dagseal.runtime.base import RunTaskRequest, TaskOutcome
from dagseal.scheduler.callback_builder import task_callback, task_callback_kinds
from dagseal.scheduler.locking import end_running_try, move_task
from dagseal.scheduler.states import TaskState
from dagseal.serialization import SerializedDag, TaskCallbackRequest, dag_from_envelope
from dagseal.timeutil import utcnow


class TaskInstanceNotFound(DagsealError):
    """``tasks run`` named a task instance that does not exist."""


@frozen(kw_only=True)
class ClaimedTry:
    """A try this supervisor owns: identity, limits, and the sandbox request built from the pinned DAG."""

    ti_id: int
    job_id: int
    try_number: int
    max_tries: int
    retry_delay: float
    execution_timeout: float | None
    dag_folder: str
    image_digest: str | None  # the run's pinned image (docker runtime)
    deployment_id: int | None  # the deployment that pinned it: where to pull it from
    request: RunTaskRequest
    callback_kinds: frozenset[str]  # the task's callbacks: recording needs the DAG again only for these

    def log_path(self, base_log_folder: str) -> Path:
        r = self.request
        return try_log_path(base_log_folder, r.dag_id, r.run_id, r.task_id, self.try_number, r.map_index)


def try_log_path(
    base_log_folder: str, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1
) -> Path:
    """``<base_log_folder>/<dag_id>/<run_id>/<task_id>/[map_index=<i>/]<try>.log``."""
    folder = Path(base_log_folder) / dag_id / run_id / task_id
    return (folder if map_index < 0 else folder / f"map_index={map_index}") / f"{try_number}.log"


def find_task_instance(
    factory: sessionmaker[Session], dag_id: str, task_id: str, run_id: str, map_index: int = -1
) -> int:
    with session_scope(factory) as session:
        ti_id = session.scalar(
            select(TaskInstanceModel.id).where(
                TaskInstanceModel.dag_id == dag_id,
                TaskInstanceModel.task_id == task_id,
                TaskInstanceModel.run_id == run_id,
                TaskInstanceModel.map_index == map_index,
            )
        )
    if ti_id is None:
        where = f"[{map_index}]" if map_index >= 0 else ""
        raise TaskInstanceNotFound(f"no task instance {dag_id}.{task_id}{where} in run {run_id!r}")
    return ti_id


def dag_folder_of(dag: DagModel) -> str:
    """The DAG directory on the host: the file's absolute path minus its relative path."""
    if dag.fileloc.endswith(dag.relative_fileloc):
        return dag.fileloc[: len(dag.fileloc) - len(dag.relative_fileloc)].rstrip("/") or "/"
    return dag.processor_subdir or os.path.dirname(dag.fileloc)


def pinned_dag(session: Session, dag_hash: str) -> tuple[SerializedDag, str]:
    """The serialized DAG a run is pinned to, and the exact source text it was parsed from."""
    row = session.get(SerializedDagModel, dag_hash)
    code = None if row is None else session.get(DagCodeModel, row.source_digest)
    return _parse_pinned(
        dag_hash,
        None if row is None else row.data,
        None if row is None else row.source_digest,
        None if code is None else code.source,
    )


def _parse_pinned(
    dag_hash: str,
    data: str | None,
    source_digest: str | None,
    source: str | None,
    only_task: str | None = None,
) -> tuple[SerializedDag, str]:
    """``only_task``: keep just that task (a try needs no other). Structuring all tasks of a wide
    DAG in every try cost more CPU than the rest of the claim; the envelope is checked as ever."""
    if data is None:
        raise DagsealError(f"serialized DAG {dag_hash} is missing")
    if source is None:
        raise DagsealError(f"DAG source {source_digest} of version {dag_hash} is missing")
    envelope = json.loads(data)
    dag = envelope.get("dag") if isinstance(envelope, dict) else None
    if only_task is not None and isinstance(dag, dict) and isinstance(dag.get("tasks"), list):
        dag["tasks"] = [t for t in dag["tasks"] if isinstance(t, dict) and t.get("task_id") == only_task]
    return dag_from_envelope(envelope), source


def upstream_results(session: Session, run_id: int, upstream: list[str]) -> dict[str, object]:
    """Return values the supervisors of the upstream tasks stored for this run; a mapped upstream
    gives the list of its task instances' values in map order (None where one returned nothing)."""
    if not upstream:
        return {}
    rows = session.execute(
        select(TaskInstanceModel.task_id, TaskInstanceModel.map_index, TaskInstanceModel.return_value)
        .where(TaskInstanceModel.dag_run_id == run_id, TaskInstanceModel.task_id.in_(upstream))
        .order_by(TaskInstanceModel.task_id, TaskInstanceModel.map_index)
    )
    results: dict[str, object] = {}
    for task_id, map_index, value in rows:
        decoded = None if value is None else json.loads(value)
        if map_index >= 0:
            mapped = results.setdefault(task_id, [])
            assert isinstance(mapped, list)
            mapped.append(decoded)
        elif decoded is not None:
            results[task_id] = decoded
    return results


def claim_try(session: Session, ti_id: int, job_id: int, now: datetime) -> ClaimedTry | None:
    """queued → running for this job, in the caller's transaction; None if the try is not (or no
    longer) queued."""
    claimed = move_task(
        session,
        ti_id,
        [TaskState.QUEUED],
        TaskState.RUNNING,
        try_number=TaskInstanceModel.try_number + 1,
        start_date=now,
        end_date=None,
        exited_at=None,
        duration=None,
        exit_code=None,
        error=None,
        return_value=None,
        next_retry_at=None,
        hostname=socket.gethostname(),
        pid=os.getpid(),
        job_id=job_id,
    )
    if not claimed:
        return None
    row = _try_rows(session, ti_id)
    if row is None:
        raise TaskInstanceNotFound(f"task instance {ti_id} vanished while it was claimed")
    ti, run, dag_row, data, source_digest, source = row
    dag, source = _parse_pinned(run.dag_hash, data, source_digest, source, only_task=ti.task_id)
    task = dag.get_task(ti.task_id)
    request = RunTaskRequest(
        id=1,
        dag_folder=dag_folder_of(dag_row),
        file=dag.fileloc,
        source=source,
        dag_id=ti.dag_id,
        task_id=ti.task_id,
        run_id=ti.run_id,
        try_number=ti.try_number,
        logical_date=run.logical_date.isoformat() if run.logical_date else None,
        params={**dag.params, **(run.conf or {})},  # trigger conf overrides params, as in Airflow
        conf=dict(run.conf or {}),
        upstream_results=upstream_results(session, run.id, task.upstream_task_ids),
        data_interval_start=_iso(run.data_interval_start),
        data_interval_end=_iso(run.data_interval_end),
        run_type=run.run_type,
        map_index=ti.map_index,
    )
    return ClaimedTry(
        ti_id=ti_id,
        job_id=job_id,
        try_number=ti.try_number,
        max_tries=ti.max_tries,
        retry_delay=task.retry_delay,
        execution_timeout=task.execution_timeout,
        dag_folder=request.dag_folder,
        image_digest=run.image_digest,
        deployment_id=run.deployment_id,
        request=request,
        callback_kinds=task_callback_kinds(task),
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _try_rows(
    session: Session, ti_id: int
) -> tuple[TaskInstanceModel, DagRunModel, DagModel, str | None, str | None, str | None] | None:
    """The task instance, its run and DAG, and the run's pinned serialized DAG and source, in one
    query (outer joins: a missing version is reported by name, not as a missing task instance)."""
    row = session.execute(
        select(
            TaskInstanceModel,
            DagRunModel,
            DagModel,
            SerializedDagModel.data,
            SerializedDagModel.source_digest,
            DagCodeModel.source,
        )
        .join(DagRunModel, DagRunModel.id == TaskInstanceModel.dag_run_id)
        .join(DagModel, DagModel.dag_id == TaskInstanceModel.dag_id)
        .outerjoin(SerializedDagModel, SerializedDagModel.dag_hash == DagRunModel.dag_hash)
        .outerjoin(DagCodeModel, DagCodeModel.source_digest == SerializedDagModel.source_digest)
        .where(TaskInstanceModel.id == ti_id)
    ).first()
    return None if row is None else tuple(row)  # type: ignore[return-value]


def still_owned(factory: sessionmaker[Session], claimed: ClaimedTry) -> bool:
    """True while the row is running under this supervisor (not cleared, timed out or declared a zombie)."""
    with session_scope(factory) as session:
        row = session.execute(
            select(TaskInstanceModel.state, TaskInstanceModel.job_id).where(
                TaskInstanceModel.id == claimed.ti_id
            )
        ).first()
    return row is not None and row[0] == TaskState.RUNNING.value and row[1] == claimed.job_id


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
    return TaskState.UP_FOR_RETRY if claimed.try_number <= claimed.max_tries else TaskState.FAILED


def record_outcome(
    factory: sessionmaker[Session],
    claimed: ClaimedTry,
    outcome: TaskOutcome,
    exited_at: datetime,
    image_digest: str | None,
) -> tuple[TaskState | None, TaskCallbackRequest | None]:
    """Store the try's end and the image it ran in (None: no container); returns the state written
    (None if the row was taken from us) and the callback request the pinned DAG defines for it."""
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
        )
        moved = session.connection().execute(statement).rowcount
        if moved != 1:
            return None, None
        record_rendered_fields(session, claimed.ti_id, claimed.try_number, outcome.rendered_fields)
        if state is TaskState.SUCCESS:
            skip_downstream(session, claimed.ti_id, outcome.skip_task_ids, now)
        kind = _CALLBACK_KIND.get(state)
        if kind not in claimed.callback_kinds:
            return state, None
        ti = session.get(TaskInstanceModel, claimed.ti_id)
        run = session.get(DagRunModel, ti.dag_run_id)
        dag, _source = pinned_dag(session, run.dag_hash)
        dag_row = session.get(DagModel, ti.dag_id)
        return state, task_callback(dag_row, dag, run, ti, kind, msg=outcome.error)


def fail_unstarted(factory: sessionmaker[Session], ti_id: int, reason: str, now: datetime) -> bool:
    """queued → failed for a try whose supervisor exited before claiming it."""
    with session_scope(factory) as session:
        return move_task(session, ti_id, [TaskState.QUEUED], TaskState.FAILED, end_date=now, error=reason)


_NO_ROW = -1


def rehearse(factory: sessionmaker[Session]) -> None:
    """Run a successful try's statements once against no row, the claim in a rolled-back transaction.

    The supervisor fork server calls this before it forks: SQLAlchemy then holds them compiled
    (its cache is per engine), so no supervisor compiles them again (~20 ms of CPU per try).
    """
    now = utcnow()
    with factory() as session:
        session.begin()
        job_id = add_job(session, JobType.LOCAL_TASK)
        claim_try(session, _NO_ROW, job_id, now)
        _try_rows(session, _NO_ROW)
        upstream_results(session, _NO_ROW, ["upstream"])
        close_job(session, job_id, JobState.SUCCESS)
        session.rollback()
    nobody = ClaimedTry(
        ti_id=_NO_ROW,
        job_id=_NO_ROW,
        try_number=1,
        max_tries=0,
        retry_delay=0.0,
        execution_timeout=None,
        dag_folder="",
        image_digest=None,
        deployment_id=None,
        request=RunTaskRequest(id=1, dag_folder="", file="", source="", dag_id="", task_id="", run_id=""),
        callback_kinds=frozenset(),
    )
    still_owned(factory, nobody)
    record_outcome(factory, nobody, TaskOutcome(state="success", exit_code=0, duration=0.0), now, None)
