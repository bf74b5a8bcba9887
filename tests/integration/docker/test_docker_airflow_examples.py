"""Airflow's example DAGs (tests/integration/compat/airflow_examples.py), parsed and run in containers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker_helpers import SOCKET
from testimage import TEST_LABEL

from tests.integration.compat.airflow_examples import run_examples
from tests.integration.scheduler.sched_env import SchedulerEnv

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


@pytest.fixture
def env(test_image: str, migrated_db_url: str) -> Iterator[SchedulerEnv]:
    root = Path(tempfile.mkdtemp(prefix="dagseal-examples-it-"))
    root.chmod(0o755)  # uid 1000 in the container must read the DAG folder
    environment = SchedulerEnv(
        root,
        migrated_db_url,
        core__scheduler_dag_parsing_runtime="docker",
        core__task_execution_runtime="docker",
        docker_runtime__image=test_image,
        docker_runtime__labels=f"{TEST_LABEL}=1",
        docker_runtime__socket_path=SOCKET,
    )
    for folder in (root / "repos", environment.repo):
        folder.chmod(0o755)
    yield environment
    environment.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_airflow_examples_match_airflow_states_in_containers(
    env: SchedulerEnv, tmp_path_factory: pytest.TempPathFactory
) -> None:
    run_examples(env, tmp_path_factory.mktemp("wheels"))
