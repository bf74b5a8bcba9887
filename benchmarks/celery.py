"""No-op task throughput: the CeleryExecutor with 1, 2 and 3 local workers beside the LocalExecutor.

One DAG of ``--tasks`` (default 200) independent no-op PythonOperators, process runtime, on a
throwaway PostgreSQL database (the CeleryExecutor refuses SQLite) of the server
``tooling/start_postgres.sh`` runs, and this benchmark's own Redis (``tooling/start_redis.sh`` on
port 6392, stopped at the end). Each configuration runs the DAG ``--repeat`` times through the real
scheduler loop (in this process) and real ``dagseal celery worker`` processes (``-c
--concurrency`` each; the scheduler gets ``concurrency x workers`` slots; the LocalExecutor gets
``--concurrency``). tasks/s = tasks / (last try recorded - first try queued). Prints each run and
the median; asserts nothing.

Usage: ``python benchmarks/celery.py [--tasks N] [--repeat N] [--concurrency C]``
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name would shadow the celery package for everything imported below.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import argparse  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

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


@contextmanager
def workers(count: int, concurrency: int, env: dict[str, str], work: Path) -> Iterator[None]:
    procs = []
    for n in range(count):
        log = (work / f"worker-{count}-{n}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "dagseal", "celery", "worker", "-c", str(concurrency), "--hostname",
                 f"bench{n}@%h"],
                env=env, cwd=work, stdout=log, stderr=log,
            )
        )  # fmt: skip
    try:
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait()


def run_once(
    factory: sessionmaker[Session], executor: BaseExecutor, scheduler: SchedulerSettings, placement: Placement
) -> float:
    """Trigger one run, drive the scheduler until it finished; returns tasks/s."""
    with session_scope(factory) as session:
        run_id = trigger_dag(session, "bench_celery", {}, utcnow(), placement).id

    def finished() -> bool:
        with session_scope(factory) as session:
            return session.scalar(select(DagRunModel.state).where(DagRunModel.id == run_id)) in (
                "success",
                "failed",
            )

    SchedulerJob(factory, executor, scheduler, placement, after_pass=finished).run()
    with session_scope(factory) as session:
        first, last, done = session.execute(
            select(
                func.min(TaskInstanceModel.queued_dttm),
                func.max(TaskInstanceModel.end_date),
                func.count().filter(TaskInstanceModel.state == "success"),
            ).where(TaskInstanceModel.dag_run_id == run_id)
        ).one()
    return done / (last - first).total_seconds()


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="tries at once per worker")
    parser.add_argument("--pg-server", default=os.environ.get("DAGSEAL_TEST_PG_URL", PG_SERVER))
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
            f"dagseal celery benchmark: {args.tasks} no-op tasks, process runtime, PostgreSQL, "
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
                    executor = CeleryExecutor(args.concurrency * count, celery, factory)
                    figures.setdefault(label, []).append(run_once(factory, executor, scheduler, placement))
                    print(f"{label}: {figures[label][-1]:.1f} tasks/s", flush=True)
        print(f"\nmedian of {args.repeat} runs (load average after {_load()}):")
        for label, values in figures.items():
            print(f"  {label:<45} {statistics.median(values):7.1f} tasks/s")
        factory.kw["bind"].dispose()


if __name__ == "__main__":
    main()
