"""A throwaway dagseal installation for scheduler tests: a DAG folder, a real DB, CLI subprocesses.

Timings are shortened through ``DAGSEAL__*`` variables (zombie threshold 3 s, detection every
1 s, half-second loops) so reliability scenarios finish in seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import create_engine_from_conn, session_factory, session_scope

DAGSEAL = [sys.executable, "-c", "import sys; from dagseal.cli import main; sys.exit(main())"]
ZOMBIE_THRESHOLD = 3.0
ZOMBIE_INTERVAL = 1.0


class SchedulerEnv:
    def __init__(self, root: Path, db_url: str, **settings: str) -> None:
        self.root = root
        self.db_url = db_url
        self.repo = root / "repos" / "team"
        self.repo.mkdir(parents=True)
        self.out = root / "out"  # side effects written by tasks and callbacks
        self.out.mkdir()
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("DAGSEAL")}
        self.env.update(
            {
                "DAGSEAL_HOME": str(root / "home"),
                "DAGSEAL__CORE__SQL_ALCHEMY_CONN": db_url,
                "DAGSEAL__CORE__DAGS_FOLDER": str(root / "repos"),
                "DAGSEAL__CORE__PARALLELISM": "4",
                "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(root / "logs"),
                "DAGSEAL__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
                "DAGSEAL__SCHEDULER__ZOMBIE_THRESHOLD": str(ZOMBIE_THRESHOLD),
                "DAGSEAL__SCHEDULER__ZOMBIE_DETECTION_INTERVAL": str(ZOMBIE_INTERVAL),
                # a try a SIGKILLed scheduler queued but never handed over goes back to scheduled
                # after [scheduler] task_queued_timeout (600 s by default, as in Airflow)
                "DAGSEAL__SCHEDULER__TASK_QUEUED_TIMEOUT": str(ZOMBIE_THRESHOLD),
                "DAGSEAL__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "0.5",
                "DAGSEAL__SCHEDULER__PROCESSOR_LOOP_SLEEP": "0.5",
                "DAGSEAL__SCHEDULER__CALLBACK_CLAIM_TIMEOUT": "5",
                **{f"DAGSEAL__{key.upper()}": value for key, value in settings.items()},
            }
        )
        self.factory: sessionmaker[Session] = session_factory(create_engine_from_conn(db_url))
        self._procs: list[subprocess.Popen[bytes]] = []

    def write_dag(self, source: str, name: str = "dags.py") -> None:
        """Write a DAG file; ``{out}`` in the source becomes the side-effect directory."""
        (self.repo / name).write_text(dedent(source).replace("{out}", str(self.out)))

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*DAGSEAL, *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"dagseal {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result

    def start(
        self, *args: str, env: dict[str, str] | None = None, wrap: tuple[str, ...] = ()
    ) -> subprocess.Popen[bytes]:
        """Start a CLI process (``env``: variables added for this one, e.g. a worker's own settings;
        ``wrap``: a command it runs under, e.g. ``nsenter --net=...`` to put it on another host)."""
        log = (self.root / f"{args[0]}-{len(self._procs)}.log").open("wb")
        proc = subprocess.Popen(
            [*wrap, *DAGSEAL, *args], env={**self.env, **(env or {})}, cwd=self.root, stdout=log, stderr=log
        )
        self._procs.append(proc)
        return proc

    def parse(self) -> None:
        self.cli("dag-processor", "--subdir", str(self.repo), "--num-runs", "1")

    def wait_for(self, what: str, predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; logs in {self.root}")

    def tis(self, dag_id: str | None = None) -> list[TaskInstanceModel]:
        query = select(TaskInstanceModel).order_by(TaskInstanceModel.task_id)
        if dag_id:
            query = query.where(TaskInstanceModel.dag_id == dag_id)
        with session_scope(self.factory) as session:
            return list(session.scalars(query))

    def ti(self, task_id: str) -> TaskInstanceModel | None:
        return next((ti for ti in self.tis() if ti.task_id == task_id), None)

    def run_states(self) -> list[str]:
        with session_scope(self.factory) as session:
            return list(session.scalars(select(DagRunModel.state)))

    def lines(self, name: str) -> list[str]:
        path = self.out / name
        return path.read_text().splitlines() if path.exists() else []

    def close(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self._procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.factory.kw["bind"].dispose()


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie entry awaiting its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]
