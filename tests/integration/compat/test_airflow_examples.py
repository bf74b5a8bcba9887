"""Airflow's example DAGs (airflow_examples.py) in the process runtime, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.compat.airflow_examples import run_examples
from tests.integration.scheduler.sched_env import SchedulerEnv

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


@pytest.fixture
def env(tmp_path: Path, migrated_db_url: str) -> Iterator[SchedulerEnv]:
    environment = SchedulerEnv(tmp_path, migrated_db_url)
    yield environment
    environment.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_airflow_examples_match_airflow_states(
    env: SchedulerEnv, tmp_path_factory: pytest.TempPathFactory
) -> None:
    run_examples(env, tmp_path_factory.mktemp("wheels"))
