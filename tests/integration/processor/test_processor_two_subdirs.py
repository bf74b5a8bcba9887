"""Two real `dagseal dag-processor` processes on two directories sharing one PostgreSQL DB.

Each must run exactly its own directory's callbacks, once; SIGKILL of one mid-loop loses none of
its callbacks (a restarted processor takes its stale claims over). "Ran" is proven by the lines
the callbacks themselves append to callbacks.log, naming the directory of the sandbox that ran them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from processor_helpers import copy_fixture
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import CallbackRequestModel, JobModel
from dagseal.serialization import DagCallbackRequest

CALLBACKS_PER_DIR = 12
# The installed console script, next to this interpreter (pip install -e .).
DAGSEAL = str(Path(sys.executable).with_name("dagseal"))
postgres_only = pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def log_lines(folder: Path) -> list[str]:
    log = folder / "callbacks.log"
    return log.read_text().splitlines() if log.exists() else []


def pending(session_factory: sessionmaker[Session], folder: Path) -> int:
    with session_factory() as session:
        query = select(func.count()).where(CallbackRequestModel.processor_subdir == str(folder))
        return session.scalar(query) or 0


class Processors:
    """Starts `dagseal dag-processor` subprocesses against one DB and cleans up what is left."""

    def __init__(self, db_url: str, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DAGSEAL")},
            "DAGSEAL__CORE__SQL_ALCHEMY_CONN": db_url,
            "DAGSEAL__SCHEDULER__CALLBACK_CLAIM_TIMEOUT": "2",
            "DAGSEAL__SCHEDULER__MAX_CALLBACKS_PER_LOOP": "4",
            "DAGSEAL__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "0",
            "DAGSEAL__SCHEDULER__PROCESSOR_LOOP_SLEEP": "0.1",
            "DAGSEAL__SCHEDULER__PARSE_TIMEOUT": "20",
        }
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, folder: Path, *args: str) -> subprocess.Popen[bytes]:
        command = [DAGSEAL, "dag-processor", "-S", str(folder), "-P", "2", *args]
        log = (self.workdir / f"{folder.name}-{len(self.started)}.log").open("wb")
        proc = subprocess.Popen(command, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.started.append(proc)
        return proc

    def run_once(self, folder: Path) -> None:
        proc = self.start(folder, "-n", "1")
        assert proc.wait(timeout=60) == 0, (
            self.workdir / f"{folder.name}-{len(self.started) - 1}.log"
        ).read_text()

    def stop(self, proc: subprocess.Popen[bytes]) -> int:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=30)

    def kill_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def processors(migrated_db_url: str, tmp_path: Path) -> Iterator[Processors]:
    started = Processors(migrated_db_url, tmp_path)
    yield started
    started.kill_all()


@postgres_only
def test_two_processors_run_only_their_own_callbacks_once_and_survive_sigkill(
    tmp_path: Path,
    processors: Processors,
    session_factory: sessionmaker[Session],
    enqueue_callback: Callable[..., None],
) -> None:
    folders = {name: (tmp_path / name).resolve() for name in ("team_a", "team_b")}
    for folder in folders.values():
        folder.mkdir()
        copy_fixture(folder, "processor/slow_callbacks_dag.py")
        processors.run_once(folder)  # parse: the DAGs and their code are in the DB
    for name, folder in folders.items():
        for number in range(CALLBACKS_PER_DIR):
            enqueue_callback(
                DagCallbackRequest(
                    full_filepath=str(folder / "slow_callbacks_dag.py"),
                    dag_id=f"{name}.cb",
                    run_id=f"run-{number}",
                    processor_subdir=str(folder),
                )
            )

    team_a = processors.start(folders["team_a"])
    team_b = processors.start(folders["team_b"])
    wait_for(lambda: len(log_lines(folders["team_a"])) >= 3, 60, "team_a's first callbacks")
    team_a.kill()  # SIGKILL mid-loop: claimed callbacks stay claimed by a job that stops heartbeating
    team_a.wait()
    wait_for(lambda: pending(session_factory, folders["team_b"]) == 0, 60, "team_b's callbacks")
    assert processors.stop(team_b) == 0

    assert pending(session_factory, folders["team_a"]) > 0
    restarted = processors.start(folders["team_a"])
    wait_for(lambda: pending(session_factory, folders["team_a"]) == 0, 60, "team_a's callbacks after restart")
    assert processors.stop(restarted) == 0

    expected = {name: {f"{name}.cb run-{n} {name}" for n in range(CALLBACKS_PER_DIR)} for name in folders}
    lines_b = Counter(log_lines(folders["team_b"]))
    assert set(lines_b) == expected["team_b"] and set(lines_b.values()) == {1}
    lines_a = Counter(log_lines(folders["team_a"]))
    assert set(lines_a) == expected["team_a"]  # none lost, none run by team_b's processor
    # At-least-once: only a callback caught by the SIGKILL between writing its line and the deletion
    # of its row can run again, at most one per worker thread (-P 2); every other one ran once.
    assert sum(lines_a.values()) - len(lines_a) <= 2, lines_a

    with session_factory() as session:
        jobs = session.scalars(select(JobModel).order_by(JobModel.id)).all()
    states = [(Path(job.processor_subdir).name, job.state) for job in jobs]
    # The two one-loop parses, then the killed team_a job (never ended), team_b's and the restart's.
    assert Counter(states) == Counter(
        {("team_a", "success"): 2, ("team_b", "success"): 2, ("team_a", "running"): 1}
    )
    assert all(job.end_date is not None for job in jobs if job.state == "success")
