"""Task throughput and scheduling latency: 200 no-op tasks in one wide DAG, and a chain of 50.

Runs the real scheduler loop, LocalExecutor and supervisors with the process runtime at
``--parallelism`` (default 4) against a fresh SQLite file (or ``--db-url``), ``--repeat`` times
(default 3, one new run of each DAG per repeat), then reads the timestamps the supervisors stored:

- throughput: tasks / (last "success recorded" - first "dependencies met") per run;
- "dependencies met -> running": ``scheduled_dttm`` → ``start_date`` (the supervisor's claim). In
  the wide DAG this is mostly waiting for one of the ``parallelism`` slots, so it also prints
- "ready -> running": from the later of "dependencies met" and "a slot was free" to running. The
  k-th try queued (k >= parallelism) could only start once k - parallelism + 1 supervisors had
  ended (their ``LocalTaskJob.end_date``), so that end is when its slot became free;
- "exited -> success recorded": ``exited_at`` (sandbox gone) → the supervisor's ``LocalTaskJob``
  end, which it writes only after the transaction recording the try's result committed, so the
  figure includes that commit;
- "sandbox run": the sandbox process from spawn to exit (``duration``);
- host CPU per task: user + system CPU of this process (the scheduler loop) and of every process
  it waited for (fork server, supervisors, sandbox zygote, sandboxes) during the run, divided by
  the tasks. On a busy machine throughput swings with the load; this figure much less.

Prints each repeat and the median over repeats; asserts nothing about timings.
Usage: ``python benchmarks/tasks.py [--repeat N] [--parallelism P]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from attrs import frozen
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import load_config
from dagseal.db.models import DagRunModel, JobModel, TaskInstanceModel
from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope
from dagseal.executor.local_executor import LocalExecutor
from dagseal.executor.settings import SupervisorSettings
from dagseal.placement import Placement, PlacementSettings
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

LATENCIES = (
    "dependencies met -> running",
    "ready (deps met, slot free) -> running",
    "exited -> success recorded",
    "sandbox run (spawn to exit)",
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _millis(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() * 1000


@frozen
class Figures:
    """One DAG run: throughput and (median, p95) per latency in LATENCIES, in ms."""

    tasks: int
    succeeded: int
    tasks_per_second: float
    cpu_ms_per_task: float
    latencies: dict[str, tuple[float, float]]


def _ready_times(tries: list[tuple[TaskInstanceModel, datetime]], parallelism: int) -> list[datetime]:
    """When each try (in claim order) had its dependencies met and a free slot."""
    ends = sorted(job_end for _ti, job_end in tries)
    return [
        ti.scheduled_dttm if k < parallelism else max(ti.scheduled_dttm, ends[k - parallelism])
        for k, (ti, _end) in enumerate(tries)
    ]


def cpu_seconds() -> float:
    """User + system CPU of this process and of the children it waited for, so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(factory: sessionmaker[Session], run_id: int, parallelism: int, cpu: float) -> Figures:
    with session_scope(factory) as session:
        tries = [
            (ti, job_end)
            for ti, job_end in session.execute(
                select(TaskInstanceModel, JobModel.end_date)
                .join(JobModel, JobModel.id == TaskInstanceModel.job_id)
                .where(TaskInstanceModel.dag_run_id == run_id)
                .order_by(TaskInstanceModel.start_date)
            )
        ]
    tis = [ti for ti, _end in tries]
    span = (max(end for _ti, end in tries) - min(ti.scheduled_dttm for ti in tis)).total_seconds()
    samples = {
        LATENCIES[0]: [_millis(ti.scheduled_dttm, ti.start_date) for ti in tis],
        LATENCIES[1]: [
            _millis(ready, ti.start_date)
            for ready, ti in zip(_ready_times(tries, parallelism), tis, strict=True)
        ],
        LATENCIES[2]: [_millis(ti.exited_at, end) for ti, end in tries],
        LATENCIES[3]: [ti.duration * 1000 for ti in tis],
    }
    return Figures(
        tasks=len(tis),
        succeeded=sum(ti.state == "success" for ti in tis),
        tasks_per_second=len(tis) / span,
        cpu_ms_per_task=cpu * 1000 / len(tis),
        latencies={label: (statistics.median(v), percentile(v, 0.95)) for label, v in samples.items()},
    )


def print_figures(title: str, figures: Figures) -> None:
    print(
        f"{title}: {figures.succeeded}/{figures.tasks} succeeded, {figures.tasks_per_second:.1f} tasks/s, "
        f"host CPU {figures.cpu_ms_per_task:.0f} ms/task"
    )
    for label, (median, p95) in figures.latencies.items():
        print(f"  {label:<40} median {median:8.1f} ms   p95 {p95:8.1f} ms")


def median_figures(runs: list[Figures]) -> Figures:
    return Figures(
        tasks=runs[0].tasks,
        succeeded=min(f.succeeded for f in runs),
        tasks_per_second=statistics.median(f.tasks_per_second for f in runs),
        cpu_ms_per_task=statistics.median(f.cpu_ms_per_task for f in runs),
        latencies={
            label: (
                statistics.median(f.latencies[label][0] for f in runs),
                statistics.median(f.latencies[label][1] for f in runs),
            )
            for label in LATENCIES
        },
    )


def run_dag(
    factory: sessionmaker[Session],
    dag_id: str,
    parallelism: int,
    settings: SupervisorSettings,
    scheduler_settings: SchedulerSettings,
    placement: Placement,
) -> int:
    """Trigger one run and drive the real scheduler loop until it finished; returns its id."""
    with session_scope(factory) as session:
        run_id = trigger_dag(session, dag_id, {}, utcnow(), placement).id

    def finished() -> bool:
        with session_scope(factory) as session:
            state = session.scalar(select(DagRunModel.state).where(DagRunModel.id == run_id))
        return state in ("success", "failed")

    executor = LocalExecutor(parallelism, settings)
    SchedulerJob(factory, executor, scheduler_settings, placement, after_pass=finished).run()
    return run_id


def loop_settings(url: str, work: Path, placement: Placement) -> tuple[SupervisorSettings, SchedulerSettings]:
    """The supervisors' and the scheduler loop's settings the task benchmarks run with (this file's
    and benchmarks/scale.py's): no zombie or stale-DAG work gets in the way of the figures."""
    supervisor = SupervisorSettings(
        sql_alchemy_conn=url,
        base_log_folder=str(work / "logs"),
        zombie_threshold=300,
        placement=placement.settings,
    )
    scheduler = SchedulerSettings(
        loop_sleep=1.0,
        zombie_detection_interval=30,
        zombie_threshold=300,
        stale_dag_threshold=3600,
        stale_dag_cleanup_interval=3600,
        task_queued_timeout=600,
    )
    return supervisor, scheduler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--wide", type=int, default=200, help="tasks in the wide DAG")
    parser.add_argument("--chain", type=int, default=50, help="tasks in the chain DAG")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each DAG; the median is reported")
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
    placement = Placement(PlacementSettings())  # the process runtime: the figures measure dagseal, not Docker
    with DagProcessorManager.from_config(config, placement, folder, factory) as processor:
        processor.run_once()
    settings, scheduler_settings = loop_settings(url, work, placement)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"dagseal task benchmark: parallelism {args.parallelism}, process runtime, "
        f"{url.split(':')[0]}, {os.cpu_count()} CPUs, load average before {load}"
    )
    results: dict[str, list[Figures]] = {"bench.wide": [], "bench.chain": []}
    for repeat in range(1, args.repeat + 1):
        for dag_id, runs in results.items():
            started, cpu = time.monotonic(), cpu_seconds()
            run_id = run_dag(factory, dag_id, args.parallelism, settings, scheduler_settings, placement)
            cpu = cpu_seconds() - cpu  # the executor ended: its fork server and zygote were waited for
            print(f"(wall {time.monotonic() - started:.1f} s including scheduler start)", file=sys.stderr)
            runs.append(measure(factory, run_id, args.parallelism, cpu))
            print_figures(f"{dag_id} #{repeat}", runs[-1])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nmedian of {args.repeat} runs (load average after {load}):")
    for dag_id, runs in results.items():
        print_figures(dag_id, median_figures(runs))


if __name__ == "__main__":
    main()
