"""Task throughput and scheduling latency: 200 no-op tasks in one wide DAG, and a chain of 50.

Runs the real scheduler loop, LocalExecutor and supervisors with the process runtime at
``--parallelism`` (default 4) against a fresh SQLite file (or ``--db-url``), then reads the
timestamps the supervisors stored:

- throughput: tasks / (last "success recorded" - first "dependencies met") per DAG;
- scheduling latency: ``scheduled_dttm`` (dependencies met) → ``start_date`` (running);
- recording latency: ``exited_at`` (sandbox exited) → ``end_date`` (success recorded).

Prints figures; asserts nothing about timings.  Usage: ``python benchmarks/tasks.py``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.callbacks.database_sink import DatabaseCallbackSink
from dagseal.config import load_config
from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope
from dagseal.executor.local_executor import LocalExecutor
from dagseal.executor.settings import SupervisorSettings
from dagseal.processor import DagProcessorManager
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.scheduler.job import SchedulerJob, SchedulerSettings
from dagseal.timeutil import utcnow

DAG_FILE = """
from dagseal import DAG, PythonOperator, chain


def noop() -> None:
    return None


with DAG("bench.wide", schedule=None) as wide:
    for i in range({wide}):
        PythonOperator(task_id=f"t{{i:03d}}", python_callable=noop)

with DAG("bench.chain", schedule=None) as chained:
    chain(*[PythonOperator(task_id=f"c{{i:02d}}", python_callable=noop) for i in range({chain})])
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _latency_line(label: str, millis: list[float]) -> str:
    median, p95 = statistics.median(millis), percentile(millis, 0.95)
    return f"  {label:<34} median {median:8.1f} ms   p95 {p95:8.1f} ms"


def _millis(pairs: list[tuple[datetime, datetime]]) -> list[float]:
    return [(end - start).total_seconds() * 1000 for start, end in pairs]


def report(factory: sessionmaker[Session], dag_id: str) -> None:
    with session_scope(factory) as session:
        tis = session.scalars(select(TaskInstanceModel).where(TaskInstanceModel.dag_id == dag_id)).all()
        state = session.scalar(select(DagRunModel.state).where(DagRunModel.dag_id == dag_id))
    ok = sum(ti.state == "success" for ti in tis)
    span = (max(ti.end_date for ti in tis) - min(ti.scheduled_dttm for ti in tis)).total_seconds()
    print(f"{dag_id}: run {state}, {ok}/{len(tis)} succeeded in {span:.1f} s = {len(tis) / span:.1f} tasks/s")
    print(
        _latency_line("dependencies met -> running", _millis([(t.scheduled_dttm, t.start_date) for t in tis]))
    )
    print(
        _latency_line("queued (slot free) -> running", _millis([(t.queued_dttm, t.start_date) for t in tis]))
    )
    print(_latency_line("exited -> success recorded", _millis([(t.exited_at, t.end_date) for t in tis])))
    print(_latency_line("sandbox run (spawn to exit)", [t.duration * 1000 for t in tis]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--wide", type=int, default=200, help="tasks in the wide DAG")
    parser.add_argument("--chain", type=int, default=50, help="tasks in the chain DAG")
    parser.add_argument("--db-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dagseal-bench-"))
    folder = work / "dags"
    folder.mkdir()
    (folder / "bench.py").write_text(DAG_FILE.format(wide=args.wide, chain=args.chain))
    url = args.db_url or f"sqlite:///{work / 'bench.db'}"
    migrate(url)
    factory = session_factory(create_engine_from_conn(url))
    config = load_config(environ={"DAGSEAL_HOME": str(work)}, cwd=work)
    with DagProcessorManager.from_config(config, folder, factory) as processor:
        processor.run_once()
    settings = SupervisorSettings(
        sql_alchemy_conn=url,
        base_log_folder=str(work / "logs"),
        zombie_threshold=300,
        task_execution_runtime="process",
        standalone_dag_processor=True,
    )
    scheduler_settings = SchedulerSettings(
        loop_sleep=1.0,
        zombie_detection_interval=30,
        zombie_threshold=300,
        stale_dag_threshold=3600,
        stale_dag_cleanup_interval=3600,
    )
    print(f"dagseal task benchmark: parallelism {args.parallelism}, process runtime, {url.split(':')[0]}")
    for dag_id in ("bench.wide", "bench.chain"):
        with session_scope(factory) as session:
            trigger_dag(session, dag_id, {}, utcnow())

        def finished(dag_id: str = dag_id) -> bool:
            with session_scope(factory) as session:
                state = session.scalar(select(DagRunModel.state).where(DagRunModel.dag_id == dag_id))
            return state in ("success", "failed")

        executor = LocalExecutor(args.parallelism, DatabaseCallbackSink(factory), settings)
        started = time.monotonic()
        SchedulerJob(factory, executor, scheduler_settings, after_pass=finished).run()
        print(f"(wall {time.monotonic() - started:.1f} s including scheduler start)", file=sys.stderr)
        report(factory, dag_id)


if __name__ == "__main__":
    main()
