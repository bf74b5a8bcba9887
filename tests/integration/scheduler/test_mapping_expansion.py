"""Dynamic task mapping on the host: expansion once the mapped values are known, lengths, failures,
and mapped XComs handed to the downstream task in map order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sched_helpers import store_dag
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.lifecycle.try_claim import upstream_results
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import start_queued_runs, trigger_dag
from dagseal.scheduler.host_tasks import NewRuns
from dagseal.scheduler.task_scheduling import schedule_running_runs
from dagseal.sdk import DAG, task

PLACEMENT = Placement(PlacementSettings())
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def mapped_dag(literal: list | None = None) -> DAG:
    with DAG("m") as dag:

        @task
        def produce() -> list:
            return [1, 2, 3]

        @task
        def double(x: int) -> int:
            return 2 * x

        @task
        def total(values: list) -> int:
            return sum(values)

        total(double.expand(x=produce() if literal is None else literal))
    return dag


def step(factory: sessionmaker[Session], max_map_length: int = 1024) -> None:
    bag = SerializedDagBag()
    with session_scope(factory) as session:
        start_queued_runs(session, bag, NOW)
        schedule_running_runs(session, bag, NOW, NewRuns(PLACEMENT), max_map_length=max_map_length)


def tis(factory: sessionmaker[Session]) -> list[tuple[str, int, str | None, str | None]]:
    with session_scope(factory) as session:
        return [
            (ti.task_id, ti.map_index, ti.state, ti.error)
            for ti in session.scalars(
                select(TaskInstanceModel).order_by(TaskInstanceModel.task_id, TaskInstanceModel.map_index)
            )
        ]


def finish(factory: sessionmaker[Session], task_id: str, map_index: int, value: str | None) -> None:
    with session_scope(factory) as session:
        ti = session.scalars(
            select(TaskInstanceModel).where(
                TaskInstanceModel.task_id == task_id, TaskInstanceModel.map_index == map_index
            )
        ).one()
        ti.state, ti.return_value = "success", value


def start(factory: sessionmaker[Session], dag: DAG) -> None:
    store_dag(factory, dag, NOW)
    with session_scope(factory) as session:
        trigger_dag(session, "m", {}, NOW, PLACEMENT, run_id="r")
    step(factory)


def test_expansion_waits_for_the_upstream_then_creates_one_ti_per_element(
    session_factory: sessionmaker[Session],
) -> None:
    start(session_factory, mapped_dag())
    assert tis(session_factory) == [
        ("double", -1, None, None),
        ("produce", -1, "scheduled", None),
        ("total", -1, None, None),
    ]
    finish(session_factory, "produce", -1, "[1, 2, 3]")
    step(session_factory)
    assert [row[:3] for row in tis(session_factory)] == [
        ("double", 0, "scheduled"),
        ("double", 1, "scheduled"),
        ("double", 2, "scheduled"),
        ("produce", -1, "success"),
        ("total", -1, None),
    ]
    finish(session_factory, "double", 2, "6")
    finish(session_factory, "double", 0, "2")
    step(session_factory)
    assert ("total", -1, None, None) in tis(session_factory)  # waits for every map index
    finish(session_factory, "double", 1, None)
    step(session_factory)
    assert ("total", -1, "scheduled", None) in tis(session_factory)
    with session_scope(session_factory) as session:
        run_id = session.scalar(select(DagRunModel.id))
        assert upstream_results(session, run_id, ["double"]) == {"double": [2, None, 6]}


def test_literal_lists_expand_at_once(session_factory: sessionmaker[Session]) -> None:
    start(session_factory, mapped_dag(literal=[5, 6]))
    assert [row[:3] for row in tis(session_factory) if row[0] == "double"] == [
        ("double", 0, "scheduled"),
        ("double", 1, "scheduled"),
    ]


@pytest.mark.parametrize(
    ("value", "state", "error"),
    [
        ("[]", "skipped", None),
        ("7", "failed", "cannot expand 'x': upstream task 'produce' returned int, need a list or a dict"),
        (
            "[1, 2, 3, 4]",
            "failed",
            "mapped task 'double' would have 4 task instances, more than [core] max_map_length (3)",
        ),
    ],
)
def test_empty_unmappable_and_too_long(
    session_factory: sessionmaker[Session], value: str, state: str, error: str | None
) -> None:
    start(session_factory, mapped_dag())
    finish(session_factory, "produce", -1, value)
    step(session_factory, max_map_length=3)
    assert ("double", -1, state, error) in tis(session_factory)
