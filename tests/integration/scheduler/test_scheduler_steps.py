"""Scheduler steps against a real DB (SQLite and PostgreSQL): runs, trigger rules, retries, timeouts,
zombies, stale DAGs, and the conditional updates that keep two schedulers from acting twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sched_helpers import noop, set_states, store_dag, ti_states
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import load_config
from dagseal.db.jobs import start_job
from dagseal.db.models import DagModel, DagRunModel, JobModel, JobType, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import (
    TriggerError,
    create_scheduled_runs,
    start_queued_runs,
    trigger_dag,
)
from dagseal.scheduler.dagrun_timeouts import time_out_runs
from dagseal.scheduler.host_tasks import NewRuns
from dagseal.scheduler.stale_dags import deactivate_stale_dags
from dagseal.scheduler.task_scheduling import queue_scheduled, schedule_running_runs
from dagseal.scheduler.zombies import handle_zombies, requeue_stranded
from dagseal.sdk import DAG, EmptyOperator, TriggerRule
from tests.callback_rows import take_callbacks

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLACEMENT = Placement(PlacementSettings())  # the process runtime: runs are not pinned to an image


def diamond(dag_id: str = "diamond", **dag_kwargs: object) -> DAG:
    with DAG(dag_id, **dag_kwargs) as dag:
        a = EmptyOperator(task_id="a", retries=1, retry_delay=timedelta(seconds=10), on_retry_callback=noop)
        b = EmptyOperator(task_id="b", on_failure_callback=noop)
        c = EmptyOperator(task_id="c")
        d = EmptyOperator(task_id="d", trigger_rule=TriggerRule.ALL_DONE)
        a >> [b, c] >> d
    return dag


def step(factory: sessionmaker[Session], now: datetime = NOW) -> list:
    """One scheduler pass without executor: start runs, decide tasks; returns the callback requests
    it committed."""
    bag = SerializedDagBag()
    with session_scope(factory) as session:
        create_scheduled_runs(session, bag, now, PLACEMENT)
        start_queued_runs(session, bag, now)
        schedule_running_runs(session, bag, now, NewRuns(PLACEMENT))
    return take_callbacks(factory)


def test_catchup_creates_runs_up_to_max_active_runs(session_factory: sessionmaker[Session]) -> None:
    dag = diamond(schedule="@daily", start_date=datetime(2026, 2, 20), catchup=True, max_active_runs=3)
    store_dag(session_factory, dag, NOW)
    step(session_factory)
    step(session_factory)  # a second pass must not add runs while three are active
    with session_scope(session_factory) as session:
        runs = session.scalars(select(DagRunModel).order_by(DagRunModel.logical_date)).all()
        assert [r.run_id for r in runs] == [
            "scheduled__2026-02-20T00:00:00+00:00",
            "scheduled__2026-02-21T00:00:00+00:00",
            "scheduled__2026-02-22T00:00:00+00:00",
        ]
        assert {r.state for r in runs} == {"running"}
        nxt = session.get(DagModel, "diamond").next_dagrun_create_after
        assert nxt == datetime(2026, 2, 23, tzinfo=UTC)  # a trigger timetable's run is due at its tick


def test_paused_dag_gets_no_runs(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond(schedule="@hourly", start_date=datetime(2026, 1, 1)), NOW)
    with session_scope(session_factory) as session:
        session.get(DagModel, "diamond").is_paused = True
    step(session_factory)
    with session_scope(session_factory) as session:
        assert session.scalars(select(DagRunModel)).all() == []


def test_run_is_pinned_to_the_version_it_started_with(session_factory: sessionmaker[Session]) -> None:
    old = store_dag(session_factory, diamond(), NOW, source="v1")
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {"x": 1}, NOW, PLACEMENT, run_id="r1")
    step(session_factory)
    with DAG("diamond") as changed:
        EmptyOperator(task_id="only")
    new = store_dag(session_factory, changed, NOW, source="v2")
    step(session_factory)
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="r2")
    step(session_factory)
    with session_scope(session_factory) as session:
        runs = {r.run_id: r for r in session.scalars(select(DagRunModel))}
        assert (runs["r1"].dag_hash, runs["r2"].dag_hash) == (old, new)
        assert runs["r1"].conf == {"x": 1}
        assert set(ti_states(session, "r1")) == {"a", "b", "c", "d"}
        assert set(ti_states(session, "r2")) == {"only"}


def test_trigger_errors_are_one_line(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond(), NOW)
    with session_scope(session_factory) as session:
        with pytest.raises(TriggerError, match="unknown DAG 'nope'"):
            trigger_dag(session, "nope", {}, NOW, PLACEMENT)
        with pytest.raises(TriggerError, match="JSON object"):
            trigger_dag(session, "diamond", [1], NOW, PLACEMENT)  # type: ignore[arg-type]
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="same")
    with session_scope(session_factory) as session, pytest.raises(TriggerError, match="already has a run"):
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="same")


def test_trigger_rules_drive_the_run_to_its_end(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond(on_failure_callback=noop), NOW)
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="r")
    step(session_factory)
    with session_scope(session_factory) as session:
        assert ti_states(session, "r") == {"a": "scheduled", "b": None, "c": None, "d": None}
        set_states(session, "r", {"a": "success"})
    step(session_factory)
    with session_scope(session_factory) as session:
        set_states(session, "r", {"b": "failed", "c": "success"})
    step(session_factory)
    with session_scope(session_factory) as session:
        assert ti_states(session, "r")["d"] == "scheduled"  # all_done runs after a failure
        set_states(session, "r", {"d": "success"})
    sent = step(session_factory)
    with session_scope(session_factory) as session:
        run = session.scalar(select(DagRunModel).where(DagRunModel.run_id == "r"))
        assert run.state == "success"  # the only leaf (d) succeeded
    assert sent == []  # the DAG has no success callback; failure callback is not due


def test_failed_leaf_fails_the_run_and_requests_the_dag_callback(
    session_factory: sessionmaker[Session],
) -> None:
    store_dag(session_factory, diamond(on_failure_callback=noop), NOW)
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="r")
    step(session_factory)
    with session_scope(session_factory) as session:
        set_states(session, "r", {"a": "failed"})
    step(session_factory)  # b, c → upstream_failed; d (all_done) → scheduled
    with session_scope(session_factory) as session:
        assert ti_states(session, "r") == {
            "a": "failed",
            "b": "upstream_failed",
            "c": "upstream_failed",
            "d": "scheduled",
        }
        set_states(session, "r", {"d": "failed"})
    sent = step(session_factory)
    assert [(r.kind, r.run_id, r.processor_subdir) for r in sent] == [("dag_failure", "r", "/dags")]
    assert step(session_factory) == []  # finished once, requested once


def test_retry_waits_for_retry_delay(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond(), NOW)
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="r")
    step(session_factory)
    with session_scope(session_factory) as session:
        set_states(session, "r", {"a": "up_for_retry"}, next_retry_at=NOW + timedelta(seconds=10))
    step(session_factory, NOW + timedelta(seconds=5))
    with session_scope(session_factory) as session:
        assert ti_states(session, "r")["a"] == "up_for_retry"
    step(session_factory, NOW + timedelta(seconds=11))
    with session_scope(session_factory) as session:
        assert ti_states(session, "r")["a"] == "scheduled"


def test_a_scheduled_try_is_queued_once(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond(), NOW)
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="r")
    step(session_factory)
    with session_scope(session_factory) as session:
        queued = queue_scheduled(session, 10, NOW)
    with session_scope(session_factory) as session:
        again = queue_scheduled(session, 10, NOW)
    assert [q.task_id for q in queued] == ["a"]
    assert again == []


def test_dagrun_timeout_fails_the_run_and_skips_unfinished(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond(dagrun_timeout=timedelta(minutes=5), on_failure_callback=noop), NOW)
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="r")
    step(session_factory)
    with session_scope(session_factory) as session:
        set_states(session, "r", {"a": "running"})
        assert time_out_runs(session, SerializedDagBag(), NOW + timedelta(minutes=4)) == 0
        assert time_out_runs(session, SerializedDagBag(), NOW + timedelta(minutes=6)) == 1
    sent = take_callbacks(session_factory)
    with session_scope(session_factory) as session:
        assert set(ti_states(session, "r").values()) == {"skipped"}
        assert session.scalar(select(DagRunModel.state)) == "failed"
    assert [(r.kind, r.msg) for r in sent] == [("dag_failure", "timed_out after 300 s")]


def test_zombie_goes_up_for_retry_then_fails(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond(), NOW)
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="r")
    step(session_factory)
    job_id = start_job(session_factory, JobType.LOCAL_TASK)
    with session_scope(session_factory) as session:
        session.get(JobModel, job_id).latest_heartbeat = NOW - timedelta(seconds=10)
        set_states(session, "r", {"a": "running", "b": "running"}, job_id=job_id, try_number=1)
    with session_scope(session_factory) as session:
        assert handle_zombies(session, SerializedDagBag(), NOW, threshold=30) == 0
        assert handle_zombies(session, SerializedDagBag(), NOW, threshold=5) == 2
        assert handle_zombies(session, SerializedDagBag(), NOW, threshold=5) == 0
    sent = take_callbacks(session_factory)
    with session_scope(session_factory) as session:
        states = ti_states(session, "r")
        assert (states["a"], states["b"]) == ("up_for_retry", "failed")  # a has retries=1, b none
        a = session.scalar(select(TaskInstanceModel).where(TaskInstanceModel.task_id == "a"))
        assert a.next_retry_at == NOW + timedelta(seconds=10)
    assert sorted((r.task_id, r.kind) for r in sent) == [("a", "task_retry"), ("b", "task_failure")]


def test_stranded_queued_try_goes_back_to_scheduled(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond(), NOW)
    with session_scope(session_factory) as session:
        trigger_dag(session, "diamond", {}, NOW, PLACEMENT, run_id="r")
    step(session_factory)
    with session_scope(session_factory) as session:
        queue_scheduled(session, 10, NOW)
    with session_scope(session_factory) as session:
        assert requeue_stranded(session, NOW + timedelta(seconds=2), threshold=5) == 0
        assert requeue_stranded(session, NOW + timedelta(seconds=6), threshold=5) == 1
        assert ti_states(session, "r")["a"] == "scheduled"


def test_stale_dags_become_inactive(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, diamond("fresh"), NOW)
    store_dag(session_factory, diamond("stale"), NOW - timedelta(hours=2))
    with session_scope(session_factory) as session:
        assert deactivate_stale_dags(session, NOW, threshold=3600) == 1
    with session_scope(session_factory) as session:
        active = dict(session.execute(select(DagModel.dag_id, DagModel.is_active)).all())
    assert active == {"fresh": True, "stale": False}


def test_scheduled_runs_are_pinned_by_the_schedulers_placement(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    image = "registry.example/team@sha256:" + "a" * 64
    config = load_config(
        environ={
            "DAGSEAL__CORE__TASK_EXECUTION_RUNTIME": "docker",
            "DAGSEAL__DOCKER_RUNTIME__IMAGE": image,
        },
        cwd=tmp_path,
    )
    store_dag(session_factory, diamond(schedule="@daily", start_date=datetime(2026, 2, 28)), NOW)
    with session_scope(session_factory) as session:
        assert create_scheduled_runs(session, SerializedDagBag(), NOW, Placement.from_config(config)) == 1
        assert session.scalars(select(DagRunModel.image_digest)).all() == [image]
