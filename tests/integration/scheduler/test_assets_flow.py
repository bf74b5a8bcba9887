"""An asset update crosses teams under the real processor, scheduler and supervisors (process
runtime, SQLite and PostgreSQL): team_a's task succeeds, team_b's DAG scheduled on it runs."""

from __future__ import annotations

from textwrap import dedent

import pytest
from sched_env import SchedulerEnv
from sqlalchemy import select

from dagseal.db.models import AssetEventModel, DagRunModel
from dagseal.db.session import session_scope

pytestmark = pytest.mark.integration


def test_a_producer_in_one_team_triggers_a_consumer_in_another(env: SchedulerEnv) -> None:
    env.write_dag(
        """
        from dagseal import DAG, PythonOperator
        from dagseal.sdk.assets import Asset

        with DAG("team_a.export", schedule=None) as dag:
            PythonOperator(task_id="write", python_callable=lambda: None, outlets=[Asset("orders")])
        """
    )
    consumer_repo = env.root / "repos" / "team_b"
    consumer_repo.mkdir()
    (consumer_repo / "report.py").write_text(
        dedent(
            """
            from dagseal import DAG, PythonOperator
            from dagseal.sdk.assets import Asset

            with DAG("team_b.report", schedule=[Asset("orders")]) as dag:
                PythonOperator(task_id="read", python_callable=lambda: None)
            """
        )
    )
    env.parse()
    env.cli("dag-processor", "--subdir", str(consumer_repo), "--num-runs", "1")
    listed = env.cli("assets", "list").stdout.splitlines()
    assert listed[1].split()[:4] == ["orders", "orders", "asset", "team_b.report"]
    env.cli("dags", "trigger", "team_a.export")
    env.start("scheduler")

    def consumer_done() -> bool:
        with session_scope(env.factory) as session:
            states = session.scalars(select(DagRunModel.state).where(DagRunModel.dag_id == "team_b.report"))
            return list(states) == ["success"]

    env.wait_for("team_b's asset-triggered run", consumer_done, timeout=120)
    with session_scope(env.factory) as session:
        (event,) = session.scalars(select(AssetEventModel)).all()
        assert (event.source_dag_id, event.source_task_id) == ("team_a.export", "write")
        run = session.scalars(select(DagRunModel).where(DagRunModel.dag_id == "team_b.report")).one()
        assert run.run_type == "asset_triggered"
    assert "team_a.export" in env.cli("assets", "events").stdout
