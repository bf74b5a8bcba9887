"""Creating DAG runs (on schedule and on trigger) and starting queued ones within max_active_runs.

A run is pinned at creation to the DAG's latest dag_hash and, once something is deployed, to the
current deployment's image digest for the DAG's directory; with nothing deployed and the Docker
task runtime, to the image the digest map (and runtime.yaml, policy hook) gives now. Its task
instances are created from that version when it starts, so an edit of the DAG file, a rebuilt
map or a new deploy mid-run only affects later runs.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.deploy.deployments import pin_for_new_run, pin_to_deployment
from dagseal.errors import DagsealError
from dagseal.lifecycle.locking import skip_locked
from dagseal.lifecycle.states import DagRunState
from dagseal.placement import Placement, dag_folder_of
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.run_params import validate_run_conf
from dagseal.scheduler.timetable import DagRunInfo, Timetable, parse_datetime
from dagseal.serialization import SerializedDag

ACTIVE_RUN_STATES = (DagRunState.QUEUED.value, DagRunState.RUNNING.value)


class TriggerError(DagsealError):
    """A manual run cannot be created (unknown, inactive or never-parsed DAG, bad conf)."""


def timetable_for(dag: SerializedDag) -> Timetable:
    return Timetable(
        kind=dag.schedule.kind,
        cron=dag.schedule.cron,
        seconds=dag.schedule.seconds,
        start_date=parse_datetime(dag.start_date),
        end_date=parse_datetime(dag.end_date),
        catchup=dag.catchup,
    )


def _insert_run(session: Session, run: DagRunModel) -> bool:
    """Insert unless another scheduler already created this (dag_id, run_id); True if inserted."""
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        return False
    return True


def _image_pin(
    session: Session, dag: DagModel, placement: Placement, deployment_id: int | None = None
) -> dict[str, Any]:
    """``image_digest`` and ``deployment_id`` for a new run: deployment ``deployment_id``'s if asked,
    else the current deployment's, else the image layering gives now (Docker task runtime only;
    ``placement`` caches what it reads)."""
    if deployment_id is not None:
        pinned = pin_to_deployment(session, deployment_id, dag.fileloc)
        return {"image_digest": pinned.image_digest, "deployment_id": pinned.deployment_id}
    pin = pin_for_new_run(session, dag.fileloc)
    if pin is not None:
        return {"image_digest": pin.image_digest, "deployment_id": pin.deployment_id}
    image = placement.image_for_new_run(dag_folder_of(dag), dag.relative_fileloc)
    return {} if image is None else {"image_digest": image}


def _last_scheduled(session: Session, dag_id: str) -> DagRunInfo | None:
    row = session.execute(
        select(DagRunModel.data_interval_start, DagRunModel.data_interval_end)
        .where(DagRunModel.dag_id == dag_id, DagRunModel.run_type == "scheduled")
        .order_by(DagRunModel.data_interval_end.desc())
        .limit(1)
    ).first()
    return None if row is None else DagRunInfo(row[0], row[1])


def _active_runs(session: Session, dag_id: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(DagRunModel)
        .where(DagRunModel.dag_id == dag_id, DagRunModel.state.in_(ACTIVE_RUN_STATES))
    )


def create_scheduled_runs(
    session: Session, bag: SerializedDagBag, now: datetime, placement: Placement
) -> int:
    """Create every due scheduled run of active, unpaused DAGs, up to max_active_runs each."""
    dags = session.scalars(
        skip_locked(
            session,
            select(DagModel).where(
                DagModel.is_active.is_(True),
                DagModel.is_paused.is_(False),
                DagModel.latest_dag_hash.isnot(None),
            ),
        )
    ).all()
    created = 0
    for dag in dags:
        serialized = bag.get(session, dag.latest_dag_hash)
        if serialized.schedule.kind == "none":
            continue
        timetable = timetable_for(serialized)
        last = _last_scheduled(session, dag.dag_id)
        active = _active_runs(session, dag.dag_id)
        info = timetable.next_dagrun_info(last, now)
        while info is not None and info.run_after <= now and active < serialized.max_active_runs:
            run = DagRunModel(
                dag_id=dag.dag_id,
                run_id=info.run_id,
                run_type="scheduled",
                logical_date=info.logical_date,
                data_interval_start=info.data_interval_start,
                data_interval_end=info.data_interval_end,
                state=DagRunState.QUEUED.value,
                dag_hash=dag.latest_dag_hash,
                conf={},
                created_at=now,
                **_image_pin(session, dag, placement),
            )
            if _insert_run(session, run):
                created += 1
                active += 1
            info = timetable.next_dagrun_info(info, now)
        next_after = None if info is None else info.run_after
        if dag.next_dagrun_create_after != next_after:
            dag.next_dagrun_create_after = next_after
    return created


def trigger_dag(
    session: Session,
    dag_id: str,
    conf: dict[str, Any],
    now: datetime,
    placement: Placement,
    run_id: str | None = None,
    logical_date: datetime | None = None,
    deployment_id: int | None = None,
) -> DagRunModel:
    """Queue a manual run of the DAG's latest version (``dags trigger``), pinned as ``placement`` says.
    ``logical_date`` defaults to ``now``; ``deployment_id`` pins the run to that (earlier)
    deployment's image instead of the current one's."""
    if not isinstance(conf, dict):
        raise TriggerError(f"--conf must be a JSON object, got {type(conf).__name__}")
    dag = session.get(DagModel, dag_id)
    if dag is None:
        raise TriggerError(f"unknown DAG {dag_id!r}; see `dagseal dags list`")
    if not dag.is_active or dag.latest_dag_hash is None:
        raise TriggerError(f"DAG {dag_id!r} is not active (no processor has parsed it recently)")
    validate_run_conf(SerializedDagBag().get(session, dag.latest_dag_hash), conf)
    logical_date = logical_date or now
    run = DagRunModel(
        dag_id=dag_id,
        run_id=run_id or f"manual__{logical_date.isoformat()}",
        run_type="manual",
        logical_date=logical_date,
        data_interval_start=logical_date,
        data_interval_end=logical_date,
        state=DagRunState.QUEUED.value,
        dag_hash=dag.latest_dag_hash,
        conf=conf,
        created_at=now,
        **_image_pin(session, dag, placement, deployment_id),
    )
    if not _insert_run(session, run):
        raise TriggerError(f"DAG {dag_id!r} already has a run with run_id {run.run_id!r}")
    return run


def start_queued_runs(session: Session, bag: SerializedDagBag, now: datetime) -> int:
    """queued → running for runs whose DAG is under max_active_runs; creates their task instances."""
    queued = session.scalars(
        skip_locked(
            session,
            select(DagRunModel)
            .where(DagRunModel.state == DagRunState.QUEUED.value)
            .order_by(DagRunModel.logical_date, DagRunModel.id),
        )
    ).all()
    if not queued:
        return 0
    running = Counter(
        dict(
            session.execute(
                select(DagRunModel.dag_id, func.count())
                .where(DagRunModel.state == DagRunState.RUNNING.value)
                .group_by(DagRunModel.dag_id)
            ).all()
        )
    )
    started = 0
    for run in queued:
        serialized = bag.get(session, run.dag_hash)
        if running[run.dag_id] >= serialized.max_active_runs:
            continue
        moved = session.execute(
            update(DagRunModel)
            .where(DagRunModel.id == run.id, DagRunModel.state == DagRunState.QUEUED.value)
            .values(state=DagRunState.RUNNING.value, start_date=now, last_scheduling_decision=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            continue
        session.add_all(
            TaskInstanceModel(
                dag_run_id=run.id,
                dag_id=run.dag_id,
                run_id=run.run_id,
                task_id=task.task_id,
                state=None,
                try_number=0,
                max_tries=task.retries,
                priority_weight=task.priority_weight,
                image_digest=run.image_digest,
            )
            for task in serialized.tasks
        )
        running[run.dag_id] += 1
        started += 1
    return started
