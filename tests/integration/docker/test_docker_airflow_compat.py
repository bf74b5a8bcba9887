"""The Airflow 3 style DAG of tests/integration/compat/airflow_e2e.py, parsed and run in containers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docker_helpers import docker_scheduler_env

from tests.integration.compat.airflow_e2e import run_and_check
from tests.integration.scheduler.sched_env import SchedulerEnv

pytestmark = pytest.mark.integration


@pytest.fixture
def env(test_image: str, migrated_db_url: str) -> Iterator[SchedulerEnv]:
    with docker_scheduler_env(test_image, migrated_db_url, "dagseal-compat-it-") as environment:
        yield environment


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_airflow_style_dag_runs_with_airflow_states_in_containers(env: SchedulerEnv, test_image: str) -> None:
    run_and_check(env)
    assert {ti.image_digest for ti in env.tis("compat_e2e")} == {test_image}  # every try in a container
