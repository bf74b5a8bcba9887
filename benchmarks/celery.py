"""No-op task throughput: the CeleryExecutor beside the LocalExecutor, in processes and in containers.

One DAG of ``--tasks`` (default 200) independent no-op PythonOperators on a throwaway PostgreSQL
database (the CeleryExecutor refuses SQLite) of the server ``tooling/start_postgres.sh`` runs.
Each configuration runs the DAG ``--repeat`` times; tasks/s = tasks / (last try recorded - first
try queued). Prints each run and the medians; asserts nothing.

1. Process runtime, this host: the LocalExecutor (``--concurrency`` slots), then the
   CeleryExecutor with 1, 2 and 3 ``dagseal celery worker`` processes (``-c --concurrency`` each,
   the scheduler gets ``concurrency x workers`` slots) and this benchmark's own Redis
   (``tooling/start_redis.sh`` on port 6392). The scheduler loop runs in this process.
2. Container tries (``--containers``, root): the tests' sandbox image (tests/integration/docker,
   built from this checkout), each run pinned to it by the DAG folder's runtime.yaml. The
   LocalExecutor on the system engine (``2 x --concurrency`` slots), then the CeleryExecutor across
   two worker hosts made of network namespaces (``tooling/netns_hosts.py``, as the multihost test
   makes them): each with its own dockerd (the image loaded into it) and one worker (``-c
   --concurrency``); the control host serves the database port and Redis and runs ``dagseal
   scheduler``. Everything it made is removed at the end.

Usage: ``python benchmarks/celery.py [--tasks N] [--repeat N] [--concurrency C] [--no-containers]``
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name would shadow the celery package for everything imported below.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path[:0] = [
    str(_HERE.parent),
    str(_HERE.parent / "tests" / "integration" / "docker"),
]  # tooling, testimage

import argparse  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import AbstractContextManager, ExitStack, contextmanager  # noqa: E402

import docker  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402
from testimage import build_test_image  # noqa: E402

from dagseal.config import load_config  # noqa: E402
from dagseal.db.models import DagRunModel, TaskInstanceModel  # noqa: E402
from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope  # noqa: E402
from dagseal.executor.celery_app import CelerySettings  # noqa: E402
from dagseal.executor.celery_executor import CeleryExecutor  # noqa: E402
from dagseal.executor.local_executor import LocalExecutor  # noqa: E402
from dagseal.executor.settings import SupervisorSettings  # noqa: E402
from dagseal.lifecycle.handoff import BaseExecutor  # noqa: E402
from dagseal.placement import Placement  # noqa: E402
from dagseal.processor import DagProcessorManager  # noqa: E402
from dagseal.scheduler.dagrun_creation import trigger_dag  # noqa: E402
from dagseal.scheduler.job import SchedulerJob, SchedulerSettings  # noqa: E402
from dagseal.timeutil import utcnow  # noqa: E402
from tooling.netns_hosts import ControlServices, HostEngine, Hosts  # noqa: E402

ROOT = _HERE.parent
PG_SERVER = "postgresql+psycopg://dagseal:dagseal@127.0.0.1:54329/dagseal"
REDIS_PORT = "6392"
DAG_FILE = """
from dagseal import DAG, PythonOperator

def noop() -> None:
    return None

with DAG("bench_celery", schedule=None) as dag:
    for i in range({tasks}):
        PythonOperator(task_id=f"t{{i:03d}}", python_callable=noop)
"""


@contextmanager
def throwaway_database(server: str) -> Iterator[str]:
    admin = create_engine_from_conn(server, isolation_level="AUTOCOMMIT")
    name = f"dagseal_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def own_redis(work: Path) -> Iterator[str]:
    env = {**os.environ, "DAGSEAL_REDIS_PORT": REDIS_PORT, "DAGSEAL_REDIS_DIR": str(work / "redis")}
    url = subprocess.run(
        ["bash", str(ROOT / "tooling/start_redis.sh")], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield url
    finally:
        pid = int((work / "redis" / "redis.pid").read_text())
        os.kill(pid, signal.SIGTERM)


def _start(
    args: list[str], env: dict[str, str], log: Path, wrap: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """``python -m dagseal ARGS`` (under ``wrap``: on another host), logging to ``log``."""
    out = log.open("wb")
    return subprocess.Popen([*wrap, sys.executable, "-m", "dagseal", *args], env=env, stdout=out, stderr=out)


@contextmanager
def stopped_at_exit(procs: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    try:
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait()


def workers(count: int, concurrency: int, env: dict[str, str], work: Path) -> AbstractContextManager[None]:
    """``count`` local workers, stopped when the block ends."""
    command = ["celery", "worker", "-c", str(concurrency), "--hostname"]
    logs = [work / f"worker-{count}-{n}.log" for n in range(count)]
    return stopped_at_exit([_start([*command, f"bench{n}@%h"], env, log) for n, log in enumerate(logs)])


def _trigger(factory: sessionmaker[Session], placement: Placement) -> int:
    with session_scope(factory) as session:
        return trigger_dag(session, "bench_celery", {}, utcnow(), placement).id


def _finished(factory: sessionmaker[Session], run_id: int) -> bool:
    with session_scope(factory) as session:
        state = session.scalar(select(DagRunModel.state).where(DagRunModel.id == run_id))
    return state in ("success", "failed")


def _tasks_per_second(factory: sessionmaker[Session], run_id: int) -> float:
    with session_scope(factory) as session:
        first, last, done = session.execute(
            select(
                func.min(TaskInstanceModel.queued_dttm),
                func.max(TaskInstanceModel.end_date),
                func.count().filter(TaskInstanceModel.state == "success"),
            ).where(TaskInstanceModel.dag_run_id == run_id)
        ).one()
    return done / (last - first).total_seconds()


def run_once(
    factory: sessionmaker[Session], executor: BaseExecutor, scheduler: SchedulerSettings, placement: Placement
) -> float:
    """Trigger one run, drive the scheduler in this process until it finished; returns tasks/s."""
    run_id = _trigger(factory, placement)
    SchedulerJob(factory, executor, scheduler, placement, after_pass=lambda: _finished(factory, run_id)).run()
    return _tasks_per_second(factory, run_id)


def run_elsewhere(factory: sessionmaker[Session], placement: Placement) -> float:
    """Trigger one run for a scheduler running elsewhere (the control host); returns tasks/s."""
    run_id = _trigger(factory, placement)
    while not _finished(factory, run_id):
        time.sleep(0.2)
    return _tasks_per_second(factory, run_id)


@contextmanager
def worker_hosts(
    work: Path, db_url: str, image: str
) -> Iterator[tuple[Hosts, dict[str, HostEngine], str, str]]:
    """The control host and two worker hosts, each worker with its own engine holding ``image``;
    yields them with the database and broker URLs as the hosts see them."""
    hosts = Hosts(("ctl", "w1", "w2"), prefix="dsb")
    engines = {host: HostEngine(hosts, host) for host in ("w1", "w2")}
    control = ControlServices(hosts, work / "control")
    with ExitStack() as stack:
        stack.callback(hosts.remove)
        hosts.create()
        for engine in engines.values():
            stack.callback(engine.stop)
            engine.start()
            saved = subprocess.run(["docker", "save", image], check=True, capture_output=True).stdout
            subprocess.run(
                ["docker", "-H", engine.socket, "load"], input=saved, check=True, capture_output=True
            )
        stack.callback(control.stop)
        hosts_url, broker = control.start(db_url)
        yield hosts, engines, hosts_url, broker


def containers(
    args: argparse.Namespace,
    work: Path,
    url: str,
    env: dict[str, str],
    factory: sessionmaker[Session],
    figures: dict[str, list[float]],
) -> None:
    """Part 2: container tries through the LocalExecutor, then across two worker hosts."""
    image = build_test_image(docker.APIClient(version="auto"))
    work.chmod(0o755)  # the DAG folder is mounted into containers that run as uid 1000
    (work / "dags" / "runtime.yaml").write_text(f"image: {image}\n")
    docker_env = {
        **env,
        "DAGSEAL__CORE__TASK_EXECUTION_RUNTIME": "docker",
        "DAGSEAL__DOCKER_RUNTIME__LABELS": "io.dagseal.test=1",
    }
    config = load_config(docker_env, work)
    supervisor = SupervisorSettings.from_config(config)
    placement = Placement(supervisor.placement)  # pins each new run to the runtime.yaml image
    scheduler = SchedulerSettings.from_config(config)
    slots = 2 * args.concurrency
    local = f"LocalExecutor, containers (parallelism {slots})"
    for _ in range(args.repeat):
        executor = LocalExecutor(slots, supervisor)
        figures.setdefault(local, []).append(run_once(factory, executor, scheduler, placement))
        print(f"{local}: {figures[local][-1]:.1f} tasks/s", flush=True)

    label = f"CeleryExecutor, containers, 2 worker hosts x -c {args.concurrency}"
    with worker_hosts(work, url, image) as (hosts, engines, hosts_url, broker):
        hosts_env = {
            **docker_env,
            "DAGSEAL__CORE__SQL_ALCHEMY_CONN": hosts_url,
            "DAGSEAL__CELERY__BROKER_URL": broker,
            "DAGSEAL__CORE__PARALLELISM": str(slots),
        }
        command = ["celery", "worker", "-c", str(args.concurrency), "--hostname"]
        procs = []
        for host, engine in engines.items():
            own = {
                "DAGSEAL__DOCKER_RUNTIME__SOCKET_PATH": engine.socket,
                "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(work / f"logs-{host}"),
            }
            log = work / f"worker-{host}.log"
            procs.append(_start([*command, f"{host}@%h"], {**hosts_env, **own}, log, hosts.as_host(host)))
        procs.append(_start(["scheduler"], hosts_env, work / "scheduler-ctl.log", hosts.enter("ctl")))
        with stopped_at_exit(procs):
            for _ in range(args.repeat):
                figures.setdefault(label, []).append(run_elsewhere(factory, placement))
                print(f"{label}: {figures[label][-1]:.1f} tasks/s", flush=True)


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="tries at once per worker")
    parser.add_argument("--pg-server", default=os.environ.get("DAGSEAL_TEST_PG_URL", PG_SERVER))
    parser.add_argument(
        "--containers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also container tries: LocalExecutor, and CeleryExecutor across 2 worker hosts (root)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dagseal-bench-celery-"))
    (work / "dags").mkdir()
    (work / "dags" / "bench.py").write_text(DAG_FILE.format(tasks=args.tasks))
    with throwaway_database(args.pg_server) as url, own_redis(work) as broker:
        migrate(url)
        factory = session_factory(create_engine_from_conn(url))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DAGSEAL")},
            "DAGSEAL_HOME": str(work),
            "DAGSEAL__CORE__SQL_ALCHEMY_CONN": url,
            "DAGSEAL__CORE__EXECUTOR": "CeleryExecutor",
            "DAGSEAL__CELERY__BROKER_URL": broker,
            "DAGSEAL__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
            "DAGSEAL__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "0.2",  # the CeleryExecutor polls results per beat
            "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(work / "logs"),
            "DAGSEAL__LOGGING__WORKER_LOG_SERVER_PORT": "0",
            "DAGSEAL__API__SECRET_KEY": uuid.uuid4().hex * 2,
        }
        config = load_config(env, work)
        supervisor = SupervisorSettings.from_config(config)
        placement = Placement(supervisor.placement)
        with DagProcessorManager.from_config(config, placement, work / "dags", factory) as processor:
            processor.run_once()
        scheduler = SchedulerSettings.from_config(config)
        print(
            f"dagseal celery benchmark: {args.tasks} no-op tasks, PostgreSQL, "
            f"{os.cpu_count()} CPUs, load average before {_load()}"
        )
        figures: dict[str, list[float]] = {}
        local = f"LocalExecutor (parallelism {args.concurrency})"
        for _ in range(args.repeat):
            executor = LocalExecutor(args.concurrency, supervisor)
            figures.setdefault(local, []).append(run_once(factory, executor, scheduler, placement))
            print(f"{local}: {figures[local][-1]:.1f} tasks/s", flush=True)
        celery = CelerySettings.from_config(config)
        for count in (1, 2, 3):
            label = f"CeleryExecutor, {count} worker(s) x -c {args.concurrency}"
            with workers(count, args.concurrency, env, work):
                for _ in range(args.repeat):
                    executor = CeleryExecutor(args.concurrency * count, celery, factory, placement)
                    figures.setdefault(label, []).append(run_once(factory, executor, scheduler, placement))
                    print(f"{label}: {figures[label][-1]:.1f} tasks/s", flush=True)
        if args.containers:
            containers(args, work, url, env, factory, figures)
        print(f"\nmedian of {args.repeat} runs (load average after {_load()}):")
        for label, values in figures.items():
            print(f"  {label:<60} {statistics.median(values):7.1f} tasks/s")
        factory.kw["bind"].dispose()


if __name__ == "__main__":
    main()
