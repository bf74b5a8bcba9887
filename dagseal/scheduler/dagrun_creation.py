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

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dagseal.config import load_config
from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.deploy.deployments import pin_for_new_run, pin_to_deployment
from dagseal.errors import DagsealError
from dagseal.lifecycle.locking import skip_locked
from dagseal.lifecycle.states import DagRunState
from dagseal.placement import Placement, dag_folder_of
from dagseal.scheduler.backfill_runs import BackfillGate
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.data_intervals import DEFAULT_DATA_INTERVALS, DataIntervalSettings
from dagseal.scheduler.priority import priority_weights
from dagseal.scheduler.run_params import validate_run_conf
from dagseal.scheduler.timetable import DagRunInfo, Timetable, parse_datetime
from dagseal.serialization import SerializedDag

ACTIVE_RUN_STATES = (DagRunState.QUEUED.value, DagRunState.RUNNING.value)


class TriggerError(DagsealError):
    """A manual run cannot be created (unknown, inactive or never-parsed DAG, bad conf)."""


def timetable_for(dag: SerializedDag, intervals: DataIntervalSettings) -> Timetable:
    """The DAG's timetable (``intervals`` say how a bare cron string or timedelta is read)."""
    return Timetable.from_spec(
        dag.schedule,
        start_date=parse_datetime(dag.start_date),
        end_date=parse_datetime(dag.end_date),
        catchup=dag.catchup,
        data_intervals_by_default=intervals.by_default(dag.schedule),
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


def new_queued_run(
    session: Session,
    dag: DagModel,
    run_id: str,
    run_type: str,
    info: DagRunInfo,
    now: datetime,
    placement: Placement,
    logical_date: datetime | None = None,
    deployment_id: int | None = None,
    **values: Any,
) -> DagRunModel:
    """A queued run of the DAG's latest version over ``info``'s data interval, pinned like every
    new run (to deployment ``deployment_id``'s image if given; not yet added to the session).
    ``logical_date`` defaults to ``info``'s."""
    return DagRunModel(
        dag_id=dag.dag_id,
        run_id=run_id,
        run_type=run_type,
        logical_date=info.logical_date if logical_date is None else logical_date,
        data_interval_start=info.data_interval_start,
        data_interval_end=info.data_interval_end,
        state=DagRunState.QUEUED.value,
        dag_hash=dag.latest_dag_hash,
        created_at=now,
        **{"conf": {}, **values},
        **_image_pin(session, dag, placement, deployment_id),
    )


def _last_scheduled(session: Session, dag_ids: list[str]) -> dict[str, DagRunInfo]:
    """Each DAG's latest scheduled data interval (intervals only move forward), in one query."""
    rows = session.execute(
        select(
            DagRunModel.dag_id,
            func.max(DagRunModel.data_interval_start),
            func.max(DagRunModel.data_interval_end),
        )
        .where(DagRunModel.dag_id.in_(dag_ids), DagRunModel.run_type == "scheduled")
        .group_by(DagRunModel.dag_id)
    )
    return {dag_id: DagRunInfo(start, end) for dag_id, start, end in rows}


def _active_runs(session: Session, dag_ids: list[str]) -> Counter[str]:
    """Each DAG's queued and running runs, backfill runs aside (they have their own limit)."""
    return Counter(
        dict(
            session.execute(
                select(DagRunModel.dag_id, func.count())
                .where(
                    DagRunModel.dag_id.in_(dag_ids),
                    DagRunModel.state.in_(ACTIVE_RUN_STATES),
                    DagRunModel.backfill_id.is_(None),
                )
                .group_by(DagRunModel.dag_id)
            ).all()
        )
    )


def create_scheduled_runs(
    session: Session,
    bag: SerializedDagBag,
    now: datetime,
    placement: Placement,
    intervals: DataIntervalSettings = DEFAULT_DATA_INTERVALS,
) -> int:
    """Create every due scheduled run of active, unpaused DAGs, up to max_active_runs each.

    Only DAGs whose ``next_dagrun_create_after`` has come (or is unknown: new, or a new version)
    are looked at, so a pass over many DAGs costs one query when nothing is due."""
    dags = session.scalars(
        skip_locked(
            session,
            select(DagModel).where(
                DagModel.is_active.is_(True),
                DagModel.is_paused.is_(False),
                DagModel.latest_dag_hash.isnot(None),
                or_(DagModel.next_dagrun_create_after.is_(None), DagModel.next_dagrun_create_after <= now),
            ),
        )
    ).all()
    created = 0
    timed = ("once", "cron", "timedelta")  # "none" never runs by itself; "assets" runs on asset updates
    scheduled = [dag for dag in dags if bag.get(session, dag.latest_dag_hash).schedule.kind in timed]
    if not scheduled:
        return 0
    last_runs = _last_scheduled(session, [dag.dag_id for dag in scheduled])
    active_runs = _active_runs(session, [dag.dag_id for dag in scheduled])
    for dag in scheduled:
        serialized = bag.get(session, dag.latest_dag_hash)
        timetable = timetable_for(serialized, intervals)
        active = active_runs[dag.dag_id]
        info = timetable.next_dagrun_info(last_runs.get(dag.dag_id), now)
        while info is not None and info.run_after <= now and active < serialized.max_active_runs:
            run = new_queued_run(session, dag, info.run_id, "scheduled", info, now, placement)
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
    intervals: DataIntervalSettings | None = None,
    logical_date: datetime | None = None,
    deployment_id: int | None = None,
) -> DagRunModel:
    """Queue a manual run of the DAG's latest version (``dags trigger``), pinned as ``placement`` says.

    ``logical_date`` (default: now) sets the run's data interval as the DAG's timetable infers it
    (without ``intervals`` they are read from the config of the environment and working directory,
    as a one-shot CLI command does); ``deployment_id`` pins the run to that (earlier) deployment's image
    instead of the current one's."""
    if not isinstance(conf, dict):
        raise TriggerError(f"--conf must be a JSON object, got {type(conf).__name__}")
    dag = session.get(DagModel, dag_id)
    if dag is None:
        raise TriggerError(f"unknown DAG {dag_id!r}; see `dagseal dags list`")
    if not dag.is_active or dag.latest_dag_hash is None:
        raise TriggerError(f"DAG {dag_id!r} is not active (no processor has parsed it recently)")
    validate_run_conf(SerializedDagBag().get(session, dag.latest_dag_hash), conf)
    logical_date = logical_date or now
    intervals = intervals or DataIntervalSettings.from_config(load_config())
    interval = timetable_for(
        SerializedDagBag().get(session, dag.latest_dag_hash), intervals
    ).manual_data_interval(logical_date)
    run_id = run_id or f"manual__{logical_date.isoformat()}"
    run = new_queued_run(
        session, dag, run_id, "manual", interval, now, placement, logical_date, deployment_id, conf=conf
    )
    if not _insert_run(session, run):
        raise TriggerError(f"DAG {dag_id!r} already has a run with run_id {run.run_id!r}")
    return run


def start_queued_runs(session: Session, bag: SerializedDagBag, now: datetime) -> int:
    """queued → running for runs whose DAG (or backfill) is under max_active_runs; creates their task
    instances (a run a backfill re-queued keeps its cleared ones)."""
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
                .where(DagRunModel.state == DagRunState.RUNNING.value, DagRunModel.backfill_id.is_(None))
                .group_by(DagRunModel.dag_id)
            ).all()
        )
    )
    started = 0
    gate = BackfillGate.load(session, queued)
    weights: dict[str, dict[str, int]] = {}
    for run in gate.order(queued):
        version = bag.version(session, run.dag_hash)
        serialized = version.dag
        if run.backfill_id is not None:
            if not gate.admit(run):
                continue
        elif running[run.dag_id] >= serialized.max_active_runs:
            continue
        started_before = run.start_date is not None
        moved = session.execute(
            update(DagRunModel)
            .where(DagRunModel.id == run.id, DagRunModel.state == DagRunState.QUEUED.value)
            .values(state=DagRunState.RUNNING.value, start_date=now, last_scheduling_decision=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            continue
        started += 1
        running[run.dag_id] += run.backfill_id is None
        if started_before:
            continue
        if run.dag_hash not in weights:
            weights[run.dag_hash] = priority_weights(version.tasks)
        session.add_all(
            TaskInstanceModel(
                dag_run_id=run.id,
                dag_id=run.dag_id,
                run_id=run.run_id,
                task_id=task.task_id,
                state=None,
                try_number=0,
                max_tries=task.retries,
                priority_weight=weights[run.dag_hash][task.task_id],
                pool=task.pool,
                pool_slots=task.pool_slots,
                image_digest=run.image_digest,
            )
            for task in serialized.tasks
        )
    return started
