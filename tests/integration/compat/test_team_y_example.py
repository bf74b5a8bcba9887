"""team_y's example DAG (mapping, a task group, a branch, templates) runs to the states it promises."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.scheduler.sched_env import SchedulerEnv

pytestmark = pytest.mark.integration

SOURCE = Path(__file__).resolve().parents[3] / "dag_repos" / "team_y" / "metrics.py"


@pytest.fixture
def env(tmp_path: Path, migrated_db_url: str) -> Iterator[SchedulerEnv]:
    environment = SchedulerEnv(tmp_path, migrated_db_url)
    yield environment
    environment.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_team_y_metrics_maps_groups_branches_and_renders(env: SchedulerEnv) -> None:
    env.write_dag(SOURCE.read_text(), name="metrics.py")
    env.parse()
    env.cli("dags", "trigger", "team_y.metrics", "--run-id", "r1")
    env.start("scheduler")
    env.wait_for("the run to finish", lambda: env.run_states() in (["success"], ["failed"]), timeout=120)
    states = {
        ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": ti.state for ti in env.tis()
    }
    assert states == {
        "check_source": "success",
        "metric_names": "success",
        "collect[0]": "success",
        "collect[1]": "success",
        "collect[2]": "success",
        "summary.aggregate": "success",
        "within_budget": "success",
        "publish": "success",
        "page_oncall": "skipped",
        "report": "success",
    }
    assert env.run_states() == ["success"]
    assert json.loads(env.ti("summary.aggregate").return_value) == {
        "latency": 70,
        "errors": 60,
        "throughput": 100,
    }
    rendered = env.cli("tasks", "render", "team_y.metrics", "report", "r1").stdout
    assert "PUBLISHED" in rendered and "published 3 metrics" in rendered
