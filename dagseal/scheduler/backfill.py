"""Scheduler-managed backfill (Airflow 3, AIP-78): plan, create and cancel a backfill.

``create_backfill`` lists the DAG's schedule points whose logical date lies in ``[from_date,
to_date]`` (not after now), decides per date whether to create a run, re-run an existing one
(``--reprocess-behavior``) or leave it (its reason goes to ``backfill_dag_run``), and queues the
runs with ``run_type = backfill``. The scheduler starts them (``backfill_runs.BackfillGate``)
within the backfill's own ``max_active_runs``, apart from the DAG's scheduled runs, and whether
the DAG is paused or not. New runs are pinned like any new run: the DAG's latest version and the
current deployment's image.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from attrs import frozen
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dagseal.db.models import BackfillDagRunModel, BackfillModel, DagModel, DagRunModel
from dagseal.errors import DagsealError
from dagseal.lifecycle.states import DagRunState
from dagseal.placement import Placement
from dagseal.scheduler.clearing import reset_task_instances
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import _insert_run, new_queued_run, timetable_for
from dagseal.scheduler.data_intervals import DataIntervalSettings
from dagseal.scheduler.end_callbacks import request_run_failure_callback
from dagseal.scheduler.timetable import DagRunInfo

REPROCESS_BEHAVIORS = ("none", "failed", "completed")
BACKFILL_RUN_TYPE = "backfill"
_FINISHED = (DagRunState.SUCCESS.value, DagRunState.FAILED.value)

Action = Literal["create", "reprocess", "skip"]


class BackfillError(DagsealError):
    """A backfill cannot be created or cancelled; the message says which and why."""


@frozen
class PlannedRun:
    """One logical date of a backfill and what the backfill does with it."""

    logical_date: datetime
    data_interval_start: datetime
    data_interval_end: datetime
    action: Action
    reason: str | None = None  # why a date is skipped: "already exists" | "in flight"
    existing: DagRunModel | None = None


def _skip_reason(existing: DagRunModel, reprocess_behavior: str) -> str | None:
    """Why an existing run is left alone, or None to re-run it (Airflow's rules)."""
    if existing.state not in _FINISHED:
        return "in flight"
    if reprocess_behavior == "none":
        return "already exists"
    if reprocess_behavior == "failed" and existing.state != DagRunState.FAILED.value:
        return "already exists"
    return None


def plan_backfill(
    session: Session,
    dag_id: str,
    from_date: datetime,
    to_date: datetime,
    *,
    reprocess_behavior: str,
    run_backwards: bool,
    now: datetime,
    intervals: DataIntervalSettings,
) -> list[PlannedRun]:
    """The backfill's logical dates in the order its runs start, each with its action; none is an error."""
    if reprocess_behavior not in REPROCESS_BEHAVIORS:
        raise BackfillError(
            f"--reprocess-behavior {reprocess_behavior!r}: use one of {', '.join(REPROCESS_BEHAVIORS)}"
        )
    if from_date > to_date:
        raise BackfillError(f"--from-date {from_date.isoformat()} is after --to-date {to_date.isoformat()}")
    if from_date > now:
        raise BackfillError(
            f"--from-date {from_date.isoformat()} is in the future; a backfill covers the past"
        )
    dag = session.get(DagModel, dag_id)
    if dag is None or dag.latest_dag_hash is None:
        raise BackfillError(f"unknown DAG {dag_id!r}; see `dagseal dags list`")
    serialized = SerializedDagBag().get(session, dag.latest_dag_hash)
    if serialized.schedule.kind not in ("cron", "timedelta"):
        raise BackfillError(
            f"DAG {dag_id!r} has schedule {serialized.schedule.kind!r}: backfill needs a cron or timedelta"
        )
    ticks = timetable_for(serialized, intervals).ticks_between(from_date, min(to_date, now))
    if not ticks:
        raise BackfillError(
            f"DAG {dag_id!r} has no schedule points from {from_date.isoformat()} to {to_date.isoformat()}: "
            "nothing to backfill"
        )
    existing = {
        run.logical_date: run
        for run in session.scalars(
            select(DagRunModel)
            .where(
                DagRunModel.dag_id == dag_id,
                DagRunModel.logical_date.in_([tick.logical_date for tick in ticks]),
            )
            .order_by(DagRunModel.id)
        )
    }
    planned = []
    for tick in reversed(ticks) if run_backwards else ticks:
        run = existing.get(tick.logical_date)
        reason = None if run is None else _skip_reason(run, reprocess_behavior)
        action: Action = "create" if run is None else "skip" if reason else "reprocess"
        planned.append(
            PlannedRun(
                tick.logical_date, tick.data_interval_start, tick.data_interval_end, action, reason, run
            )
        )
    return planned


def create_backfill(
    session: Session,
    dag_id: str,
    from_date: datetime,
    to_date: datetime,
    *,
    now: datetime,
    intervals: DataIntervalSettings,
    placement: Placement,
    reprocess_behavior: str = "none",
    max_active_runs: int | None = None,
    run_backwards: bool = False,
    dag_run_conf: dict[str, Any] | None = None,
    user: str | None = None,
) -> tuple[BackfillModel, list[PlannedRun]]:
    """Create the backfill row and queue its runs (an empty range is a BackfillError saying so)."""
    if dag_run_conf is not None and not isinstance(dag_run_conf, dict):
        raise BackfillError(f"--dag-run-conf must be a JSON object, got {type(dag_run_conf).__name__}")
    if max_active_runs is not None and max_active_runs < 1:
        raise BackfillError(f"--max-active-runs must be at least 1, got {max_active_runs}")
    active = session.scalar(
        select(BackfillModel.id).where(BackfillModel.dag_id == dag_id, BackfillModel.completed_at.is_(None))
    )
    if active is not None:
        raise BackfillError(f"DAG {dag_id!r} already has an active backfill (id {active}); cancel it first")
    planned = plan_backfill(
        session,
        dag_id,
        from_date,
        to_date,
        reprocess_behavior=reprocess_behavior,
        run_backwards=run_backwards,
        now=now,
        intervals=intervals,
    )
    dag = session.get(DagModel, dag_id)
    assert dag is not None and dag.latest_dag_hash is not None  # plan_backfill checked both
    backfill = BackfillModel(
        dag_id=dag_id,
        from_date=from_date,
        to_date=to_date,
        dag_run_conf=dag_run_conf or {},
        reprocess_behavior=reprocess_behavior,
        max_active_runs=max_active_runs
        or SerializedDagBag().get(session, dag.latest_dag_hash).max_active_runs,
        run_backwards=run_backwards,
        created_at=now,
        updated_at=now,
        triggering_user_name=user,
    )
    session.add(backfill)
    session.flush()
    for ordinal, item in enumerate(planned):
        run = _queue(session, backfill, dag, item, now, placement)
        session.add(
            BackfillDagRunModel(
                backfill_id=backfill.id,
                dag_run_id=None if run is None else run.id,
                exception_reason=item.reason,
                logical_date=item.logical_date,
                sort_ordinal=ordinal,
            )
        )
    return backfill, planned


def _queue(
    session: Session,
    backfill: BackfillModel,
    dag: DagModel,
    item: PlannedRun,
    now: datetime,
    placement: Placement,
) -> DagRunModel | None:
    """Queue a new run for ``item``, or clear its existing run into this backfill; None when skipped."""
    if item.action == "skip":
        return None
    if item.existing is not None:
        run = item.existing
        version = SerializedDagBag().get(session, run.dag_hash)
        reset_task_instances(session, run, version, {task.task_id for task in version.tasks})
        run.state = DagRunState.QUEUED.value
        run.end_date = None
        run.backfill_id = backfill.id
        run.run_type = BACKFILL_RUN_TYPE
        return run
    interval = DagRunInfo(item.data_interval_start, item.data_interval_end)
    run = new_queued_run(
        session,
        dag,
        f"backfill__{item.logical_date.isoformat()}",
        BACKFILL_RUN_TYPE,
        interval,
        now,
        placement,
        item.logical_date,
        conf=dict(backfill.dag_run_conf),
        backfill_id=backfill.id,
    )
    if not _insert_run(session, run):
        raise BackfillError(f"DAG {dag.dag_id!r} already has a run {run.run_id!r}")
    return run


def cancel_backfill(session: Session, backfill_id: int, now: datetime) -> int:
    """Stop a backfill: its queued runs fail, running ones finish; returns how many runs were failed."""
    backfill = session.get(BackfillModel, backfill_id)
    if backfill is None:
        raise BackfillError(f"no backfill with id {backfill_id}; see `dagseal backfill list`")
    if backfill.completed_at is not None:
        raise BackfillError(
            f"backfill {backfill_id} already completed at {backfill.completed_at.isoformat()}"
        )
    backfill.is_paused = True
    backfill.completed_at = now
    queued = session.scalars(
        select(DagRunModel)
        .where(DagRunModel.backfill_id == backfill_id, DagRunModel.state == DagRunState.QUEUED.value)
        .order_by(DagRunModel.logical_date)
    ).all()
    bag = SerializedDagBag()
    failed = 0
    for run in queued:
        moved = session.execute(
            update(DagRunModel)
            .where(DagRunModel.id == run.id, DagRunModel.state == DagRunState.QUEUED.value)
            .values(state=DagRunState.FAILED.value, end_date=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            continue
        failed += 1
        session.refresh(run)
        message = f"backfill {backfill_id} cancelled"
        request_run_failure_callback(session, bag.get(session, run.dag_hash), run, message)
    return failed
