"""Pools, max_active_tasks, max_active_tis_per_dag(run), priority weight rules, depends_on_past and
retry backoff, on SQLite and PostgreSQL (and two schedulers queueing at once on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sched_helpers import as_two_schedulers, noop, set_states, store_dag, ti_states
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.lifecycle.retry_delay import retry_delay_seconds
from dagseal.placement import Placement, PlacementSettings
from dagseal.processor.pool_check import pool_slots_problem
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import start_queued_runs, trigger_dag
from dagseal.scheduler.host_tasks import NewRuns
from dagseal.scheduler.pools import PoolError, delete_pool, set_pool
from dagseal.scheduler.task_scheduling import queue_scheduled, schedule_running_runs
from dagseal.sdk import DAG, DagDefinitionError, EmptyOperator, task
from dagseal.serialization import SerializedTask, dag_envelope, serialize_dag
from tests.callback_rows import take_callbacks

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLACEMENT = Placement(PlacementSettings())  # the process runtime
NEW_RUNS = NewRuns(PLACEMENT)


def fan(dag_id: str = "fan", n: int = 4, dag_kwargs: dict | None = None, **task_kwargs: object) -> DAG:
    with DAG(dag_id, **(dag_kwargs or {})) as dag:
        for i in range(n):
            EmptyOperator(task_id=f"t{i}", **task_kwargs)
    return dag


def run_and_schedule(factory: sessionmaker[Session], dag_id: str, *run_ids: str) -> None:
    with session_scope(factory) as session:
        for number, run_id in enumerate(run_ids):
            trigger_dag(session, dag_id, {}, NOW + timedelta(minutes=number), PLACEMENT, run_id=run_id)
    with session_scope(factory) as session:
        start_queued_runs(session, SerializedDagBag(), NOW)
    with session_scope(factory) as session:
        schedule_running_runs(session, SerializedDagBag(), NOW, NEW_RUNS)


def queue(factory: sessionmaker[Session], limit: int = 10) -> list[str]:
    with session_scope(factory) as session:
        return sorted(f"{q.run_id}.{q.task_id}" for q in queue_scheduled(session, limit, NOW))


def test_a_pool_caps_queued_and_running_tries_by_slots(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        set_pool(session, "p", 3)
    with DAG("fan") as dag:
        EmptyOperator(task_id="big", pool="p", pool_slots=2, priority_weight=10)
        for i in range(3):
            EmptyOperator(task_id=f"t{i}", pool="p")
    store_dag(session_factory, dag, NOW)
    run_and_schedule(session_factory, "fan", "r")
    assert queue(session_factory) == ["r.big", "r.t0"]  # 2 + 1 slots of 3
    assert queue(session_factory) == []
    with session_scope(session_factory) as session:
        set_states(session, "r", {"big": "success"})
    assert queue(session_factory) == ["r.t1", "r.t2"]


def test_a_missing_pool_fails_the_task_at_queueing(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, fan(n=1, pool="nowhere"), NOW)
    run_and_schedule(session_factory, "fan", "r")
    assert queue(session_factory) == []
    with session_scope(session_factory) as session:
        ti = session.scalars(select(TaskInstanceModel)).one()
        assert ti.state == "failed"
        assert ti.error == "pool 'nowhere' does not exist; create it with `dagseal pools set`"
        schedule_running_runs(session, SerializedDagBag(), NOW, NEW_RUNS)
        assert session.scalars(select(DagRunModel.state)).one() == "failed"


def test_a_missing_pool_requests_the_failure_callback_with_the_failure(
    session_factory: sessionmaker[Session],
) -> None:
    store_dag(session_factory, fan(n=1, pool="nowhere", on_failure_callback=noop), NOW)
    run_and_schedule(session_factory, "fan", "r")
    assert take_callbacks(session_factory) == []
    assert queue(session_factory) == []
    sent = take_callbacks(session_factory)  # committed with the queueing pass that failed it
    assert [(r.kind, r.task_id, r.msg) for r in sent] == [
        ("task_failure", "t0", "pool 'nowhere' does not exist; create it with `dagseal pools set`")
    ]


def test_max_active_tasks_caps_a_dag_across_its_runs(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, fan(n=3, dag_kwargs={"max_active_tasks": 4}), NOW)
    run_and_schedule(session_factory, "fan", "r1", "r2")
    assert len(queue(session_factory)) == 4
    assert queue(session_factory) == []


def test_max_active_tis_per_dag_caps_one_task_across_runs(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, fan(n=1, max_active_tis_per_dag=1), NOW)
    run_and_schedule(session_factory, "fan", "r1", "r2")
    assert queue(session_factory) == ["r1.t0"]
    with session_scope(session_factory) as session:
        set_states(session, "r1", {"t0": "success"})
    assert queue(session_factory) == ["r2.t0"]


def test_max_active_tis_per_dagrun_caps_one_task_within_each_run(
    session_factory: sessionmaker[Session],
) -> None:
    """A mapped task's instances share a run: at most one at a time per run, each run apart."""
    with DAG("mapped") as dag:

        @task(max_active_tis_per_dagrun=1)
        def double(x: int) -> int:
            return 2 * x

        double.expand(x=[1, 2, 3])
    store_dag(session_factory, dag, NOW)
    run_and_schedule(session_factory, "mapped", "r1", "r2")
    assert queue(session_factory) == ["r1.double", "r2.double"]
    assert queue(session_factory) == []  # the other map indexes wait for their run's running one
    with session_scope(session_factory) as session:
        queued_in_r1 = session.scalars(
            select(TaskInstanceModel).where(
                TaskInstanceModel.run_id == "r1", TaskInstanceModel.state == "queued"
            )
        ).one()
        queued_in_r1.state = "success"
    assert queue(session_factory) == ["r1.double"]  # r1's next map index; r2's still waits


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("downstream", {"a": 3, "b": 2, "c": 1}),
        ("upstream", {"a": 1, "b": 2, "c": 3}),
        ("absolute", {"a": 1}),
    ],
)
def test_weight_rule_sets_priority(session_factory: sessionmaker[Session], rule: str, expected: dict) -> None:
    with DAG("chain", default_args={"weight_rule": rule}) as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b") >> EmptyOperator(task_id="c")
    store_dag(session_factory, dag, NOW)
    run_and_schedule(session_factory, "chain", "r")
    with session_scope(session_factory) as session:
        weights = dict(
            session.execute(select(TaskInstanceModel.task_id, TaskInstanceModel.priority_weight)).all()
        )
    assert {task: weights[task] for task in expected} == expected


def test_depends_on_past_waits_for_the_previous_run(session_factory: sessionmaker[Session]) -> None:
    with DAG("past") as dag:
        EmptyOperator(task_id="a", wait_for_downstream=True) >> EmptyOperator(task_id="b")
    store_dag(session_factory, dag, NOW)
    run_and_schedule(session_factory, "past", "r1", "r2")
    with session_scope(session_factory) as session:
        assert ti_states(session, "r1")["a"] == "scheduled"
        assert ti_states(session, "r2")["a"] is None  # waits for r1's a
        set_states(session, "r1", {"a": "success"})
    with session_scope(session_factory) as session:
        schedule_running_runs(session, SerializedDagBag(), NOW, NEW_RUNS)
        assert ti_states(session, "r2")["a"] is None  # wait_for_downstream: r1's b not done yet
        set_states(session, "r1", {"b": "success"})
    with session_scope(session_factory) as session:
        schedule_running_runs(session, SerializedDagBag(), NOW, NEW_RUNS)
        assert ti_states(session, "r2")["a"] == "scheduled"


@pytest.mark.postgres
def test_two_schedulers_queue_within_a_pool(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        set_pool(session, "p", 2)
    store_dag(session_factory, fan(n=6, pool="p"), NOW)
    run_and_schedule(session_factory, "fan", "r1", "r2")
    queued = as_two_schedulers(session_factory, lambda: queue(session_factory, limit=3))
    assert sum(len(each) for each in queued) == 2


def test_default_pool_is_there_and_cannot_be_deleted(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        with pytest.raises(PoolError, match="default_pool cannot be deleted"):
            delete_pool(session, "default_pool")
        with pytest.raises(PoolError, match="slots must be an int >= 0"):
            set_pool(session, "bad", -5)


def test_pool_slots_above_the_pool_size_is_an_import_error(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        set_pool(session, "small", 2)
        dag = fan(n=1, pool="small", pool_slots=3)
        body = dag_envelope(serialize_dag(dag, fileloc="f.py", source_digest="0" * 64))["dag"]
        assert pool_slots_problem(session, body) == (
            "DAG 'fan' task 't0': pool_slots=3 is more than pool 'small' has (2 slots)"
        )
        body = dag_envelope(
            serialize_dag(fan(n=1, pool="small", pool_slots=2), fileloc="f.py", source_digest="0" * 64)
        )
        assert pool_slots_problem(session, body["dag"]) is None


def test_retry_exponential_backoff_doubles_with_jitter_up_to_max_retry_delay() -> None:
    task = SerializedTask(
        task_id="t", operator="EmptyOperator", retry_delay=10.0, retry_exponential_backoff=True
    )
    delays = [retry_delay_seconds(task, "d", "r", n) for n in (1, 2, 3, 4)]
    assert [10 <= delays[0] < 20, 20 <= delays[1] < 40, 40 <= delays[2] < 80, 80 <= delays[3] < 160] == [
        True
    ] * 4
    assert delays == [retry_delay_seconds(task, "d", "r", n) for n in (1, 2, 3, 4)]  # same on every host
    capped = SerializedTask(
        task_id="t",
        operator="EmptyOperator",
        retry_delay=10.0,
        retry_exponential_backoff=True,
        max_retry_delay=30.0,
    )
    assert retry_delay_seconds(capped, "d", "r", 4) == 30.0
    plain = SerializedTask(task_id="t", operator="EmptyOperator", retry_delay=10.0)
    assert retry_delay_seconds(plain, "d", "r", 4) == 10.0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"weight_rule": "sideways"}, "unknown weight_rule 'sideways'"),
        ({"pool_slots": 0}, "pool_slots must be an int >= 1"),
        ({"max_active_tis_per_dag": 0}, "max_active_tis_per_dag must be an int >= 1"),
        ({"pool": ""}, "pool must be a non-empty string"),
        ({"max_retry_delay": -1}, "max_retry_delay must be a positive timedelta"),
    ],
)
def test_bad_task_scheduling_settings_are_import_errors(kwargs: dict, fragment: str) -> None:
    with pytest.raises(DagDefinitionError, match=fragment), DAG("bad"):
        EmptyOperator(task_id="t", **kwargs)
