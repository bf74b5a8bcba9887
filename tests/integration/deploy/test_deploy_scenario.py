"""The issue-6 scenario, end to end: build → push → deploy → run, a live migration, and rollback.

Everything is real: Bazel builds the team images in a private copy of the checkout (the tree
others work in is never edited), a throwaway registry receives them, the Docker engine runs
parsing and tasks, and the database records deployments and runs. While run 1's first task
sleeps, the DAG file and team_x's pinned ``tabulate`` are changed (to team_y's pin, already in
the repository cache) and a second build is published and deployed: run 1 must finish entirely
on image 1, run 2 run on image 2, and each task log shows the tabulate version it saw. Rollback
then makes run 3 use image 1 again.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope

# Two Bazel builds in a fresh output base plus three runs: far beyond the suite's default timeout.
pytestmark = [pytest.mark.docker, pytest.mark.bazel, pytest.mark.timeout(1800)]

REPO_ROOT = Path(__file__).resolve().parents[3]
DAG_ID = "team_x.scenario"
SCENARIO_DAG = '''"""Issue-6 scenario DAG: the first task sleeps so a deploy can land mid-run."""

import time
from datetime import datetime
from importlib.metadata import version

from dagseal import DAG, task

MARKER = "{marker}"

with DAG(dag_id="team_x.scenario", schedule=None, start_date=datetime(2026, 1, 1)):

    @task
    def first() -> str:
        time.sleep({sleep})
        print(f"{{MARKER}} first tabulate {{version('tabulate')}}")
        return version("tabulate")

    @task
    def second(seen: str) -> str:
        print(f"{{MARKER}} second tabulate {{version('tabulate')}}")
        return version("tabulate")

    second(first())
'''


def _run(*cmd: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return done.stdout


class Scenario:
    """A private checkout, its own Bazel output base and DB, and `dagseal` run against them."""

    def __init__(self, work: Path, registry: str) -> None:
        self.checkout = work / "checkout"
        self.output_base = work / "output_base"
        shutil.copytree(
            REPO_ROOT,
            self.checkout,
            symlinks=True,
            ignore=shutil.ignore_patterns("bazel-*", ".git", "__pycache__", "*.egg-info"),
        )
        self.db_url = f"sqlite:///{work / 'dagseal.db'}"
        migrate(self.db_url)
        self.env = {
            **os.environ,
            "DAGSEAL_HOME": str(work / "home"),
            "DAGSEAL__CORE__SQL_ALCHEMY_CONN": self.db_url,
            "DAGSEAL__CORE__DAGS_FOLDER": str(self.checkout / "dag_repos"),
            "DAGSEAL__CORE__DIGEST_MAP": str(self.checkout / "bazel-bin/digest_map.json"),
            "DAGSEAL__CORE__SCHEDULER_DAG_PARSING_RUNTIME": "docker",
            "DAGSEAL__CORE__TASK_EXECUTION_RUNTIME": "docker",
            "DAGSEAL__DEPLOY__REGISTRY": registry,
            "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(work / "logs"),
        }
        self.env.pop("DAGSEAL_CONFIG", None)
        self.factory: sessionmaker[Session] = session_factory(create_engine_from_conn(self.db_url))
        self.daemon_log = work / "standalone.log"

    def write_dag(self, marker: str, sleep: int) -> None:
        (self.checkout / "dag_repos/team_x/scenario.py").write_text(
            SCENARIO_DAG.format(marker=marker, sleep=sleep)
        )

    def pin_team_y_tabulate(self) -> None:
        """team_x's pinned dependency becomes team_y's tabulate (its wheel is in the repo cache)."""
        lock = (self.checkout / "dag_repos/team_y/requirements.lock").read_text()
        (self.checkout / "dag_repos/team_x/requirements.lock").write_text(lock)

    def build_publish_deploy(self, name: str) -> str:
        """Build, publish and deploy; returns team_x's manifest digest."""
        _run(
            "bazel",
            f"--output_base={self.output_base}",
            "build",
            "--noshow_progress",
            "//:digest_map",
            cwd=self.checkout,
        )
        out = self.dagseal(
            "images",
            "publish",
            "--digest-map",
            "bazel-bin/digest_map.json",
            "--bazel-bin",
            "bazel-bin",
            "--out",
            f"{name}.json",
        )
        self.dagseal("deploy", f"{name}.json", "--created-from", f"scenario {name}")
        return re.search(r"dagseal/team_x@(sha256:[0-9a-f]{64})", out).group(1)

    def dagseal(self, *args: str) -> str:
        return _run("dagseal", *args, cwd=self.checkout, env=self.env)

    def wait(self, what: str, ready: Callable[[Session], bool], timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with session_scope(self.factory) as session:
                if ready(session):
                    return
            time.sleep(1)
        tail = self.daemon_log.read_text()[-3000:] if self.daemon_log.exists() else "(no daemon log)"
        pytest.fail(f"timed out waiting for {what}; dagseal standalone said:\n{tail}", pytrace=False)

    def run(self, run_id: str) -> DagRunModel:
        with session_scope(self.factory) as session:
            return session.scalars(select(DagRunModel).where(DagRunModel.run_id == run_id)).one()

    def close(self) -> None:
        bazel = ["bazel", f"--output_base={self.output_base}", "shutdown"]
        subprocess.run(bazel, cwd=self.checkout, check=False)
        subprocess.run(["chmod", "-R", "u+w", str(self.checkout.parent)], check=False)


@pytest.fixture
def scenario(throwaway_registry, tmp_path: Path) -> Iterator[Scenario]:
    if shutil.which("bazel") is None:
        pytest.fail("bazel is not installed: run tooling/install_bazel.sh")
    scenario = Scenario(tmp_path, throwaway_registry.address)
    yield scenario
    scenario.close()


def _dag_hash(session: Session) -> str | None:
    dag = session.get(DagModel, DAG_ID)
    return dag.latest_dag_hash if dag else None


def _task_states(session: Session, run_id: str) -> dict[str, str | None]:
    rows = session.execute(
        select(TaskInstanceModel.task_id, TaskInstanceModel.state).where(TaskInstanceModel.run_id == run_id)
    )
    return dict(rows.all())


def test_live_migration_versions_and_rollback(scenario: Scenario) -> None:
    scenario.write_dag("v1", sleep=60)
    image1 = scenario.build_publish_deploy("v1")
    log = scenario.daemon_log.open("wb")
    daemon = subprocess.Popen(
        ["dagseal", "standalone"],
        cwd=scenario.checkout,
        env=scenario.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        scenario.wait("the scenario DAG to be parsed", lambda s: _dag_hash(s) is not None)
        with session_scope(scenario.factory) as session:
            hash1 = _dag_hash(session)
        scenario.dagseal("dags", "trigger", DAG_ID, "--run-id", "r1")
        scenario.wait("r1's first task to run", lambda s: _task_states(s, "r1").get("first") == "running")

        scenario.write_dag("v2", sleep=1)
        scenario.pin_team_y_tabulate()
        image2 = scenario.build_publish_deploy("v2")
        assert image2 != image1
        scenario.wait("the edited DAG to be parsed", lambda s: _dag_hash(s) not in (None, hash1))
        scenario.dagseal("dags", "trigger", DAG_ID, "--run-id", "r2")
        for run_id in ("r1", "r2"):
            scenario.wait(f"{run_id} to finish", lambda s, r=run_id: scenario_done(s, r))

        scenario.dagseal("deploy", "--rollback")
        scenario.dagseal("dags", "trigger", DAG_ID, "--run-id", "r3")
        scenario.wait("r3 to finish", lambda s: scenario_done(s, "r3"))
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
        log.close()

    runs = {run_id: scenario.run(run_id) for run_id in ("r1", "r2", "r3")}
    assert {r: (run.state, run.image_digest) for r, run in runs.items()} == {
        "r1": ("success", image1),
        "r2": ("success", image2),
        "r3": ("success", image1),
    }
    with session_scope(scenario.factory) as session:
        for run_id, run in runs.items():  # every task, later ones included, ran on the run's image
            digests = set(
                session.scalars(
                    select(TaskInstanceModel.image_digest).where(TaskInstanceModel.run_id == run_id)
                )
            )
            assert digests == {run.image_digest}, run_id
    versions = {}
    for run_id in ("r1", "r2", "r3"):
        logs = "".join(scenario.dagseal("tasks", "logs", DAG_ID, t, run_id) for t in ("first", "second"))
        versions[run_id] = set(re.findall(r"tabulate (\d[\w.]*)", logs))
    assert len(versions["r1"]) == len(versions["r2"]) == 1 and versions["r1"] != versions["r2"]
    assert versions["r3"] == versions["r1"]
    listing = scenario.dagseal("dags", "versions", DAG_ID)
    assert image1 in listing and image2 in listing and all(r in listing for r in runs)


def scenario_done(session: Session, run_id: str) -> bool:
    run = session.scalars(select(DagRunModel).where(DagRunModel.run_id == run_id)).one_or_none()
    return run is not None and run.state in ("success", "failed")
