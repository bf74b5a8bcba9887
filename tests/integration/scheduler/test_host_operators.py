"""Operators the scheduler carries out itself (no sandbox): ExternalTaskSensor, TriggerDagRunOperator,
LatestOnlyOperator, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sched_helpers import noop, set_states, store_dag, ti_states
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import start_queued_runs, trigger_dag
from dagseal.scheduler.host_tasks import NewRuns
from dagseal.scheduler.task_scheduling import schedule_running_runs
from dagseal.sdk import (
    DAG,
    DagDefinitionError,
    EmptyOperator,
    ExternalTaskSensor,
    LatestOnlyOperator,
    TriggerDagRunOperator,
)
from tests.callback_rows import take_callbacks

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = datetime(2026, 3, 1, tzinfo=UTC)
PLACEMENT = Placement(PlacementSettings())  # the process runtime


def step(factory: sessionmaker[Session], now: datetime = NOW) -> None:
    with session_scope(factory) as session:
        start_queued_runs(session, SerializedDagBag(), now)
    with session_scope(factory) as session:
        schedule_running_runs(session, SerializedDagBag(), now, NewRuns(PLACEMENT))


def trigger(factory: sessionmaker[Session], dag_id: str, run_id: str, logical_date: datetime = DAY) -> None:
    with session_scope(factory) as session:
        trigger_dag(session, dag_id, {}, NOW, PLACEMENT, run_id=run_id, logical_date=logical_date)


def test_external_task_sensor_waits_for_the_other_dags_task(session_factory: sessionmaker[Session]) -> None:
    with DAG("up") as up:
        EmptyOperator(task_id="t")
    with DAG("down") as down:
        ExternalTaskSensor(task_id="wait", external_dag_id="up", external_task_id="t") >> EmptyOperator(
            task_id="after"
        )
    store_dag(session_factory, up, NOW)
    store_dag(session_factory, down, NOW)
    trigger(session_factory, "up", "u")
    trigger(session_factory, "down", "d")
    step(session_factory)
    with session_scope(session_factory) as session:
        assert ti_states(session, "d") == {"wait": None, "after": None}  # waiting, no slot, no sandbox
        set_states(session, "u", {"t": "success"})
    step(session_factory)
    with session_scope(session_factory) as session:
        assert ti_states(session, "d") == {"wait": "success", "after": "scheduled"}


def test_external_task_sensor_times_out_by_its_first_check(session_factory: sessionmaker[Session]) -> None:
    with DAG("down") as down:
        ExternalTaskSensor(task_id="wait", external_dag_id="up", timeout=60, soft_fail=True)
    store_dag(session_factory, down, NOW)
    trigger(session_factory, "down", "d")
    step(session_factory)
    step(session_factory, NOW + timedelta(seconds=61))
    with session_scope(session_factory) as session:
        ti = session.scalars(select(TaskInstanceModel)).one()
        assert ti.state == "skipped"
        assert (
            ti.error
            == "sensor timed out after 60s waiting for up.(run) at 2026-03-01T00:00:00+00:00 (now absent)"
        )


def test_trigger_dag_run_waits_for_completion(session_factory: sessionmaker[Session]) -> None:
    with DAG("child") as child:
        EmptyOperator(task_id="c")
    with DAG("parent") as parent:
        TriggerDagRunOperator(task_id="go", trigger_dag_id="child", conf={"k": 1}, wait_for_completion=True)
    store_dag(session_factory, child, NOW)
    store_dag(session_factory, parent, NOW)
    trigger(session_factory, "parent", "p")
    step(session_factory)
    with session_scope(session_factory) as session:
        (run,) = session.scalars(select(DagRunModel).where(DagRunModel.dag_id == "child")).all()
        assert run.conf == {"k": 1}
        assert ti_states(session, "p") == {"go": None}
        session.execute(update(DagRunModel).where(DagRunModel.id == run.id).values(state="success"))
    step(session_factory)
    with session_scope(session_factory) as session:
        ti = session.scalars(select(TaskInstanceModel).where(TaskInstanceModel.run_id == "p")).one()
        assert ti.state == "success"
        assert json.loads(ti.return_value) == {"trigger_run_id": run.run_id, "trigger_dag_id": "child"}


def test_trigger_dag_run_of_an_unknown_dag_fails_with_the_reason(
    session_factory: sessionmaker[Session],
) -> None:
    with DAG("parent") as parent:
        TriggerDagRunOperator(task_id="go", trigger_dag_id="nope")
    store_dag(session_factory, parent, NOW)
    trigger(session_factory, "parent", "p")
    step(session_factory)
    with session_scope(session_factory) as session:
        ti = session.scalars(select(TaskInstanceModel)).one()
        assert (ti.state, ti.error) == ("failed", "unknown DAG 'nope'; see `dagseal dags list`")


def test_a_host_operator_end_requests_its_callback_in_the_same_pass(
    session_factory: sessionmaker[Session],
) -> None:
    with DAG("parent") as parent:
        TriggerDagRunOperator(task_id="go", trigger_dag_id="nope", on_failure_callback=noop)
    store_dag(session_factory, parent, NOW)
    trigger(session_factory, "parent", "p")
    step(session_factory)
    sent = take_callbacks(session_factory)
    assert [(r.kind, r.task_id, r.msg) for r in sent] == [
        ("task_failure", "go", "unknown DAG 'nope'; see `dagseal dags list`")
    ]


def test_latest_only_skips_downstream_of_older_scheduled_runs(session_factory: sessionmaker[Session]) -> None:
    with DAG("lo", schedule="@daily", start_date=datetime(2026, 2, 1)) as dag:
        LatestOnlyOperator(task_id="latest") >> EmptyOperator(task_id="work")
    store_dag(session_factory, dag, NOW)
    with session_scope(session_factory) as session:
        version = session.get(DagModel, "lo").latest_dag_hash
        session.get(DagModel, "lo").next_dagrun_create_after = DAY + timedelta(days=1)
        for day in (DAY - timedelta(days=1), DAY):
            session.add(
                DagRunModel(
                    dag_id="lo",
                    run_id=f"s{day.day}",
                    run_type="scheduled",
                    logical_date=day,
                    data_interval_start=day,
                    data_interval_end=day,
                    state="queued",
                    dag_hash=version,
                    conf={},
                )
            )
    trigger(session_factory, "lo", "m", DAY - timedelta(days=5))
    step(session_factory)
    with session_scope(session_factory) as session:
        assert ti_states(session, "s28") == {"latest": "success", "work": "skipped"}
        assert ti_states(session, "s1") == {"latest": "success", "work": "scheduled"}
        assert ti_states(session, "m") == {"latest": "success", "work": "scheduled"}  # manual runs go on


def test_host_operator_arguments_that_need_user_code_are_refused() -> None:
    with pytest.raises(DagDefinitionError, match="execution_date_fn is user code"), DAG("x"):
        ExternalTaskSensor(task_id="w", external_dag_id="up", execution_date_fn=lambda d: d)
    with pytest.raises(DagDefinitionError, match="allowed_states has unknown state 'done'"), DAG("y"):
        ExternalTaskSensor(task_id="w", external_dag_id="up", allowed_states=["done"])
