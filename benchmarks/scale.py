"""Scheduler at scale: 1,000 active DAGs, 10,000 task instances, 100 concurrent runs (PostgreSQL).

Setup (not timed): 100 DAG files of 10 DAGs each (10 no-op tasks, ``@daily`` from tomorrow, so
every pass computes 1,000 timetables without creating runs) parsed by the real DAG processor; one
manual run per DAG started (10,000 task instances), then 900 of those runs marked finished with
their tasks, which leaves 100 running runs and 1,000 open task instances.

- pass time: one scheduler pass over that database (create scheduled runs, start queued runs,
  decide the ``[scheduler] max_dagruns_per_loop_to_schedule`` (20) least recently decided running
  runs, time-outs, queue up to ``--parallelism`` tries), measured ``--passes`` times with no
  executor, so nothing finishes between passes; the first pass is printed apart from the median of
  the others (the first five each schedule 20 runs' root tasks);
- tasks/s: the real scheduler loop, LocalExecutor and supervisors (process runtime, ``--parallelism``)
  run the 100 runs' 1,000 no-op tasks: tasks / (last success recorded - first dependencies met);
- side by side, in the same database and run: the 200-task wide DAG of ``benchmarks/tasks.py``.

Prints figures; asserts nothing about timings.
Usage: ``python benchmarks/scale.py --db-url postgresql+psycopg://USER:PASS@127.0.0.1/EMPTY_DB``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker
from tasks import (  # benchmarks/tasks.py: the 200-task figures
    DAG_FILE,
    cpu_seconds,
    loop_settings,
    measure,
    print_figures,
    run_dag,
)

from dagseal.config import load_config
from dagseal.db.models import DagModel, DagRunModel, JobModel, TaskInstanceModel
from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope
from dagseal.executor.local_executor import LocalExecutor
from dagseal.placement import Placement, PlacementSettings
from dagseal.processor import DagProcessorManager
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import create_scheduled_runs, start_queued_runs, trigger_dag
from dagseal.scheduler.dagrun_timeouts import time_out_runs
from dagseal.scheduler.host_tasks import NewRuns
from dagseal.scheduler.job import SchedulerJob, SchedulerSettings
from dagseal.scheduler.task_scheduling import queue_scheduled, schedule_running_runs
from dagseal.timeutil import utcnow

SCALE_FILE = """
from datetime import datetime, timedelta, timezone
from dagseal import DAG, PythonOperator

def noop():
    return None

tomorrow = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
for d in range({dags_per_file}):
    with DAG(f"scale.f{file:03d}.d{{d:02d}}", schedule="@daily", start_date=tomorrow, max_active_tasks=16):
        first = PythonOperator(task_id="t0", python_callable=noop)
        first >> [PythonOperator(task_id=f"t{{i}}", python_callable=noop) for i in range(1, {tasks})]
"""


def populate(factory: sessionmaker[Session], placement: Placement, running: int) -> int:
    """One run per DAG, started; all but ``running`` of them finished. Returns the task instances."""
    now = utcnow()
    with session_scope(factory) as session:
        dag_ids = sorted(session.scalars(select(DagModel.dag_id).where(DagModel.dag_id.like("scale.%"))))
        for dag_id in dag_ids:
            trigger_dag(session, dag_id, {}, now - timedelta(hours=1), placement, run_id="r")
    bag = SerializedDagBag()
    with session_scope(factory) as session:
        start_queued_runs(session, bag, now)
    finished = dag_ids[running:]
    with session_scope(factory) as session:
        session.execute(
            update(TaskInstanceModel)
            .where(TaskInstanceModel.dag_id.in_(finished))
            .values(state="success", try_number=1, start_date=now, end_date=now)
        )
        session.execute(
            update(DagRunModel).where(DagRunModel.dag_id.in_(finished)).values(state="success", end_date=now)
        )
        return session.scalar(select(func.count()).select_from(TaskInstanceModel))


def one_pass(
    factory: sessionmaker[Session], bag: SerializedDagBag, placement: Placement, slots: int
) -> float:
    """The scheduler pass's database work, without an executor; seconds."""
    started = time.perf_counter()
    now = utcnow()
    with session_scope(factory) as session:
        create_scheduled_runs(session, bag, now, placement)
        start_queued_runs(session, bag, now)
    with session_scope(factory) as session:
        schedule_running_runs(session, bag, now, NewRuns(placement))
        time_out_runs(session, bag, now)
    with session_scope(factory) as session:
        for item in queue_scheduled(session, slots, now, bag):
            session.execute(  # give the slot back: no executor runs it, the next pass queues again
                update(TaskInstanceModel).where(TaskInstanceModel.id == item.ti_id).values(state="scheduled")
            )
    return time.perf_counter() - started


def throughput(
    factory: sessionmaker[Session],
    executor: LocalExecutor,
    scheduler: SchedulerSettings,
    placement: Placement,
) -> float:
    """Run the open runs to the end with the real loop; tasks per second from the loop's start to
    the last try's recorded success."""

    def finished() -> bool:
        with session_scope(factory) as session:
            open_runs = (
                select(func.count())
                .select_from(DagRunModel)
                .where(DagRunModel.state.in_(["queued", "running"]))
            )
            return not session.scalar(open_runs)

    loop_start = utcnow()
    SchedulerJob(factory, executor, scheduler, placement, after_pass=finished).run()
    with session_scope(factory) as session:
        done, last = session.execute(
            select(func.count(), func.max(JobModel.end_date))
            .select_from(TaskInstanceModel)
            .join(JobModel, JobModel.id == TaskInstanceModel.job_id)
            .where(TaskInstanceModel.start_date >= loop_start, TaskInstanceModel.state == "success")
        ).one()
    print(f"  {done} tries succeeded")
    return done / (last - loop_start).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", required=True, help="an empty PostgreSQL database (it is migrated)")
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--dags-per-file", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=10, help="tasks per DAG")
    parser.add_argument("--running", type=int, default=100, help="runs left running")
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--passes", type=int, default=6)
    args = parser.parse_args()
    if not args.db_url.startswith("postgresql"):
        parser.error(
            f"--db-url must be a PostgreSQL URL (the scale figures are for PostgreSQL), got {args.db_url}"
        )
    work = Path(tempfile.mkdtemp(prefix="dagseal-scale-"))
    folder = work / "dags"
    folder.mkdir()
    for number in range(args.files):
        (folder / f"scale_{number:03d}.py").write_text(
            SCALE_FILE.format(file=number, dags_per_file=args.dags_per_file, tasks=args.tasks)
        )
    (folder / "bench.py").write_text(DAG_FILE.format(wide=200, chain=2))
    migrate(args.db_url)
    factory = session_factory(create_engine_from_conn(args.db_url))
    config = load_config(environ={"DAGSEAL_HOME": str(work)}, cwd=work)
    placement = Placement(PlacementSettings())  # the process runtime: the figures measure dagseal, not Docker
    started = time.monotonic()
    with DagProcessorManager.from_config(config, placement, folder, factory) as processor:
        processor.run_once()
    with session_scope(factory) as session:
        active = session.scalar(
            select(func.count()).select_from(DagModel).where(DagModel.dag_id.like("scale.%"))
        )
    tis = populate(factory, placement, args.running)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"dagseal scale benchmark: PostgreSQL, process runtime, parallelism {args.parallelism}, "
        f"{os.cpu_count()} CPUs, load average {load}"
    )
    setup = time.monotonic() - started
    print(f"{active} active DAGs, {tis} task instances, {args.running} running runs (setup {setup:.0f} s)")
    bag = SerializedDagBag()
    passes = [one_pass(factory, bag, placement, args.parallelism) for _ in range(args.passes)]
    steady = [seconds * 1000 for seconds in passes[1:]]
    print(
        f"scheduler pass: first {passes[0] * 1000:.0f} ms, then median {statistics.median(steady):.0f} ms"
        f" (max {max(steady):.0f} ms) over {len(steady)} passes; goal < 1000 ms"
    )
    settings, scheduler = loop_settings(args.db_url, work, placement)
    executor = LocalExecutor(args.parallelism, settings)
    rate = throughput(factory, executor, scheduler, placement)
    print(f"at scale: {rate:.1f} no-op tasks/s over {args.running} concurrent runs; goal >= 30 tasks/s")
    cpu = cpu_seconds()
    run_id = run_dag(factory, "bench.wide", args.parallelism, settings, scheduler, placement)
    print_figures(
        "side by side, the 200-task wide DAG (benchmarks/tasks.py) in the same database",
        measure(factory, run_id, args.parallelism, cpu_seconds() - cpu),
    )


if __name__ == "__main__":
    main()
