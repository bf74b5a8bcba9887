"""The issue's scenario through the real CLI and scheduler (process runtime, SQLite and PostgreSQL):
a 30-day backfill of a daily DAG with max_active_runs 3 and a pool of 2 slots while the DAG's
scheduled run goes on; sampled from the database while it runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sched_env import SchedulerEnv
from sqlalchemy import func, select

from dagseal.db.models import BackfillModel, DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope

pytestmark = [pytest.mark.integration, pytest.mark.scheduler_settings(core__parallelism="4")]


class Sampler:
    """Samples pool occupancy and running backfill runs every 50 ms until stopped."""

    def __init__(self, env: SchedulerEnv) -> None:
        self.env = env
        self.pool_used: list[int] = []
        self.backfill_running: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            with session_scope(self.env.factory) as session:
                used = session.scalar(
                    select(func.coalesce(func.sum(TaskInstanceModel.pool_slots), 0)).where(
                        TaskInstanceModel.pool == "pair", TaskInstanceModel.state.in_(["queued", "running"])
                    )
                )
                running = session.scalar(
                    select(func.count())
                    .select_from(DagRunModel)
                    .where(DagRunModel.run_type == "backfill", DagRunModel.state == "running")
                )
            self.pool_used.append(int(used))
            self.backfill_running.append(int(running))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.mark.timeout(600)
def test_backfill_30_days_with_a_pool_of_2_while_scheduled_runs_go_on(env: SchedulerEnv) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=40)
    env.write_dag(
        f"""
        import time
        from datetime import datetime, timezone
        from dagseal import DAG, PythonOperator

        def work():
            time.sleep(0.2)

        with DAG("daily", schedule="@daily", start_date=datetime({start.year}, {start.month}, {start.day},
                 tzinfo=timezone.utc), max_active_runs=1) as dag:
            a = PythonOperator(task_id="a", python_callable=work, pool="pair")
            b = PythonOperator(task_id="b", python_callable=work, pool="pair")
            a >> b
        """
    )
    env.cli("pools", "set", "pair", "2")
    env.parse()
    first, last = today - timedelta(days=31), today - timedelta(days=2)
    created = env.cli(
        "backfill",
        "create",
        "--dag-id",
        "daily",
        "--from-date",
        first.isoformat(),
        "--to-date",
        last.isoformat(),
        "--max-active-runs",
        "3",
    )
    assert "30 run(s) queued, 3 at a time" in created.stdout
    with Sampler(env) as sampler:
        env.start("scheduler")

        def done() -> bool:
            with session_scope(env.factory) as session:
                finished = session.scalar(select(BackfillModel.completed_at)) is not None
                scheduled = session.scalars(
                    select(DagRunModel.state).where(DagRunModel.run_type == "scheduled")
                )
                return finished and list(scheduled) == ["success"]

        env.wait_for("the backfill and the scheduled run", done, timeout=500)
    assert max(sampler.pool_used) == 2, "the pool was never full: the test did not exercise it"
    assert max(sampler.backfill_running) == 3
    assert len(sampler.pool_used) > 20
    with session_scope(env.factory) as session:
        runs = session.scalars(select(DagRunModel).order_by(DagRunModel.logical_date)).all()
        backfill = [run for run in runs if run.run_type == "backfill"]
        (scheduled,) = [run for run in runs if run.run_type == "scheduled"]
        assert [run.logical_date for run in backfill] == [first + timedelta(days=n) for n in range(30)]
        assert all(run.data_interval_start == run.data_interval_end == run.logical_date for run in runs)
        assert {run.state for run in backfill} == {"success"}
        assert scheduled.logical_date == today  # the latest tick, with catchup off
        # the scheduled run did not queue behind the backfill
        assert scheduled.end_date < max(run.end_date for run in backfill)
