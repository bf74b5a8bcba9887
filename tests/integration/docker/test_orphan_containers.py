"""A worker removes the task, ahead-started and standby containers its host's dead supervisors
left, and nothing else."""

from __future__ import annotations

import socket
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

from docker_helpers import TEST_LABELS
from scheduler_steps import queue_ready
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import load_config
from dagseal.db.jobs import add_job
from dagseal.db.models import JobModel, JobType
from dagseal.db.session import session_scope
from dagseal.executor.orphan_containers import HOST_LABEL, remove_orphans
from dagseal.lifecycle.try_claim import claim_try
from dagseal.placement import Placement, PlacementSettings
from dagseal.processor import DagProcessorManager
from dagseal.runtime.docker_container import identity_labels
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.runtime.docker_standby import OWNER_LABEL, owner
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.timeutil import utcnow

DAG_SOURCE = """
from dagseal import DAG, EmptyOperator

with DAG("orphans", schedule=None) as dag:
    for name in ("alive", "stale", "unclaimed", "elsewhere"):
        EmptyOperator(task_id=name)
"""


def _queued_tries(tmp_path: Path, factory: sessionmaker[Session]) -> dict[str, int]:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "orphans.py").write_text(DAG_SOURCE)
    placement = Placement(PlacementSettings())  # parsed in a process: only the rows matter here
    config = load_config({}, tmp_path)
    with DagProcessorManager.from_config(config, placement, tmp_path / "team", factory) as manager:
        assert manager.run_once().import_errors == 0
    with session_scope(factory) as session:
        trigger_dag(session, "orphans", {}, utcnow(), placement, run_id="r1")
    return queue_ready(factory)


def _claim(factory: sessionmaker[Session], ti_id: int) -> int:
    with session_scope(factory) as session:
        job_id = add_job(session, JobType.LOCAL_TASK)
        assert claim_try(session, ti_id, job_id, utcnow()) is not None
    return job_id


def test_a_worker_removes_only_its_hosts_orphaned_task_containers(
    tmp_path: Path, session_factory: sessionmaker[Session], engine: DockerEngine, test_image: str
) -> None:
    tries = _queued_tries(tmp_path, session_factory)
    _claim(session_factory, tries["alive"])
    stale_job = _claim(session_factory, tries["stale"])
    _claim(session_factory, tries["elsewhere"])
    with session_scope(session_factory) as session:
        session.execute(
            update(JobModel)
            .where(JobModel.id == stale_job)
            .values(latest_heartbeat=utcnow() - timedelta(hours=1))
        )
    names: dict[str, str] = {}
    try:
        for task_id in tries:
            host = "another-host" if task_id == "elsewhere" else socket.gethostname()
            identity = {"dag_id": "orphans", "run_id": "r1", "task_id": task_id, "try_number": 1}
            labels = {**identity_labels("task", identity), HOST_LABEL: host, **TEST_LABELS}
            names[task_id] = f"dagseal-orphan-test-{task_id}-{uuid.uuid4().hex[:8]}"
            engine.create(names[task_id], {"image": test_image, "command": ["true"], "labels": labels})

        gone = subprocess.Popen(["sleep", "60"])
        owners = {"standby_alive": owner(), "standby_gone": owner(gone.pid)}
        gone.kill()
        gone.wait()
        for key, process in owners.items():
            identity = {"host": socket.gethostname(), "owner": process, "n": 1}
            names[key] = f"dagseal-orphan-test-{key}-{uuid.uuid4().hex[:8]}"
            labels = {**identity_labels("standby", identity), **TEST_LABELS}
            engine.create(names[key], {"image": test_image, "command": ["true"], "labels": labels})
        # a chain's next try, started ahead by a supervisor: its try is not running yet
        for key, process in {"ahead_alive": owner(), "ahead_gone": owner(gone.pid)}.items():
            identity = {"dag_id": "orphans", "run_id": "r1", "task_id": "unclaimed", "try_number": 1}
            names[key] = f"dagseal-orphan-test-{key}-{uuid.uuid4().hex[:8]}"
            labels = {
                **identity_labels("task", identity),
                HOST_LABEL: socket.gethostname(),
                OWNER_LABEL: process,
                **TEST_LABELS,
            }
            engine.create(names[key], {"image": test_image, "command": ["true"], "labels": labels})

        removed = remove_orphans(engine, session_factory, threshold=60)

        gone_names = [names["stale"], names["unclaimed"], names["standby_gone"], names["ahead_gone"]]
        assert sorted(removed) == sorted(gone_names)
        assert engine.inspect(names["standby_alive"]) is not None
        assert engine.inspect(names["ahead_alive"]) is not None
        left = {
            c["Names"][0].lstrip("/")
            for c in engine.containers({**TEST_LABELS, "io.dagseal.dag_id": "orphans"})
        }
        assert {names["alive"], names["elsewhere"]} <= left
        assert not {names["stale"], names["unclaimed"]} & left
    finally:  # the other docker tests count this session's test containers
        for name in names.values():
            engine.remove(name)
