"""The CeleryExecutor end to end: real Redis (this test's own instance), PostgreSQL, workers and a
scheduler as CLI processes. Tries run once each although the broker delivers at least once."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest
from pg_proxy import PgProxy
from sched_env import SchedulerEnv, children_of, process_alive
from sqlalchemy.engine import make_url

from dagseal.config import Config, load_config
from dagseal.executor.celery_app import EXECUTE_TRY_TASK, CelerySettings, TryMessage, celery_app

pytestmark = [pytest.mark.integration, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[3]
REDIS_PORT = 6391  # not the shared 6380: these tests stop and restart their broker
REDIS_PASSWORD = "celery-test"
VISIBILITY_TIMEOUT = 8.0  # a message unacknowledged this long goes back to its queue
ON_POSTGRES = pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


class Redis:
    """This test's own redis-server (tooling/start_redis.sh on its own port and directory)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.env = {
            **os.environ,
            "DAGSEAL_REDIS_PORT": str(REDIS_PORT),
            "DAGSEAL_REDIS_DIR": str(directory),
            "DAGSEAL_REDIS_PASSWORD": REDIS_PASSWORD,
        }
        self.url = ""

    def start(self) -> None:
        result = subprocess.run(
            ["bash", str(ROOT / "tooling/start_redis.sh")], env=self.env, capture_output=True, text=True
        )
        if result.returncode != 0:
            pytest.fail(f"tooling/start_redis.sh failed: {result.stderr}", pytrace=False)
        self.url = result.stdout.strip()

    def stop(self) -> None:
        _redis_cli("shutdown", "nosave")


def _redis_cli(*args: str) -> str:
    command = ["redis-cli", "-p", str(REDIS_PORT), "--no-auth-warning", "-a", REDIS_PASSWORD, *args]
    return subprocess.run(command, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: run tooling/start_redis.sh (it installs it)", pytrace=False)
    server = Redis(tmp_path / "redis")
    server.stop()  # a leftover of an earlier, killed run
    server.start()
    yield server
    server.stop()


@pytest.fixture
def env(tmp_path: Path, migrated_db_url: str, redis: Redis) -> Iterator[SchedulerEnv]:
    environment = SchedulerEnv(
        tmp_path,
        migrated_db_url,
        core__executor="CeleryExecutor",
        celery__broker_url=redis.url,
        celery__default_queue=f"test-{uuid.uuid4().hex[:8]}",
        celery_broker_transport_options__visibility_timeout=str(VISIBILITY_TIMEOUT),
        celery_broker_transport_options__unacked_restore_throttle="1",
        api__secret_key=uuid.uuid4().hex * 2,
        logging__worker_log_server_port="0",  # several workers on this one host: any free port each
    )
    yield environment
    environment.close()


WORK = """
import time
from dagseal import DAG, PythonOperator, chain

def work(name):
    def run():
        with open("{out}/" + name, "a") as handle:
            handle.write("ran\\n")
        time.sleep(0.5)
    return run
"""


def with_work(dag: str) -> str:
    """A DAG file whose ``work(name)`` tasks append "ran" to ``{out}/<name>``."""
    return WORK + dedent(dag)


DAG_SOURCE = with_work(
    """
    with DAG("fanout", schedule=None) as dag:
        for i in range(6):
            PythonOperator(task_id=f"t{i}", python_callable=work(f"t{i}"))
    """
)


def _config(env: SchedulerEnv) -> Config:
    return load_config({k: v for k, v in env.env.items() if k.startswith("DAGSEAL")}, env.root)


@ON_POSTGRES
def test_two_workers_run_every_try_once_and_a_redelivered_message_is_a_no_op(env: SchedulerEnv) -> None:
    env.write_dag(DAG_SOURCE)
    env.parse()
    workers = [env.start("celery", "worker", "-c", "1", "--hostname", f"w{n}@%h") for n in (1, 2)]
    env.start("scheduler")
    env.cli("dags", "trigger", "fanout")
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=120)
    tis = env.tis("fanout")
    assert [(ti.state, ti.try_number) for ti in tis] == [("success", 1)] * 6
    assert all(env.lines(ti.task_id) == ["ran"] for ti in tis)
    worker_logs = [(env.root / f"celery-{i}.log").read_text() for i in range(len(workers))]
    assert all("supervisor exited 0" in text for text in worker_logs), "tries landed on one worker only"

    # The broker may deliver a message again: the supervisor's conditional claim makes it a no-op.
    app = celery_app(CelerySettings.from_config(_config(env)))
    first = tis[0]
    message = TryMessage(
        ti_id=first.id, dag_id="fanout", run_id=first.run_id, task_id=first.task_id, celery_task_id="dup-1"
    )
    result = app.send_task(EXECUTE_TRY_TASK, args=[message.to_json()], task_id="dup-1")
    assert result.get(timeout=60) == 0
    again = env.ti(first.task_id)
    assert (again.state, again.try_number, again.job_id) == ("success", 1, first.job_id)
    assert env.lines(first.task_id) == ["ran"]
    app.close()

    listing = env.cli("celery", "list-workers")
    assert "w1@" in listing.stdout and "w2@" in listing.stdout
    stopped = env.cli("celery", "stop")
    assert stopped.stdout.count("stopping") == 2
    for worker in workers:
        assert worker.wait(60) == 0


@ON_POSTGRES
def test_broker_down_the_scheduler_keeps_running_and_tries_flow_after_restart(
    env: SchedulerEnv, redis: Redis
) -> None:
    env.write_dag(DAG_SOURCE)
    env.parse()
    # This worker keeps its logs apart and serves them on a fixed port, like a worker on another host.
    port = _free_port()
    host = socket.gethostbyname(socket.gethostname())
    assert host.startswith("127."), f"this host's name resolves to {host}, not to a loopback address"
    worker_logs = env.root / "worker-logs"
    env.start(
        "celery",
        "worker",
        "-c",
        "2",
        env={
            "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(worker_logs),
            "DAGSEAL__LOGGING__WORKER_LOG_SERVER_HOST": host,
            "DAGSEAL__LOGGING__WORKER_LOG_SERVER_PORT": str(port),
        },
    )
    scheduler = env.start("scheduler")
    redis.stop()
    env.cli("dags", "trigger", "fanout")
    env.wait_for(
        "tries queued while the broker is down",
        lambda: sum(ti.state == "queued" for ti in env.tis("fanout")) >= 1,
    )
    assert scheduler.poll() is None, "the scheduler died with the broker"
    assert not any(env.lines(f"t{i}") for i in range(6))
    redis.start()
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=120)
    assert scheduler.poll() is None
    assert [(ti.state, ti.try_number) for ti in env.tis("fanout")] == [("success", 1)] * 6
    assert all(env.lines(f"t{i}") == ["ran"] for i in range(6))

    # `tasks logs` on the scheduler's host has no copy: it reads the log from the worker's server.
    run_id = env.tis("fanout")[0].run_id
    assert not (env.root / "logs" / "fanout").exists() and (worker_logs / "fanout" / run_id).is_dir()
    env.env["DAGSEAL__LOGGING__WORKER_LOG_SERVER_PORT"] = str(port)
    shown = env.cli("tasks", "logs", "fanout", "t3", run_id).stdout
    assert shown.startswith(f"[dagseal] fanout.t3 run {run_id} try 1\n")
    assert "try ended: success" in shown
    env.env["DAGSEAL__API__SECRET_KEY"] = "not-the-workers-secret" * 4
    refused = env.cli("tasks", "logs", "fanout", "t3", run_id, check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        f"dagseal: error: log server on {socket.gethostname()}:{port} answered 403"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_celery_refuses_sqlite(tmp_path: Path, migrated_db_url: str) -> None:
    environment = SchedulerEnv(tmp_path, migrated_db_url, core__executor="CeleryExecutor")
    try:
        result = environment.cli("scheduler", "--num-runs", "1", check=False)
    finally:
        environment.close()
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "dagseal: error: [core] executor = CeleryExecutor needs PostgreSQL: workers on other hosts "
        "cannot share a SQLite file (sql_alchemy_conn is sqlite)"
    ]


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (the fork server, supervisors, zygote and sandboxes)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children_of(current))
    return found


@ON_POSTGRES
def test_a_worker_killed_mid_try_is_a_zombie_another_worker_retries_and_the_redelivery_is_a_no_op(
    env: SchedulerEnv,
) -> None:
    env.write_dag(
        """
        import time
        from datetime import timedelta
        from dagseal import DAG, PythonOperator
        from dagseal.sdk.context import get_current_context

        def victim():
            with open("{out}/victim", "a") as handle:
                handle.write(f"try {get_current_context().try_number}\\n")
            time.sleep(60 if get_current_context().try_number == 1 else 0.1)

        with DAG("killed", schedule=None) as dag:
            PythonOperator(
                task_id="victim", python_callable=victim, retries=1, retry_delay=timedelta(seconds=1)
            )
        """
    )
    env.parse()
    doomed = env.start("celery", "worker", "-c", "1", "--hostname", "doomed@%h")
    env.start("scheduler")
    env.cli("dags", "trigger", "killed")
    env.wait_for("try 1 running", lambda: env.lines("victim") == ["try 1"])
    tree = _tree(doomed.pid)
    assert len(tree) >= 4, f"worker, fork server, supervisor and sandbox expected, got {tree}"
    for pid in tree:
        os.kill(pid, signal.SIGKILL)
    doomed.wait()
    env.wait_for("all of the killed worker's processes gone", lambda: not any(map(process_alive, tree)))

    survivor = env.start("celery", "worker", "-c", "1", "--hostname", "survivor@%h")
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=120)
    victim = env.ti("victim")
    assert (victim.state, victim.try_number) == ("success", 2)
    assert env.lines("victim") == ["try 1", "try 2"]
    # The killed worker's message was never acknowledged: the broker hands it out again after the
    # visibility timeout, and the survivor's supervisor finds nothing queued to claim.
    log = env.root / "celery-2.log"
    env.wait_for(
        "the redelivered message",
        lambda: log.read_text().count(f"(ti {victim.id}): supervisor exited 0") == 2,
        timeout=VISIBILITY_TIMEOUT * 4,
    )
    assert env.lines("victim") == ["try 1", "try 2"]
    assert env.ti("victim").try_number == 2
    assert survivor.poll() is None


@ON_POSTGRES
def test_a_try_whose_message_the_broker_lost_is_requeued_after_task_queued_timeout(
    env: SchedulerEnv,
) -> None:
    env.env["DAGSEAL__SCHEDULER__TASK_QUEUED_TIMEOUT"] = "3"
    env.write_dag(DAG_SOURCE.replace("range(6)", "range(1)"))
    env.parse()
    env.start("scheduler")
    env.cli("dags", "trigger", "fanout")
    first = env.wait_for(
        "t0 queued", lambda: (ti := env.ti("t0")) and ti.state == "queued" and ti.queued_dttm
    )
    queue = env.env["DAGSEAL__CELERY__DEFAULT_QUEUE"]
    env.wait_for("the message in the broker", lambda: _redis_cli("llen", queue) == "1")
    assert _redis_cli("del", queue) == "1"  # the broker loses it
    requeued = env.wait_for(
        "t0 queued again",
        lambda: (ti := env.ti("t0")) and ti.state == "queued" and ti.queued_dttm > first and ti,
    )
    assert requeued.try_number == 0 and env.lines("t0") == []
    env.start("celery", "worker", "-c", "1")
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=60)
    assert (env.ti("t0").state, env.ti("t0").try_number, env.lines("t0")) == ("success", 1, ["ran"])


@ON_POSTGRES
def test_two_schedulers_one_sigkilled_mid_run_no_try_runs_twice(env: SchedulerEnv) -> None:
    env.env["DAGSEAL__SCHEDULER__TASK_QUEUED_TIMEOUT"] = "5"
    env.write_dag(
        with_work(
            """
        with DAG("pair", schedule=None) as dag:
            for lane in "abc":
                ids = [f"{lane}{i}" for i in range(4)]
                chain(*[PythonOperator(task_id=name, python_callable=work(name)) for name in ids])
        """
        )
    )
    env.parse()
    env.start("celery", "worker", "-c", "2")
    env.start("celery", "worker", "-c", "2")
    doomed = env.start("scheduler")
    env.start("scheduler")
    env.cli("dags", "trigger", "pair")
    env.wait_for("three successes", lambda: sum(ti.state == "success" for ti in env.tis("pair")) >= 3)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=120)
    tis = env.tis("pair")
    assert [(ti.state, ti.try_number) for ti in tis] == [("success", 1)] * 12
    for ti in tis:
        assert env.lines(ti.task_id) == ["ran"], f"{ti.task_id} ran {len(env.lines(ti.task_id))} times"


@ON_POSTGRES
def test_a_task_with_a_queue_runs_only_on_the_workers_of_that_queue(env: SchedulerEnv) -> None:
    team_queue = f"team-{uuid.uuid4().hex[:6]}"
    env.write_dag(
        with_work(
            f"""
        with DAG("queues", schedule=None) as dag:
            for i in range(3):
                PythonOperator(task_id=f"team{{i}}", python_callable=work(f"team{{i}}"), queue="{team_queue}")
                PythonOperator(task_id=f"any{{i}}", python_callable=work(f"any{{i}}"))
        """
        )
    )
    env.parse()
    env.start("celery", "worker", "-c", "2", "-q", team_queue, "--hostname", "team@%h")
    env.start("celery", "worker", "-c", "2", "--hostname", "default@%h")
    env.start("scheduler")
    env.cli("dags", "trigger", "queues")
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=120)
    assert all(env.lines(name) == ["ran"] for name in ("team0", "team1", "team2", "any0", "any1", "any2"))
    team_log, default_log = ((env.root / f"celery-{n}.log").read_text() for n in (0, 1))
    for i in range(3):
        assert f"queues.team{i} run" in team_log and f"queues.team{i} run" not in default_log
        assert f"queues.any{i} run" in default_log and f"queues.any{i} run" not in team_log


@ON_POSTGRES
def test_the_metadata_database_gone_for_10_s_mid_run_everything_reconnects(
    env: SchedulerEnv, migrated_db_url: str
) -> None:
    proxy = PgProxy(make_url(migrated_db_url), "127.0.0.1", _free_port())
    proxy.start()
    env.env["DAGSEAL__CORE__SQL_ALCHEMY_CONN"] = proxy.url.render_as_string(hide_password=False)
    env.env["DAGSEAL__SCHEDULER__ZOMBIE_THRESHOLD"] = "30"  # an outage shorter than it loses nothing
    try:
        env.write_dag(DAG_SOURCE.replace("time.sleep(0.5)", "time.sleep(3.0)"))
        env.parse()
        worker = env.start("celery", "worker", "-c", "3")
        processor = env.start("dag-processor", "--subdir", str(env.repo))
        scheduler = env.start("scheduler")
        env.cli("dags", "trigger", "fanout")
        env.wait_for("tries running", lambda: sum(ti.state == "running" for ti in env.tis("fanout")) >= 2)
        proxy.stop()  # every connection of every process through it is cut
        time.sleep(10)  # the outage the issue names, not a wait for something to happen
        proxy.start()
        env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=180)
        assert [(ti.state, ti.try_number) for ti in env.tis("fanout")] == [("success", 1)] * 6
        assert all(env.lines(f"t{i}") == ["ran"] for i in range(6))
        assert all(proc.poll() is None for proc in (worker, processor, scheduler))
    finally:
        proxy.stop()
