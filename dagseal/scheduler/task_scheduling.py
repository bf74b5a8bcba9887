"""Deciding task instances of running DAG runs, finishing runs, and queueing ready tries.

Per running run: retries whose delay passed → scheduled; ``none`` tasks → scheduled / skipped /
upstream_failed by their trigger rule (in topological order, so one pass settles a run); a run
whose tasks all finished → success or failed by its leaves. Every change is a conditional update.
"""

from __future__ import annotations

import logging
from datetime import datetime

from attrs import define
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dagseal.callbacks.outbox import add_callback_request
from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.lifecycle.callback_builder import dag_callback
from dagseal.lifecycle.handoff import QueuedTry
from dagseal.lifecycle.locking import move_task, skip_locked, task_state
from dagseal.lifecycle.states import FINISHED_TASK_STATES, DagRunState, TaskState
from dagseal.scheduler.concurrency import Candidate, QueueGate, Verdict
from dagseal.scheduler.dag_bag import DagVersion, SerializedDagBag
from dagseal.scheduler.end_callbacks import request_task_callback
from dagseal.scheduler.host_tasks import NewRuns, finish_host_task
from dagseal.scheduler.mapping_expansion import DEFAULT_MAX_MAP_LENGTH, expand_task
from dagseal.scheduler.past_deps import past_depends_met
from dagseal.scheduler.setup_teardown import setup_upstreams
from dagseal.scheduler.trigger_rules import Decision, evaluate

log = logging.getLogger(__name__)
MAX_DAGRUNS_PER_LOOP = 20  # [scheduler] max_dagruns_per_loop_to_schedule's default, as in Airflow
_CANDIDATES = 512  # scheduled tries looked at per pass, so tries blocked by a limit do not starve others

# Waiting until next_retry_at: a retry's delay, or a reschedule-mode sensor's next poke.
_WAITING = (TaskState.UP_FOR_RETRY, TaskState.UP_FOR_RESCHEDULE)

_DECISION_STATE = {
    Decision.RUN: TaskState.SCHEDULED,
    Decision.SKIP: TaskState.SKIPPED,
    Decision.UPSTREAM_FAILED: TaskState.UPSTREAM_FAILED,
}


@define
class _Ti:
    """The columns the scheduling pass reads, detached from the ORM so updates stay explicit."""

    id: int
    state: TaskState
    next_retry_at: datetime | None
    map_index: int = -1


def schedule_run(
    session: Session,
    run: DagRunModel,
    version: DagVersion,
    now: datetime,
    new_runs: NewRuns,
    max_map_length: int = DEFAULT_MAX_MAP_LENGTH,
) -> DagRunState | None:
    """One scheduling pass over a running run; returns its final state if this pass finished it.

    A task has one task instance, or one per map index once mapped (mapping_expansion.py); its
    downstream tasks see the states of all of them."""
    tis: dict[str, list[_Ti]] = {}
    for ti_id, task_id, map_index, state, next_retry_at in session.connection().execute(
        select(
            TaskInstanceModel.id,
            TaskInstanceModel.task_id,
            TaskInstanceModel.map_index,
            TaskInstanceModel.state,
            TaskInstanceModel.next_retry_at,
        )
        .where(TaskInstanceModel.dag_run_id == run.id)
        .order_by(TaskInstanceModel.map_index)
    ):
        tis.setdefault(task_id, []).append(_Ti(ti_id, task_state(state), next_retry_at, map_index))
    for task_id in version.order:
        task = version.tasks[task_id]
        for ti in tis.get(task_id, []):
            if ti.state in _WAITING and ti.next_retry_at is not None and ti.next_retry_at <= now:
                if move_task(session, ti.id, [ti.state], TaskState.SCHEDULED, scheduled_dttm=now):
                    ti.state = TaskState.SCHEDULED
                continue
            if ti.state is not TaskState.NONE:
                continue
            upstream = [up_ti.state for up in task.upstream_task_ids for up_ti in tis.get(up, [])]
            setups = [up_ti.state for up in setup_upstreams(task, version.tasks) for up_ti in tis.get(up, [])]
            decision = evaluate(task.trigger_rule, upstream, setups)
            if decision is Decision.WAIT or (
                decision is Decision.RUN and not past_depends_met(session, run, task)
            ):
                continue
            if decision is Decision.RUN and task.expand_input is not None and ti.map_index == -1:
                counts = {up: len(tis.get(up, [])) for up in task.upstream_task_ids}
                expanded = expand_task(session, ti.id, task, version.tasks, counts, now, max_map_length)
                if expanded is not None:
                    tis[task_id] = [_Ti(i, state, None, index) for i, index, state in expanded]
                break
            if decision is Decision.RUN and task.host_operator is not None:
                finish_host_task(session, run, version.dag, task, ti, tis, now, new_runs)
                continue
            target = _DECISION_STATE[decision]
            extra = {"scheduled_dttm": now} if target is TaskState.SCHEDULED else {"end_date": now}
            if move_task(session, ti.id, [TaskState.NONE], target, **extra):
                ti.state = target
    session.connection().execute(
        update(DagRunModel).where(DagRunModel.id == run.id).values(last_scheduling_decision=now)
    )
    every = [ti for group in tis.values() for ti in group]
    if not all(ti.state in FINISHED_TASK_STATES for ti in every):
        return None
    leaves = [ti for task_id in version.leaves for ti in tis.get(task_id, [])]
    failed = any(ti.state in (TaskState.FAILED, TaskState.UPSTREAM_FAILED) for ti in leaves)
    final = DagRunState.FAILED if failed else DagRunState.SUCCESS
    return final if finish_run(session, run, final, now) else None


def finish_run(session: Session, run: DagRunModel, final: DagRunState, now: datetime) -> bool:
    """running → success/failed, exactly once; True if this call made the change."""
    moved = (
        session.connection()
        .execute(
            update(DagRunModel)
            .where(DagRunModel.id == run.id, DagRunModel.state == DagRunState.RUNNING.value)
            .values(state=final.value, end_date=now)
        )
        .rowcount
    )
    return moved == 1


def schedule_running_runs(
    session: Session,
    bag: SerializedDagBag,
    now: datetime,
    new_runs: NewRuns,
    limit: int = MAX_DAGRUNS_PER_LOOP,
    max_map_length: int = DEFAULT_MAX_MAP_LENGTH,
) -> int:
    """Schedule up to ``limit`` running runs (least recently decided first; ``[scheduler]
    max_dagruns_per_loop_to_schedule``); returns runs finished; ``new_runs`` pins the runs host
    operators trigger.

    A finished run's DAG callback request is added to the same transaction as its end."""
    runs = session.scalars(
        skip_locked(
            session,
            select(DagRunModel)
            .where(DagRunModel.state == DagRunState.RUNNING.value)
            .order_by(DagRunModel.last_scheduling_decision.asc().nulls_first(), DagRunModel.id)
            .limit(limit),
        )
    ).all()
    finished = 0
    for run in runs:
        version = bag.version(session, run.dag_hash)
        final = schedule_run(session, run, version, now, new_runs, max_map_length)
        if final is None:
            continue
        finished += 1
        dag_row = session.get(DagModel, run.dag_id)
        request = dag_row and dag_callback(
            dag_row, version.dag, run, final is DagRunState.SUCCESS, msg=f"run {final.value}"
        )
        if request:
            add_callback_request(session, request)
    return finished


def queue_scheduled(
    session: Session, limit: int, now: datetime, bag: SerializedDagBag | None = None
) -> list[QueuedTry]:
    """scheduled → queued for up to ``limit`` tries, highest priority first, oldest first, within
    pools and the DAGs' and tasks' concurrency limits; a try whose pool does not exist fails (with
    its failure callback request in the same transaction)."""
    if limit <= 0:
        return []
    bag = bag or SerializedDagBag()
    rows = (
        session.connection()
        .execute(
            skip_locked(
                session,
                select(
                    TaskInstanceModel.id,
                    TaskInstanceModel.dag_id,
                    TaskInstanceModel.run_id,
                    TaskInstanceModel.task_id,
                    TaskInstanceModel.dag_run_id,
                    TaskInstanceModel.pool,
                    TaskInstanceModel.pool_slots,
                    DagRunModel.dag_hash,
                )
                .join(DagRunModel, DagRunModel.id == TaskInstanceModel.dag_run_id)
                .where(
                    TaskInstanceModel.state == TaskState.SCHEDULED.value,
                    DagRunModel.state == DagRunState.RUNNING.value,
                )
                .order_by(
                    TaskInstanceModel.priority_weight.desc(),
                    TaskInstanceModel.scheduled_dttm,
                    TaskInstanceModel.id,
                )
                .limit(max(limit, _CANDIDATES)),
                of=TaskInstanceModel,
            )
        )
        .all()
    )
    if not rows:  # most passes: no pool lock and no counting
        return []
    gate = QueueGate(session)
    queued: list[QueuedTry] = []
    for *fields, dag_hash in rows:
        if len(queued) >= limit:
            break
        candidate = Candidate(*fields)
        version = bag.version(session, dag_hash)
        verdict, reason = gate.verdict(candidate, version.dag, version.tasks[candidate.task_id])
        if verdict is Verdict.FAIL:
            log.warning(
                "task instance %s (%s.%s): %s", candidate.ti_id, candidate.dag_id, candidate.task_id, reason
            )
            if move_task(
                session, candidate.ti_id, [TaskState.SCHEDULED], TaskState.FAILED, end_date=now, error=reason
            ):
                request_task_callback(session, version.dag, candidate.ti_id, "task_failure", reason)
        elif verdict is Verdict.QUEUE and move_task(
            session, candidate.ti_id, [TaskState.SCHEDULED], TaskState.QUEUED, queued_dttm=now
        ):
            gate.take(candidate)
            queued.append(QueuedTry(candidate.ti_id, candidate.dag_id, candidate.run_id, candidate.task_id))
    return queued
