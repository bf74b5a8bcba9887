"""`bazel run //dag_repos/<team>:processor` parses each team's directory inside that team's image.

The issue's done-when, run as a user runs it: Bazel builds and loads both teams' images, then each
team's `:processor` target runs one loop with `scheduler_dag_parsing_runtime = docker` against a
fresh DB. The run must name the pinned digest, its parse containers must start from exactly the
team's image id (the runtime logs each start), and the team's DAGs must be stored with no import
error. Without Bazel or the engine the test fails with the tooling/ script to run.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, ImportErrorModel

pytestmark = [pytest.mark.docker, pytest.mark.bazel]

ROOT = Path(__file__).resolve().parents[3]
TEST_LABEL = "io.dagseal.test=processor-bazel"


def run(*cmd: str, env: dict[str, str] | None = None) -> str:
    """Run ``cmd`` in the workspace; fail the test with its output if it fails."""
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


@pytest.fixture(autouse=True)
def _remove_leftover_containers() -> Iterator[None]:
    yield
    leftovers = run("docker", "ps", "-aq", "--filter", f"label={TEST_LABEL}").split()
    if leftovers:
        run("docker", "rm", "-f", *leftovers)


def test_each_teams_processor_target_parses_in_its_own_image(
    team_images: dict[str, str], migrated_db_url: str, session_factory: sessionmaker[Session]
) -> None:
    assert len(team_images) >= 2, "the example workspace has team_x and team_y"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DAGSEAL")}
    env.update(
        {
            "DAGSEAL__CORE__SQL_ALCHEMY_CONN": migrated_db_url,
            "DAGSEAL__CORE__SCHEDULER_DAG_PARSING_RUNTIME": "docker",
            "DAGSEAL__DOCKER_RUNTIME__LABELS": TEST_LABEL,
            "DAGSEAL__SCHEDULER__PROCESSOR_LOOP_SLEEP": "0",
        }
    )
    for dag_dir, image_id in team_images.items():
        output = run("bazel", "run", "--noshow_progress", f"//{dag_dir}:processor", "--", "-n", "1", env=env)
        assert f"{dag_dir} is pinned to " in output and f"(image id {image_id})" in output
        started = [line for line in output.splitlines() if "parse container" in line]
        assert started, output
        assert all(f"started from image {image_id} for {ROOT / dag_dir}" in line for line in started)
    with session_factory() as session:
        dags = session.execute(select(DagModel.dag_id, DagModel.processor_subdir)).all()
        errors = session.scalars(select(ImportErrorModel.filename)).all()
    assert errors == []
    for dag_dir in team_images:
        team = Path(dag_dir).name
        owned = {dag_id for dag_id, subdir in dags if subdir == str(ROOT / dag_dir)}
        assert owned and all(dag_id.startswith(f"{team}.") for dag_id in owned)
