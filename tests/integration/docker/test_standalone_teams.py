"""Issue 5 done-when: both teams' example DAGs end to end, each try in its own team's image.

As a user runs it: ``dagseal standalone`` over ``dag_repos/`` with parsing and task execution in
Docker and the digest map Bazel built (nothing deployed, so each new run is stamped with its
team's image from the map). Every run must succeed, every try must record its team's image, and
the ``report_versions`` logs show the conflicting ``tabulate`` pins side by side.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope

pytestmark = [pytest.mark.bazel, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[3]
TEST_LABEL = "io.dagseal.test=standalone-teams"
DAGS = ("team_x.etl", "team_y.metrics", "team_x.report_versions", "team_y.report_versions")
TABULATE = {"team_x": "tabulate 0.8.10", "team_y": "tabulate 0.9.0"}


def _dagseal(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        ["dagseal", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"dagseal {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def test_standalone_runs_both_teams_each_in_its_own_image(
    team_images: dict[str, str], tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'dagseal.db'}"
    migrate(db_url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("DAGSEAL")}
    env.update(
        {
            "DAGSEAL_HOME": str(tmp_path / "home"),
            "DAGSEAL__CORE__SQL_ALCHEMY_CONN": db_url,
            "DAGSEAL__CORE__DAGS_FOLDER": str(ROOT / "dag_repos"),
            "DAGSEAL__CORE__DIGEST_MAP": str(ROOT / "bazel-bin/digest_map.json"),
            "DAGSEAL__CORE__SCHEDULER_DAG_PARSING_RUNTIME": "docker",
            "DAGSEAL__CORE__TASK_EXECUTION_RUNTIME": "docker",
            "DAGSEAL__DOCKER_RUNTIME__LABELS": TEST_LABEL,
            "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(tmp_path / "logs"),
        }
    )
    try:
        _dagseal(env, "standalone", "--until-idle", *(arg for dag in DAGS for arg in ("--trigger", dag)))
    finally:
        leftovers = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label={TEST_LABEL}"], capture_output=True, text=True
        ).stdout.split()
        if leftovers:
            subprocess.run(["docker", "rm", "-f", *leftovers], capture_output=True)

    with session_scope(session_factory(create_engine_from_conn(db_url))) as session:
        runs = session.scalars(select(DagRunModel)).all()
        tries = session.execute(
            select(TaskInstanceModel.dag_id, TaskInstanceModel.task_id, TaskInstanceModel.image_digest)
        ).all()
    assert {run.dag_id for run in runs} >= set(DAGS)
    assert {(run.dag_id, run.state) for run in runs} == {(run.dag_id, "success") for run in runs}
    for run in runs:
        assert run.image_digest == team_images[f"dag_repos/{run.dag_id.split('.')[0]}"], run.run_id
    assert tries and team_images["dag_repos/team_x"] != team_images["dag_repos/team_y"]
    for dag_id, task_id, image_digest in tries:
        assert image_digest == team_images[f"dag_repos/{dag_id.split('.')[0]}"], f"{dag_id}.{task_id}"

    for team, version in TABULATE.items():
        dag_id = f"{team}.report_versions"
        (run_id,) = _dagseal(env, "runs", "list", "--dag", dag_id, "--format", "ids").split()
        log = _dagseal(env, "tasks", "logs", dag_id, "tabulate_version", run_id)
        assert version in log.splitlines(), log
        assert f"[dagseal] image {team_images[f'dag_repos/{team}']}" in log
