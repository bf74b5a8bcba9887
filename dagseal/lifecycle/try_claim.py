"""Claiming a task try: queued → running for one supervisor, and everything its sandbox needs.

The claim is a conditional update, so a try is started at most once however often its supervisor
is started. The same transaction loads the task instance, its run, its DAG, the run's pinned
serialized DAG and source, the upstream return values and the pull reference of the run's pinned
image from the run's own deployment: the supervisor needs no second DB session before the try.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

from attrs import frozen
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import (
    DagCodeModel,
    DagModel,
    DagRunModel,
    DeploymentModel,
    SerializedDagModel,
    TaskInstanceModel,
)
from dagseal.db.session import session_scope
from dagseal.deploy.deployments import image_ref_in
from dagseal.deploy.errors import DeployError
from dagseal.errors import DagsealError
from dagseal.lifecycle.callback_builder import task_callback_kinds
from dagseal.lifecycle.locking import move_task
from dagseal.lifecycle.reschedule import sensor_started_at
from dagseal.lifecycle.retry_delay import retry_delay_seconds
from dagseal.lifecycle.states import TaskState
from dagseal.lifecycle.successor import successor_task, successor_try
from dagseal.placement import dag_folder_of
from dagseal.runtime.base import RunTaskRequest, TryIdentity
from dagseal.serialization import SerializedDag, dag_from_envelope

log = logging.getLogger(__name__)

NO_ROW = -1
"""A task instance id no row has: ``rehearse`` claims and records it to compile every statement."""


class TaskInstanceNotFound(DagsealError):
    """``tasks run`` named a task instance that does not exist."""


@frozen(kw_only=True)
class ClaimedTry:
    """A try this supervisor owns: identity, limits, the run's pinned image and the sandbox request
    built from the pinned DAG."""

    ti_id: int
    job_id: int
    try_number: int
    max_tries: int
    retry_delay: float
    execution_timeout: float | None
    dag_folder: str
    image_digest: str | None  # the run's pinned image (docker runtime)
    deployment_id: int | None  # the deployment that pinned it: where to pull it from
    image_ref: str | None  # ``<registry>/<name>@sha256:…`` in that deployment; None: not deployed
    image_error: str | None  # why a deployed run's image has no reference (deployment gone, …)
    request: RunTaskRequest
    callback_kinds: frozenset[str]  # the task's callbacks: recording needs the DAG again only for these
    outlets: tuple[tuple[str, str], ...] = ()  # assets (name, uri) a success updates
    successor: TryIdentity | None = None  # the try expected next, a chain's next link (successor.py)

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


def pinned_dag(session: Session, dag_hash: str) -> tuple[SerializedDag, str]:
    """The serialized DAG a run is pinned to, and the exact source text it was parsed from."""
    row = session.get(SerializedDagModel, dag_hash)
    code = None if row is None else session.get(DagCodeModel, row.source_digest)
    envelope = _envelope(dag_hash, None if row is None else row.data)
    digest = None if row is None else row.source_digest
    return dag_from_envelope(envelope), _source(dag_hash, digest, None if code is None else code.source)


def _envelope(dag_hash: str, data: str | None) -> Any:
    """The pinned version's stored JSON, decoded (``dag_from_envelope`` checks it)."""
    if data is None:
        raise DagsealError(f"serialized DAG {dag_hash} is missing")
    return json.loads(data)


def _source(dag_hash: str, source_digest: str | None, source: str | None) -> str:
    if source is None:
        raise DagsealError(f"DAG source {source_digest} of version {dag_hash} is missing")
    return source


def _task_dicts(envelope: Any) -> list[Any]:
    """The envelope's task list as stored (empty if it has none: ``dag_from_envelope`` says why)."""
    dag = envelope.get("dag") if isinstance(envelope, dict) else None
    tasks = dag.get("tasks") if isinstance(dag, dict) else None
    return tasks if isinstance(tasks, list) else []


def _keep_only(envelope: Any, task_id: str) -> None:
    """Drop every task but ``task_id`` (a try needs no other): structuring all tasks of a wide DAG
    in every try cost more CPU than the rest of the claim; the envelope is checked as ever."""
    tasks = _task_dicts(envelope)
    tasks[:] = [t for t in tasks if isinstance(t, dict) and t.get("task_id") == task_id]


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
    if not claimed and ti_id != NO_ROW:
        return None
    loaded = load_claimed(session, ti_id, job_id)
    if loaded is None and claimed:
        raise TaskInstanceNotFound(f"task instance {ti_id} vanished while it was claimed")
    return loaded


def load_claimed(session: Session, ti_id: int, job_id: int) -> ClaimedTry | None:
    """Everything a claimed try needs, in two queries; None for no row.

    No return before the last query: ``rehearse`` claims ``NO_ROW`` so that every statement here
    is compiled before the fork server forks (a query added here is warmed with the others).
    """
    row = _try_rows(session, ti_id)
    following: str | None = None
    if row is not None:
        ti, run, dag_row, data, source_digest, source, digest_map = row
        envelope = _envelope(run.dag_hash, data)
        source = _source(run.dag_hash, source_digest, source)
        following = successor_task(_task_dicts(envelope), ti.task_id)
        _keep_only(envelope, ti.task_id)
        dag = dag_from_envelope(envelope)
        task = dag.get_task(ti.task_id)
    upstream = upstream_results(
        session, NO_ROW if row is None else run.id, ["upstream"] if row is None else task.upstream_task_ids
    )
    # a task instance's first try has no poke before it (try numbers only grow, clearing included)
    started = sensor_started_at(session, ti_id) if row is None or ti.try_number > 1 else None
    successor = None
    if row is None or following is not None:
        successor = successor_try(
            session, ti.dag_id if row else "", ti.run_id if row else "", following or ""
        )
    if row is None:
        return None
    image_ref, image_error = _image_ref(digest_map, run)
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
        upstream_results=upstream,
        data_interval_start=_iso(run.data_interval_start),
        data_interval_end=_iso(run.data_interval_end),
        run_type=run.run_type,
        map_index=ti.map_index,
        sensor_started_at=started,
    )
    return ClaimedTry(
        ti_id=ti_id,
        job_id=job_id,
        try_number=ti.try_number,
        max_tries=ti.max_tries,
        retry_delay=retry_delay_seconds(task, ti.dag_id, ti.run_id, ti.try_number),
        execution_timeout=task.execution_timeout,
        dag_folder=request.dag_folder,
        image_digest=run.image_digest,
        deployment_id=run.deployment_id,
        image_ref=image_ref,
        image_error=image_error,
        request=request,
        callback_kinds=task_callback_kinds(task),
        outlets=tuple((key["name"], key["uri"]) for key in task.outlets),
        successor=successor,
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _image_ref(digest_map: dict[str, Any] | None, run: DagRunModel) -> tuple[str | None, str | None]:
    """The pull reference of the run's pinned image, or why a deployed run has none."""
    try:
        return image_ref_in(digest_map, run.image_digest, run.deployment_id), None
    except DeployError as exc:
        return None, str(exc)


def _try_rows(
    session: Session, ti_id: int
) -> (
    tuple[
        TaskInstanceModel,
        DagRunModel,
        DagModel,
        str | None,
        str | None,
        str | None,
        dict[str, Any] | None,
    ]
    | None
):
    """The task instance, its run and DAG, the run's pinned serialized DAG and source, and its
    deployment's digest map, in one query (outer joins: a missing version or deployment is
    reported by name, not as a missing task instance)."""
    row = session.execute(
        select(
            TaskInstanceModel,
            DagRunModel,
            DagModel,
            SerializedDagModel.data,
            SerializedDagModel.source_digest,
            DagCodeModel.source,
            DeploymentModel.digest_map,
        )
        .join(DagRunModel, DagRunModel.id == TaskInstanceModel.dag_run_id)
        .join(DagModel, DagModel.dag_id == TaskInstanceModel.dag_id)
        .outerjoin(SerializedDagModel, SerializedDagModel.dag_hash == DagRunModel.dag_hash)
        .outerjoin(DagCodeModel, DagCodeModel.source_digest == SerializedDagModel.source_digest)
        .outerjoin(DeploymentModel, DeploymentModel.id == DagRunModel.deployment_id)
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
