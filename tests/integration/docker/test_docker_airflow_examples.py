"""Airflow's example DAGs of the issue's goal list (GOAL in tests/integration/compat/airflow_examples.py),
parsed and run in containers; the process-runtime test runs every included example."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docker_helpers import docker_scheduler_env

from tests.integration.compat.airflow_examples import run_examples
from tests.integration.scheduler.sched_env import SchedulerEnv

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


@pytest.fixture
def env(test_image: str, migrated_db_url: str) -> Iterator[SchedulerEnv]:
    with docker_scheduler_env(test_image, migrated_db_url, "dagseal-examples-it-") as environment:
        yield environment


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_airflow_examples_match_airflow_states_in_containers(
    env: SchedulerEnv, tmp_path_factory: pytest.TempPathFactory
) -> None:
    run_examples(env, tmp_path_factory.mktemp("wheels"), goal_only=True)
