"""The Airflow 3 style DAG of airflow_e2e.py, tasks in the process runtime (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.compat.airflow_e2e import run_and_check
from tests.integration.scheduler.sched_env import SchedulerEnv

pytestmark = pytest.mark.integration


@pytest.fixture
def env(tmp_path: Path, migrated_db_url: str) -> Iterator[SchedulerEnv]:
    environment = SchedulerEnv(tmp_path, migrated_db_url)
    yield environment
    environment.close()


def test_airflow_style_dag_runs_with_airflow_states(env: SchedulerEnv) -> None:
    run_and_check(env)
