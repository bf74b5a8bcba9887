"""Backfill (AIP-78) on SQLite and PostgreSQL: plan, reprocess rules, the backfill's own
max_active_runs beside scheduled runs, order, completion, cancel, and two schedulers at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sched_helpers import as_two_schedulers, noop, store_dag
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import BackfillDagRunModel, BackfillModel, DagModel, DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.backfill import BackfillError, cancel_backfill, create_backfill, plan_backfill
from dagseal.scheduler.backfill_runs import complete_backfills
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import create_scheduled_runs, start_queued_runs
from dagseal.scheduler.data_intervals import DEFAULT_DATA_INTERVALS
from dagseal.sdk import DAG, EmptyOperator
from tests.callback_rows import take_callbacks

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLACEMENT = Placement(PlacementSettings())  # the process runtime
NEW = {"intervals": DEFAULT_DATA_INTERVALS, "placement": PLACEMENT}


def day(n: int) -> datetime:
    return datetime(2026, 2, n, tzinfo=UTC)


def daily(dag_id: str = "bf", **kwargs: object) -> DAG:
    with DAG(dag_id, schedule="@daily", start_date=datetime(2026, 1, 1), **kwargs) as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    return dag


def backfill(factory: sessionmaker[Session], start: int, end: int, **kwargs: object) -> int:
    with session_scope(factory) as session:
        row, _ = create_backfill(session, "bf", day(start), day(end), now=NOW, **NEW, **kwargs)
        return row.id


def runs(factory: sessionmaker[Session], **where: object) -> list[DagRunModel]:
    with session_scope(factory) as session:
        query = select(DagRunModel).filter_by(**where).order_by(DagRunModel.logical_date)
        return list(session.scalars(query))


def start(factory: sessionmaker[Session]) -> int:
    with session_scope(factory) as session:
        return start_queued_runs(session, SerializedDagBag(), NOW)


def finish_running(factory: sessionmaker[Session], state: str = "success") -> None:
    with session_scope(factory) as session:
        session.execute(update(DagRunModel).where(DagRunModel.state == "running").values(state=state))


def test_backfill_queues_one_run_per_schedule_point_pinned_like_a_new_run(
    session_factory: sessionmaker[Session],
) -> None:
    version = store_dag(session_factory, daily(), NOW)
    backfill(session_factory, 3, 7, dag_run_conf={"k": 1})
    made = runs(session_factory, run_type="backfill")
    assert [r.logical_date for r in made] == [day(n) for n in range(3, 8)]
    assert made[0].run_id == "backfill__2026-02-03T00:00:00+00:00"
    assert all(
        r.data_interval_start == r.data_interval_end == r.logical_date for r in made
    )  # trigger timetable
    assert {(r.state, r.dag_hash, str(r.conf)) for r in made} == {("queued", version, "{'k': 1}")}


def test_backfill_runs_on_their_own_max_active_runs_beside_scheduled_runs(
    session_factory: sessionmaker[Session],
) -> None:
    store_dag(session_factory, daily(max_active_runs=1), NOW)
    with session_scope(session_factory) as session:
        session.get(DagModel, "bf").is_paused = True  # a paused DAG's backfill still runs
    backfill_id = backfill(session_factory, 1, 6, max_active_runs=2)
    with session_scope(session_factory) as session:
        assert session.get(BackfillModel, backfill_id).max_active_runs == 2
    assert start(session_factory) == 2
    assert start(session_factory) == 0
    with session_scope(session_factory) as session:
        session.get(DagModel, "bf").is_paused = False
        create_scheduled_runs(session, SerializedDagBag(), NOW, PLACEMENT)
    assert start(session_factory) == 1  # the scheduled run: the DAG's limit ignores backfill runs
    assert len(runs(session_factory, run_type="scheduled", state="running")) == 1
    for _ in range(2):
        finish_running(session_factory)
        start(session_factory)
    assert len(runs(session_factory, run_type="backfill", state="success")) == 4
    with session_scope(session_factory) as session:
        assert complete_backfills(session, NOW) == 0
    finish_running(session_factory)
    with session_scope(session_factory) as session:
        assert complete_backfills(session, NOW) == 1
        assert session.get(BackfillModel, backfill_id).completed_at == NOW


def test_run_backwards_starts_with_the_newest_date(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, daily(), NOW)
    backfill(session_factory, 1, 4, max_active_runs=1, run_backwards=True)
    started = []
    for _ in range(4):
        start(session_factory)
        (running,) = runs(session_factory, state="running")
        started.append(running.logical_date)
        finish_running(session_factory)
    assert started == [day(4), day(3), day(2), day(1)]


@pytest.mark.parametrize(
    ("behavior", "rerun"),
    [("none", set()), ("failed", {day(2)}), ("completed", {day(2), day(3)})],
)
def test_reprocess_behavior_decides_which_existing_runs_run_again(
    session_factory: sessionmaker[Session], behavior: str, rerun: set[datetime]
) -> None:
    store_dag(session_factory, daily(), NOW)
    backfill(session_factory, 2, 4, max_active_runs=5)
    start(session_factory)
    with session_scope(session_factory) as session:
        for logical_date, state in ((day(2), "failed"), (day(3), "success")):
            session.execute(
                update(DagRunModel).where(DagRunModel.logical_date == logical_date).values(state=state)
            )
            session.execute(
                update(TaskInstanceModel)
                .where(TaskInstanceModel.run_id == f"backfill__{logical_date.isoformat()}")
                .values(state=state, try_number=1)
            )
        session.execute(update(BackfillModel).values(completed_at=NOW))
    with session_scope(session_factory) as session:
        second, planned = create_backfill(
            session, "bf", day(1), day(4), now=NOW, **NEW, reprocess_behavior=behavior
        )
        reasons = {p.logical_date: (p.action, p.reason) for p in planned}
        second_id = second.id
    assert reasons[day(1)] == ("create", None)
    assert reasons[day(4)] == ("skip", "in flight")
    assert {d for d, (action, _) in reasons.items() if action == "reprocess"} == rerun
    requeued = {r.logical_date for r in runs(session_factory, state="queued", backfill_id=second_id)}
    assert requeued == rerun | {day(1)}
    start(session_factory)
    with session_scope(session_factory) as session:
        tis = session.scalars(
            select(TaskInstanceModel).where(TaskInstanceModel.run_id.like("backfill__%"))
        ).all()
        # a re-run keeps its task instances (one per task), reset with a fresh retry budget
        assert len(tis) == 2 * 4
        again = {ti.state for ti in tis if ti.run_id.endswith(tuple(d.isoformat() for d in rerun))}
        assert again <= {None}
        skipped = session.scalars(
            select(BackfillDagRunModel.exception_reason).where(BackfillDagRunModel.backfill_id == second_id)
        ).all()
        assert skipped.count("in flight") == 1


def test_empty_range_does_nothing_and_says_so(session_factory: sessionmaker[Session]) -> None:
    with DAG("bf", schedule="0 0 1 * *", start_date=datetime(2026, 1, 1)) as dag:
        EmptyOperator(task_id="a")
    store_dag(session_factory, dag, NOW)
    with pytest.raises(BackfillError, match=r"no schedule points from 2026-02-02.*nothing to backfill"):
        backfill(session_factory, 2, 20)
    with session_scope(session_factory) as session:
        assert session.scalars(select(BackfillModel)).all() == []
        assert session.scalars(select(DagRunModel)).all() == []


def test_bad_backfills_are_refused_by_name(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, daily(), NOW)
    with pytest.raises(BackfillError, match=r"--from-date .* is after --to-date"):
        backfill(session_factory, 5, 2)
    with pytest.raises(BackfillError, match="unknown DAG 'nope'"), session_scope(session_factory) as session:
        plan_backfill(
            session,
            "nope",
            day(1),
            day(2),
            reprocess_behavior="none",
            run_backwards=False,
            now=NOW,
            intervals=DEFAULT_DATA_INTERVALS,
        )
    with pytest.raises(BackfillError, match="in the future"), session_scope(session_factory) as session:
        create_backfill(session, "bf", NOW + timedelta(days=1), NOW + timedelta(days=2), now=NOW, **NEW)
    first = backfill(session_factory, 1, 2)
    with pytest.raises(BackfillError, match=f"already has an active backfill \\(id {first}\\)"):
        backfill(session_factory, 3, 4)


def test_cancel_fails_queued_runs_and_completes_the_backfill(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, daily(), NOW)
    backfill_id = backfill(session_factory, 1, 5, max_active_runs=2)
    start(session_factory)
    with session_scope(session_factory) as session:
        assert cancel_backfill(session, backfill_id, NOW) == 3
    assert [r.state for r in runs(session_factory)] == ["running", "running", "failed", "failed", "failed"]
    assert start(session_factory) == 0
    with session_scope(session_factory) as session:
        with pytest.raises(BackfillError, match=f"backfill {backfill_id} already completed"):
            cancel_backfill(session, backfill_id, NOW)
        with pytest.raises(BackfillError, match="no backfill with id 999"):
            cancel_backfill(session, 999, NOW)


def test_cancel_requests_the_dag_failure_callback_of_each_run_it_fails(
    session_factory: sessionmaker[Session],
) -> None:
    store_dag(session_factory, daily(on_failure_callback=noop), NOW)
    backfill_id = backfill(session_factory, 1, 3, max_active_runs=1)
    start(session_factory)
    with session_scope(session_factory) as session:
        assert cancel_backfill(session, backfill_id, NOW) == 2
    sent = take_callbacks(session_factory)  # committed with the cancel
    assert [(r.kind, r.run_id, r.msg) for r in sent] == [
        ("dag_failure", f"backfill__{day(n).isoformat()}", f"backfill {backfill_id} cancelled")
        for n in (2, 3)
    ]


@pytest.mark.postgres
def test_two_schedulers_never_exceed_the_backfill_limit(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, daily(), NOW)
    backfill(session_factory, 1, 10, max_active_runs=3)
    started = as_two_schedulers(session_factory, lambda: start(session_factory))
    assert sum(started) == 3
    assert len(runs(session_factory, state="running")) == 3
