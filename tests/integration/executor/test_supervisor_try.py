"""The supervisor in-process against a real DB and the process runtime: claim, run, record, callbacks."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import attrs
import pytest
from scheduler_steps import queue_ready
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import load_config
from dagseal.db.jobs import add_job
from dagseal.db.models import DagRunModel, JobModel, JobType, TaskInstanceModel
from dagseal.db.session import create_engine_from_conn, session_scope
from dagseal.db.session import session_factory as make_session_factory
from dagseal.deploy.deployments import record_deployment
from dagseal.executor.local_executor import LocalExecutor
from dagseal.executor.settings import SupervisorSettings
from dagseal.executor.supervisor import supervise
from dagseal.executor.warm_supervisors import WarmSupervisors
from dagseal.lifecycle.handoff import QueuedTry
from dagseal.lifecycle.states import TaskState
from dagseal.lifecycle.try_claim import claim_try, still_owned
from dagseal.lifecycle.try_record import record_outcome, rehearse
from dagseal.placement import Placement, PlacementSettings
from dagseal.processor import DagProcessorManager
from dagseal.runtime.base import TaskOutcome, TryIdentity
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.timeutil import utcnow
from tests.callback_rows import take_callbacks
from tests.unit.deploy.deploy_maps import digest_map, repo

PLACEMENT = Placement(PlacementSettings())  # the process runtime

DAG_SOURCE = """
import time
from datetime import timedelta
from dagseal import DAG, PythonOperator, task

def on_retry(context):
    pass

with DAG("sup", schedule=None) as dag:
    @task
    def produce() -> dict:
        return {"rows": 3}

    @task
    def consume(data: dict) -> int:
        print("consuming", data)
        return data["rows"] * 2

    consume(produce())
    PythonOperator(
        task_id="boom", python_callable=lambda: 1 / 0, retries=1, retry_delay=timedelta(seconds=30),
        on_retry_callback=on_retry,
    )
    PythonOperator(task_id="sleepy", python_callable=lambda: time.sleep(30))
"""


def parse_and_trigger(
    tmp_path: Path, factory: sessionmaker[Session], source: str, dag_id: str, conf: dict | None = None
) -> Path:
    """Parse ``source`` as ``<tmp>/team/<dag_id>.py`` and trigger run ``r1`` of ``dag_id``."""
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / f"{dag_id}.py").write_text(source)
    with DagProcessorManager.from_config(
        load_config(environ={}, cwd=tmp_path), PLACEMENT, folder, factory
    ) as manager:
        assert manager.run_once().import_errors == 0
    with session_scope(factory) as session:
        trigger_dag(session, dag_id, conf or {}, utcnow(), PLACEMENT, run_id="r1")
    return folder


@pytest.fixture
def dag_dir(tmp_path: Path, session_factory: sessionmaker[Session]) -> Path:
    return parse_and_trigger(tmp_path, session_factory, DAG_SOURCE, "sup", {"k": "v"})


def settings(tmp_path: Path, url: str, zombie_threshold: float = 30.0) -> SupervisorSettings:
    return SupervisorSettings(
        sql_alchemy_conn=url,
        base_log_folder=str(tmp_path / "logs"),
        zombie_threshold=zombie_threshold,
        placement=PLACEMENT.settings,
    )


def ti(factory: sessionmaker[Session], ti_id: int) -> TaskInstanceModel:
    with session_scope(factory) as session:
        return session.get(TaskInstanceModel, ti_id)


def test_upstream_return_value_flows_and_everything_is_recorded(
    dag_dir: Path, tmp_path: Path, session_factory: sessionmaker[Session], migrated_db_url: str
) -> None:
    config = settings(tmp_path, migrated_db_url)
    queued = queue_ready(session_factory)
    assert supervise(config, PLACEMENT, session_factory, queued["produce"]) is TaskState.SUCCESS
    assert supervise(config, PLACEMENT, session_factory, queued["produce"]) is None  # not queued any more
    consume_id = queue_ready(session_factory)["consume"]
    assert supervise(config, PLACEMENT, session_factory, consume_id) is TaskState.SUCCESS
    row = ti(session_factory, consume_id)
    assert json.loads(row.return_value) == 6
    assert (row.try_number, row.exit_code) == (1, 0)
    assert row.hostname and row.duration > 0 and row.exited_at <= row.end_date
    log = tmp_path / "logs" / "sup" / "r1" / "consume" / "1.log"
    assert "consuming {'rows': 3}" in log.read_text()
    with session_scope(session_factory) as session:
        assert session.get(JobModel, row.job_id).state == "success"


def test_failure_with_retries_left_goes_up_for_retry_with_its_callback(
    dag_dir: Path, tmp_path: Path, session_factory: sessionmaker[Session], migrated_db_url: str
) -> None:
    notices: list[None] = []
    boom = queue_ready(session_factory)["boom"]
    state = supervise(
        settings(tmp_path, migrated_db_url), PLACEMENT, session_factory, boom, lambda: notices.append(None)
    )
    assert state is TaskState.UP_FOR_RETRY
    row = ti(session_factory, boom)
    assert "ZeroDivisionError" in row.error and row.next_retry_at > row.end_date
    sent = take_callbacks(session_factory)  # committed with the try's end
    assert [(r.kind, r.task_id, r.try_number) for r in sent] == [("task_retry", "boom", 1)]
    assert notices == [None]


def test_a_try_taken_away_is_killed_and_not_overwritten(
    dag_dir: Path, tmp_path: Path, session_factory: sessionmaker[Session], migrated_db_url: str
) -> None:
    sleepy = queue_ready(session_factory)["sleepy"]

    def clear_when_running() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and ti(session_factory, sleepy).state != "running":
            time.sleep(0.05)
        with session_scope(session_factory) as session:
            session.execute(
                update(TaskInstanceModel).where(TaskInstanceModel.id == sleepy).values(state=None)
            )

    clearer = threading.Thread(target=clear_when_running)
    clearer.start()
    started = time.monotonic()
    state = supervise(
        settings(tmp_path, migrated_db_url, zombie_threshold=0.6), PLACEMENT, session_factory, sleepy
    )
    clearer.join()
    assert state is None
    assert time.monotonic() - started < 15  # killed, not slept for 30 s
    assert ti(session_factory, sleepy).state is None
    log = (tmp_path / "logs" / "sup" / "r1" / "sleepy" / "1.log").read_text()
    assert "changed outside this try" in log


def test_unknown_task_instance_is_one_clear_error(
    dag_dir: Path, session_factory: sessionmaker[Session]
) -> None:
    from dagseal.lifecycle.try_claim import TaskInstanceNotFound, find_task_instance

    with pytest.raises(TaskInstanceNotFound, match=r"no task instance sup\.nope in run 'r1'"):
        find_task_instance(session_factory, "sup", "nope", "r1")


def test_local_executor_forks_supervisors_that_report_back_and_survives_a_dead_fork_server(
    dag_dir: Path, tmp_path: Path, session_factory: sessionmaker[Session], migrated_db_url: str
) -> None:
    """Through the fork server: each try has its own supervisor pid and job; a callback request it
    committed wakes the processors over its connection; a killed fork server is replaced on the
    next try."""
    wakes: list[None] = []
    executor = LocalExecutor(2, settings(tmp_path, migrated_db_url), lambda: wakes.append(None))
    executor.start()
    try:
        queued = queue_ready(session_factory)
        for task_id in ("produce", "boom"):
            executor.execute(QueuedTry(queued[task_id], "sup", "r1", task_id))
        finished = []
        deadline = time.monotonic() + 60
        while len(finished) < 2 and time.monotonic() < deadline:
            executor.wait(1.0)
            finished += executor.sync()
        assert sorted(f.exit_code for f in finished) == [0, 0]
        assert [(r.kind, r.task_id) for r in take_callbacks(session_factory)] == [("task_retry", "boom")]
        assert wakes == [None]
        rows = [ti(session_factory, queued[task_id]) for task_id in ("produce", "boom")]
        assert [row.state for row in rows] == ["success", "up_for_retry"]
        assert len({row.pid for row in rows} | {os.getpid()}) == 3
        assert rows[0].job_id != rows[1].job_id
        assert executor._supervisors._server is not None
        os.kill(executor._supervisors._server._process.pid, signal.SIGKILL)  # type: ignore[union-attr]
        executor._supervisors._server._process.wait()  # type: ignore[union-attr]
        consume = queue_ready(session_factory)["consume"]
        executor.execute(QueuedTry(consume, "sup", "r1", "consume"))
    finally:
        executor.end()
    assert ti(session_factory, consume).state == "success"


def test_a_supervisor_that_ended_its_try_runs_the_next_and_exits_with_the_executor(
    dag_dir: Path, tmp_path: Path, session_factory: sessionmaker[Session], migrated_db_url: str
) -> None:
    """Tries one after the other go to the same idle supervisor: the same pid, each with its own
    job and its own ``exit 0``; a supervisor killed during its try is reported killed and the next
    try gets a fresh one; stopping the executor ends the idle supervisor."""
    executor = LocalExecutor(1, settings(tmp_path, migrated_db_url))
    executor.start()

    def run(ti_id: int, task_id: str, kill: bool = False) -> int | None:
        executor.execute(QueuedTry(ti_id, "sup", "r1", task_id))
        handle = executor._running[ti_id]
        if kill:
            handle.read(10, until_pid=True)
            assert handle.pid is not None
            time.sleep(0.5)  # sleepy is sleeping: the supervisor waits on its sandbox
            os.kill(handle.pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            executor.wait(1.0)
            for finished in executor.sync():
                return finished.exit_code
        raise AssertionError(f"{task_id} did not finish")

    try:
        queued = queue_ready(session_factory)
        produce, sleepy, boom = queued["produce"], queued["sleepy"], queued["boom"]
        assert run(produce, "produce") == 0
        consume = queue_ready(session_factory)["consume"]
        assert run(consume, "consume") == 0
        first, second = ti(session_factory, produce), ti(session_factory, consume)
        assert (first.state, second.state) == ("success", "success")
        assert first.pid == second.pid and first.job_id != second.job_id
        assert run(sleepy, "sleepy", kill=True) is None  # killed by a signal
        assert ti(session_factory, sleepy).state == "running"  # the scheduler's zombie check ends it
        assert run(boom, "boom") == 0
        assert ti(session_factory, boom).state == "up_for_retry"
        assert ti(session_factory, boom).pid not in (first.pid, ti(session_factory, sleepy).pid)
    finally:
        executor.end()
    with pytest.raises(ProcessLookupError):
        os.kill(ti(session_factory, boom).pid, 0)


def test_an_idle_fork_server_is_stopped_and_the_next_try_starts_a_new_one(
    dag_dir: Path, tmp_path: Path, session_factory: sessionmaker[Session], migrated_db_url: str
) -> None:
    """No try for ``idle_server_seconds``: the server and its idle supervisor exit; a later try
    gets a new server and runs."""
    supervisors = WarmSupervisors(settings(tmp_path, migrated_db_url), idle_server_seconds=0.2)
    supervisors.start()
    try:
        queued = queue_ready(session_factory)
        handle = supervisors.fork(queued["produce"])
        handle.read(timeout=60)
        assert handle.exit_code == 0
        first_server = supervisors._server
        assert first_server is not None and first_server._process is not None
        server_pid = first_server._process.pid
        supervisors.idle(running=1)
        time.sleep(0.3)
        supervisors.idle(running=1)  # a try running: never stopped
        assert supervisors._server is first_server
        supervisors.idle(running=0)
        time.sleep(0.3)
        supervisors.idle(running=0)
        assert supervisors._server is None
        with pytest.raises(ChildProcessError):
            os.waitpid(server_pid, 0)  # stopped and reaped
        assert not os.path.exists(first_server.socket_path)
        with pytest.raises(ProcessLookupError):  # its idle supervisor went with it
            os.kill(ti(session_factory, queued["produce"]).pid, 0)
        handle = supervisors.fork(queued["boom"])
        handle.read(timeout=60)
        assert handle.exit_code == 0
        assert ti(session_factory, queued["boom"]).state == "up_for_retry"
    finally:
        supervisors.stop()


def test_rehearse_compiles_every_statement_a_claim_and_its_record_run(
    dag_dir: Path, tmp_path: Path, session_factory: sessionmaker[Session], migrated_db_url: str
) -> None:
    """On a fresh engine, after ``rehearse`` a real claim (with an upstream result) and its record
    add nothing to SQLAlchemy's compiled cache: no statement of theirs misses the warm-up."""
    produce = queue_ready(session_factory)["produce"]
    assert (
        supervise(settings(tmp_path, migrated_db_url), PLACEMENT, session_factory, produce)
        is TaskState.SUCCESS
    )
    consume = queue_ready(session_factory)["consume"]
    engine = create_engine_from_conn(migrated_db_url)
    try:
        fresh = make_session_factory(engine)
        rehearse(fresh)
        warmed = len(engine._compiled_cache)
        with session_scope(fresh) as session:
            claimed = claim_try(session, consume, add_job(session, JobType.LOCAL_TASK), utcnow())
        assert claimed is not None and claimed.request.upstream_results == {"produce": {"rows": 3}}
        assert still_owned(fresh, claimed)
        outcome = TaskOutcome(state="success", exit_code=0, duration=0.1, return_value=6)
        assert record_outcome(fresh, claimed, outcome, utcnow(), None) == (TaskState.SUCCESS, False)
        assert len(engine._compiled_cache) == warmed
    finally:
        engine.dispose()


def test_the_claim_names_the_try_that_follows_in_a_chain(
    dag_dir: Path, session_factory: sessionmaker[Session]
) -> None:
    """produce → consume is a chain link: consume's next try is named; the others have none."""
    queued = queue_ready(session_factory)
    with session_scope(session_factory) as session:
        job_id = add_job(session, JobType.LOCAL_TASK)
        claimed = {t: claim_try(session, queued[t], job_id, utcnow()) for t in ("produce", "boom")}
    assert claimed["produce"] is not None and claimed["boom"] is not None
    consume = TryIdentity(dag_id="sup", run_id="r1", task_id="consume", try_number=1)
    assert claimed["produce"].successor == consume
    assert claimed["boom"].successor is None  # no downstream task


def test_the_claim_loads_the_pull_reference_of_the_runs_own_deployment(
    dag_dir: Path, session_factory: sessionmaker[Session]
) -> None:
    """The supervisor needs no second session for its image: the claim joins the run's deployment."""
    old, new = repo("team", "v1"), repo("team", "v2")
    with session_scope(session_factory) as session:
        first = record_deployment(session, digest_map(old), "ci", "test").id
        record_deployment(session, digest_map(new), "ci", "test")  # current now; the run keeps v1
        session.execute(
            update(DagRunModel)
            .where(DagRunModel.run_id == "r1")
            .values(image_digest=old["manifest_digest"], deployment_id=first)
        )
    queued = queue_ready(session_factory)
    with session_scope(session_factory) as session:
        claimed = claim_try(session, queued["produce"], add_job(session, JobType.LOCAL_TASK), utcnow())
        assert claimed is not None
        assert (claimed.image_ref, claimed.image_error) == (old["registry_ref"], None)
        session.execute(update(DagRunModel).values(image_digest=new["manifest_digest"]))
        missing = claim_try(session, queued["boom"], add_job(session, JobType.LOCAL_TASK), utcnow())
    assert missing is not None and missing.image_ref is None
    assert missing.image_error == f"deployment {first} has no image {new['manifest_digest']}"


LOUD_DAG = """
from dagseal import DAG, PythonOperator

def loud():
    for _ in range(2000):
        print("x" * 999)  # ~2 MB in all

with DAG("loud", schedule=None) as dag:
    PythonOperator(task_id="loud", python_callable=loud)
"""


def test_a_try_that_prints_past_max_try_log_bytes_is_truncated_with_a_marker(
    tmp_path: Path, session_factory: sessionmaker[Session], migrated_db_url: str
) -> None:
    parse_and_trigger(tmp_path, session_factory, LOUD_DAG, "loud")
    capped = attrs.evolve(settings(tmp_path, migrated_db_url), max_try_log_bytes=10_000)
    loud = queue_ready(session_factory)["loud"]
    assert supervise(capped, PLACEMENT, session_factory, loud) is TaskState.SUCCESS
    text = (tmp_path / "logs" / "loud" / "r1" / "loud" / "1.log").read_text()
    assert "[dagseal] log truncated: the try printed more than 10000 bytes; the rest is dropped" in text
    assert text.count("x" * 999) < 11 and len(text) < 12_000
    assert text.rstrip().endswith("try ended: success, exit code 0")
