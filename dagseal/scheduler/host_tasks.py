"""The scheduler's own operators (``dagseal.sdk.host_operators``): decided from the database, with
no user code and no sandbox. A host task waits in state ``none`` (its first check stamps
``start_date``) until it decides; then it finishes as a task would."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from attrs import frozen
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.errors import DagsealError
from dagseal.lifecycle.locking import move_task
from dagseal.lifecycle.states import TaskState
from dagseal.placement import Placement
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.scheduler.data_intervals import DEFAULT_DATA_INTERVALS, DataIntervalSettings
from dagseal.scheduler.end_callbacks import request_task_callback
from dagseal.serialization import SerializedDag, SerializedTask


@frozen
class NewRuns:
    """How a run a host operator triggers is pinned and read, as the scheduler's own runs are."""

    placement: Placement
    intervals: DataIntervalSettings = DEFAULT_DATA_INTERVALS


@frozen
class HostOutcome:
    state: TaskState
    error: str | None = None
    return_value: Any = None
    skip_downstream: bool = False


def run_host_task(
    session: Session, run: DagRunModel, task: SerializedTask, ti_id: int, now: datetime, new_runs: NewRuns
) -> HostOutcome | None:
    """The task's outcome, or None while it waits."""
    spec = task.host_operator or {}
    started = _first_check(session, ti_id, now)
    kind = spec.get("kind")
    if kind == "latest_only":
        return _latest_only(session, run, now)
    if kind == "external_task":
        return _external_task(session, run, spec, started, now)
    if kind == "trigger_dag_run":
        return _trigger_dag_run(session, run, spec, ti_id, now, new_runs)
    return HostOutcome(
        TaskState.FAILED, error=f"unknown host operator {kind!r}; is the scheduler older than the SDK?"
    )


def _first_check(session: Session, ti_id: int, now: datetime) -> datetime:
    started = session.scalar(select(TaskInstanceModel.start_date).where(TaskInstanceModel.id == ti_id))
    if started is None:
        session.execute(update(TaskInstanceModel).where(TaskInstanceModel.id == ti_id).values(start_date=now))
        return now
    return started


def _latest_only(session: Session, run: DagRunModel, now: datetime) -> HostOutcome:
    """Latest: no newer scheduled run exists and none is due yet."""
    if run.run_type == "manual":
        return HostOutcome(TaskState.SUCCESS)
    newer = session.scalar(
        select(DagRunModel.id)
        .where(
            DagRunModel.dag_id == run.dag_id,
            DagRunModel.run_type == "scheduled",
            DagRunModel.logical_date > run.logical_date,
        )
        .limit(1)
    )
    next_due = session.scalar(select(DagModel.next_dagrun_create_after).where(DagModel.dag_id == run.dag_id))
    latest = run.run_type == "scheduled" and newer is None and (next_due is None or next_due > now)
    return HostOutcome(TaskState.SUCCESS, skip_downstream=not latest)


def _external_task(
    session: Session, run: DagRunModel, spec: dict[str, Any], started: datetime, now: datetime
) -> HostOutcome | None:
    if run.logical_date is None:
        return HostOutcome(TaskState.FAILED, error="ExternalTaskSensor needs a run with a logical date")
    target = run.logical_date - timedelta(seconds=spec["execution_delta"])
    other = session.scalar(
        select(DagRunModel).where(
            DagRunModel.dag_id == spec["external_dag_id"], DagRunModel.logical_date == target
        )
    )
    state = None
    if other is not None and spec["external_task_id"]:
        state = session.scalar(
            select(TaskInstanceModel.state).where(
                TaskInstanceModel.dag_run_id == other.id,
                TaskInstanceModel.task_id == spec["external_task_id"],
            )
        )
    elif other is not None:
        state = other.state
    what = f"{spec['external_dag_id']}.{spec['external_task_id'] or '(run)'} at {target.isoformat()}"
    if state in spec["allowed_states"]:
        return HostOutcome(TaskState.SUCCESS)
    if state in spec["failed_states"]:
        message = f"{what} is {state}"
        return HostOutcome(TaskState.SKIPPED if spec["soft_fail"] else TaskState.FAILED, error=message)
    if (now - started).total_seconds() > spec["timeout"]:
        message = f"sensor timed out after {spec['timeout']:g}s waiting for {what} (now {state or 'absent'})"
        return HostOutcome(TaskState.SKIPPED if spec["soft_fail"] else TaskState.FAILED, error=message)
    return None


def _trigger_dag_run(
    session: Session, run: DagRunModel, spec: dict[str, Any], ti_id: int, now: datetime, new_runs: NewRuns
) -> HostOutcome | None:
    stored = session.scalar(select(TaskInstanceModel.return_value).where(TaskInstanceModel.id == ti_id))
    if stored is None:
        logical = datetime.fromisoformat(spec["logical_date"]) if spec["logical_date"] else now
        try:
            with session.begin_nested():
                triggered = trigger_dag(
                    session,
                    spec["trigger_dag_id"],
                    dict(spec["conf"]),
                    now,
                    new_runs.placement,
                    spec["trigger_run_id"],
                    intervals=new_runs.intervals,
                    logical_date=logical,
                )
        except DagsealError as exc:
            return HostOutcome(TaskState.FAILED, error=str(exc))
        value = {"trigger_run_id": triggered.run_id, "trigger_dag_id": spec["trigger_dag_id"]}
        session.execute(
            update(TaskInstanceModel)
            .where(TaskInstanceModel.id == ti_id)
            .values(return_value=json.dumps(value))
        )
        if not spec["wait_for_completion"]:
            return HostOutcome(TaskState.SUCCESS, return_value=value)
        return None
    value = json.loads(stored)
    state = session.scalar(
        select(DagRunModel.state).where(
            DagRunModel.dag_id == value["trigger_dag_id"], DagRunModel.run_id == value["trigger_run_id"]
        )
    )
    if state in spec["allowed_states"]:
        return HostOutcome(TaskState.SUCCESS, return_value=value)
    if state in spec["failed_states"]:
        return HostOutcome(
            TaskState.FAILED, error=f"triggered run {value['trigger_run_id']} is {state}", return_value=value
        )
    return None


def finish_host_task(
    session: Session,
    run: DagRunModel,
    dag: SerializedDag,
    task: SerializedTask,
    ti: Any,
    tis: dict[str, list[Any]],
    now: datetime,
    new_runs: NewRuns,
) -> None:
    """Decide a host task whose dependencies are met; ``ti`` and ``tis`` (task_id → the pass's views,
    one per map index, with ``id`` and ``state``) are updated for it and any downstream task it
    skips. Its success or failure callback request joins the transaction of its end."""
    ti_id = ti.id
    outcome = run_host_task(session, run, task, ti_id, now, new_runs)
    if outcome is None:
        return
    values: dict[str, Any] = {"end_date": now, "error": outcome.error, "try_number": 1}
    if outcome.return_value is not None:
        values["return_value"] = json.dumps(outcome.return_value)
    if not move_task(session, ti_id, [TaskState.NONE], outcome.state, **values):
        return
    ti.state = outcome.state
    kind = {TaskState.SUCCESS: "task_success", TaskState.FAILED: "task_failure"}.get(outcome.state)
    if kind is not None:
        request_task_callback(session, dag, ti_id, kind, outcome.error)
    if outcome.skip_downstream:
        for child in task.downstream_task_ids:
            for view in tis.get(child, []):
                if move_task(session, view.id, [TaskState.NONE], TaskState.SKIPPED, end_date=now):
                    view.state = TaskState.SKIPPED
