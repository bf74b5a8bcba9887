"""What containers cost, measured side by side in one run against the same engine and image.

    python3 benchmarks/containers.py [--image ID] [--files 200] [--parallelism 2] [--runs 5]
                                     [--task-samples 10] [--tasks 100] [--task-parallelism 4]

1. Parse throughput: the same generated DAG files through warm parse containers (DockerRuntime;
   the protocol over each container's Unix socket) and through warm processes (ProcessRuntime),
   the runs of the two alternating so a change in host load hits both. Goal: containers at most
   1.3x slower.
2. Per-task wall time: a no-op task try through DockerRuntime.run_task (container create,
   attach, start, hello, run, result; the removal it leaves in the background is waited for and
   counted too) vs a bare
   `docker run --rm --network none --entrypoint python3 IMAGE -c pass` measured here too.
   Goal: at most 1.3x the bare figure.
3. 100 no-op task tries through DockerRuntime.run_task, 4 at a time (the executor's share of an
   end-to-end run; scheduling and DB writes are not in this figure).

4. Per-phase breakdown of one task try (``--task-samples`` tries in sequence, so each phase's host
   CPU is its own): every DockerEngine call of DockerRuntime.run_task, timed by wrapping the
   engine object's methods in this process only (create, attach, start, wait, inspect, the
   removal after the outcome; a leftover's removal by name only when a create met one), and the
   protocol's hello (the sandbox's imports) and run_task -> result,
   with wall time, this process's CPU, the engine's (dockerd + containerd, /proc/<pid>/stat) and
   the containers' (cgroup cpuacct of ``docker/``). Short-lived shims and runc are not counted.
5. End to end, trigger -> success, Docker runtime: the real scheduler loop and LocalExecutor
   (benchmarks/tasks.py's DAGs and loop) on a fresh SQLite file, a ``--chain`` (default 40) task
   chain and ``--wide`` (default 100) independent tasks at ``--dag-parallelism`` (default 4), one
   warm-up round then the median of ``--repeat`` (default 3) rounds; beside them the bare loop of
   as many `docker run`s in sequence and at ``--dag-parallelism`` at a time. Each round runs the
   bare loop and dagseal's runs in turn (interleaved), so the machine's other load weighs on both
   alike; then the ratios; both DAGs run three times: with the default settings (a chain's next
   try's container started while its upstream runs), with ``[docker_runtime]
   successor_task_containers = False`` (every container started at its own try's start) and with
   ``standby_task_containers`` (a container for any next try started ahead). Also the DB-timed
   phases around each try (decision -> queued -> supervisor start, exited -> recorded) and host
   CPU per try (scheduler, supervisors, engine, containers).

``--quick``: fewer samples by default (``--files 40 --runs 1 --task-samples 3 --tasks 20 --repeat 1``;
options given explicitly still win) for a loaded machine; ``--skip-parse`` leaves out part 1.
The load average is printed at the start and with the end-to-end figures.

Every figure is the median of `--runs` (or `--task-samples`) runs. Without `--image` it uses the
test image of tests/integration/docker (built from this checkout by `docker import`); pass a
Bazel image id (`bazel run //dag_repos/team_x:load` prints it) to measure a team image.
Figures only: it never asserts a timing. Containers it starts carry `io.dagseal.test=1`.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from parse import generate, parse_all  # benchmarks/parse.py: the same DAG files, parsed the same way
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tasks import DAG_FILE, Figures, cpu_seconds, loop_settings, measure, run_dag  # benchmarks/tasks.py
from try_phases import HostCpu, PhaseClock

from dagseal.config import load_config
from dagseal.db.models import JobModel, TaskInstanceModel
from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.processor import DagProcessorManager
from dagseal.runtime.base import SandboxRuntime, SandboxSpec
from dagseal.runtime.docker import DockerRuntime
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.runtime.process import ProcessRuntime
from dagseal.sandbox.protocol import RunTaskRequest

SOCKET = "unix:///var/run/docker.sock"
LABELS = {"io.dagseal.test": "1"}
NOOP = """\
from dagseal import DAG, EmptyOperator

with DAG("bench.noop", schedule=None) as dag:
    EmptyOperator(task_id="noop")
"""


def test_image(engine: DockerEngine) -> str:
    """The integration tests' image of this checkout (imported once, then reused by content hash)."""
    import docker

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration" / "docker"))
    from testimage import build_test_image

    return build_test_image(docker.APIClient(base_url=engine.base_url, version="auto"))


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def bare_docker_run(image: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            "--label",
            "io.dagseal.test=1",
            "--entrypoint",
            "python3",
            image,
            "-c",
            "pass",
        ],
        check=True,
    )
    return time.perf_counter() - started


class NoopTasks:
    """No-op task tries of one DAG folder; each call is a new (run, try) identity."""

    def __init__(self, runtime: SandboxRuntime, spec: SandboxSpec) -> None:
        self.runtime, self.spec = runtime, spec
        self._counter = iter(range(1, 1 << 30))
        self._lock = threading.Lock()

    def run_one(self) -> float:
        with self._lock:
            n = next(self._counter)
        request = RunTaskRequest(
            id=1,
            dag_folder=self.spec.dag_folder,
            file="noop.py",
            source=NOOP,
            dag_id="bench.noop",
            task_id="noop",
            run_id=f"bench-{time.time_ns()}-{n}",
        )
        started = time.perf_counter()
        outcome = self.runtime.run_task(self.spec, request, io.BytesIO(), 120, lambda _handle: None)
        self.runtime.settle()  # the container's removal, which run_task leaves running, counts too
        if outcome.state != "success":
            raise RuntimeError(f"no-op task failed: {outcome.error}")
        return time.perf_counter() - started

    def batch(self, count: int, parallelism: int) -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(parallelism) as pool:
            list(pool.map(lambda _: self.run_one(), range(count)))
        return time.perf_counter() - started


def print_parse(files: int, walls: dict[str, list[float]]) -> None:
    process_wall, docker_wall = (statistics.median(walls[kind]) for kind in ("process", "docker"))
    print(f"parse, process runtime:  {files / process_wall:7.1f} files/s ({process_wall:.2f}s)")
    print(
        f"parse, warm containers:  {files / docker_wall:7.1f} files/s ({docker_wall:.2f}s)"
        f"  -> {docker_wall / process_wall:.2f}x the process runtime's time (goal <= 1.3x)"
    )


class BareLoops:
    """`count` bare `docker run`s, `parallelism` at a time; keeps the engine's and the containers'
    CPU per run of every loop (the docker CLI's own CPU is in this process's children)."""

    def __init__(self, image: str) -> None:
        self.image, self.cpu = image, HostCpu()
        self.cpu_per_run: list[list[float]] = []

    def loop(self, count: int, parallelism: int) -> float:
        before, cli, started = self.cpu.sample(), cpu_seconds(), time.perf_counter()
        with ThreadPoolExecutor(parallelism) as pool:
            list(pool.map(lambda _: bare_docker_run(self.image), range(count)))
        wall = time.perf_counter() - started
        engine, contained = HostCpu.since(before, self.cpu.sample())[1:]
        cli = cpu_seconds() - cli
        self.cpu_per_run.append([value * 1000 / count for value in (cli, engine, contained)])
        return wall

    def print_cpu(self) -> None:
        cli, engine, contained = (statistics.median(run[i] for run in self.cpu_per_run) for i in range(3))
        print(
            f"  host CPU per bare docker run: CLI {cli:.0f} ms, engine {engine:.0f} ms, "
            f"container {contained:.0f} ms = {cli + engine + contained:.0f} ms"
        )


def interleaved_medians(repeat: int, measures: Mapping[str, Callable[[], float]]) -> dict[str, float]:
    """One warm-up round, then `repeat` rounds, each running every measure once in turn, so a change
    in the machine's other load falls on the bare loop and dagseal alike; the median of each."""
    rounds = [{key: measure() for key, measure in measures.items()} for _ in range(repeat + 1)][1:]
    return {key: statistics.median(r[key] for r in rounds) for key in measures}


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def db_phases(factory: sessionmaker[Session], run_id: int) -> dict[str, float]:
    """Medians (ms) of the phases around each try that the rows' timestamps give. In a chain the
    next try's decision waits for the previous try's record; in a wide DAG "decision -> queued"
    is mostly the wait for a free slot."""
    with session_scope(factory) as session:
        rows = session.execute(
            select(TaskInstanceModel, JobModel.start_date, JobModel.end_date)
            .join(JobModel, JobModel.id == TaskInstanceModel.job_id)
            .where(TaskInstanceModel.dag_run_id == run_id)
            .order_by(TaskInstanceModel.scheduled_dttm)
        ).all()
    phases = {
        "decision -> queued": [ti.queued_dttm - ti.scheduled_dttm for ti, _s, _e in rows],
        "queued -> supervisor start": [job - ti.queued_dttm for ti, job, _e in rows],
        "supervisor start -> claimed": [ti.start_date - job for ti, job, _e in rows],
        "claimed -> sandbox start (supervisor)": [
            ti.exited_at - timedelta(seconds=ti.duration) - ti.start_date for ti, _s, _e in rows
        ],
        "previous recorded -> next decision": [
            later.scheduled_dttm - end for (_ti, _s, end), (later, _s2, _e2) in itertools.pairwise(rows)
        ],
    }
    return {
        label: statistics.median(d.total_seconds() * 1000 for d in deltas) for label, deltas in phases.items()
    }


class ContainerDags:
    """benchmarks/tasks.py's chain and wide DAGs pinned to `image`, run end to end through the real
    scheduler loop and LocalExecutor with the Docker runtime on a fresh SQLite file; `docker`:
    `[docker_runtime]` settings beside the defaults."""

    def __init__(
        self, work: Path, image: str, chain: int, wide: int, parallelism: int, docker: Mapping[str, str]
    ) -> None:
        work.chmod(0o755)  # the DAG folder is mounted into containers that run as uid 1000
        folder = work / "dags"
        folder.mkdir(mode=0o755)
        (folder / "bench.py").write_text(DAG_FILE.format(wide=wide, chain=chain))
        (folder / "runtime.yaml").write_text(f"image: {image}\n")
        self.url = f"sqlite:///{work / 'bench.db'}"
        migrate(self.url)
        self.factory = session_factory(create_engine_from_conn(self.url))
        env = {
            "DAGSEAL_HOME": str(work),
            "DAGSEAL__CORE__SQL_ALCHEMY_CONN": self.url,
            "DAGSEAL__CORE__TASK_EXECUTION_RUNTIME": "docker",
            "DAGSEAL__DOCKER_RUNTIME__LABELS": "io.dagseal.test=1",
            "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(work / "logs"),
            **{f"DAGSEAL__DOCKER_RUNTIME__{key.upper()}": value for key, value in docker.items()},
        }
        config = load_config(env, work)
        self.placement = Placement(PlacementSettings.from_config(config))  # pins runs to runtime.yaml
        with DagProcessorManager.from_config(config, self.placement, folder, self.factory) as processor:
            processor.run_once()
        self.settings, self.scheduler = loop_settings(self.url, work, self.placement)
        self.parallelism = parallelism
        self.cpu = HostCpu()
        self.runs: dict[str, list[tuple[Figures, dict[str, float], list[float]]]] = {}

    def run(self, dag_id: str) -> float:
        """One run, trigger -> success; returns its seconds from the first decision to the last record."""
        before, own = self.cpu.sample(), cpu_seconds()
        run_id = run_dag(
            self.factory, dag_id, self.parallelism, self.settings, self.scheduler, self.placement
        )
        engine_cpu = HostCpu.since(before, self.cpu.sample())[1:]
        figures = measure(self.factory, run_id, self.parallelism, cpu_seconds() - own)
        if figures.succeeded != figures.tasks:
            raise RuntimeError(f"{dag_id}: {figures.succeeded}/{figures.tasks} tries succeeded")
        cpu_per_try = [value * 1000 / figures.tasks for value in engine_cpu]
        self.runs.setdefault(dag_id, []).append((figures, db_phases(self.factory, run_id), cpu_per_try))
        return figures.tasks / figures.tasks_per_second

    def print_phases(self, dag_id: str) -> None:
        """Medians over the measured runs (the warm-up's left out) of the DB-timed phases and CPU."""
        runs = self.runs[dag_id][1:]
        figures = [f for f, _p, _c in runs]
        print(f"  {dag_id}: per try, median of {len(runs)} runs")
        for label in runs[0][1]:
            if label == "previous recorded -> next decision" and dag_id != "bench.chain":
                continue  # the wide DAG's tries do not wait for each other
            print(f"    {label:<40} {statistics.median(p[label] for _f, p, _c in runs):8.1f} ms")
        for label in ("exited -> success recorded", "sandbox run (spawn to exit)"):
            print(f"    {label:<40} {statistics.median(f.latencies[label][0] for f in figures):8.1f} ms")
        own = statistics.median(f.cpu_ms_per_task for f in figures)
        engine, contained = (statistics.median(c[i] for _f, _p, c in runs) for i in (0, 1))
        print(
            f"    host CPU per try: scheduler + supervisors {own:.0f} ms, engine {engine:.0f} ms, "
            f"containers {contained:.0f} ms = {own + engine + contained:.0f} ms"
        )


#: The end-to-end runs' `[docker_runtime]` settings beside the defaults, by name.
SETTINGS: dict[str, dict[str, str]] = {
    "default settings": {},
    "successor_task_containers = False": {"successor_task_containers": "False"},
    "standby_task_containers = True": {"standby_task_containers": "True"},
}


def end_to_end(args: argparse.Namespace, image: str) -> None:
    """Part 5: the chain and the wide DAG against the bare loops, and their ratios; with each of
    `SETTINGS` (runtime/docker_standby.py)."""
    with tempfile.TemporaryDirectory(prefix="dagseal-bench-e2e-") as tmp:
        Path(tmp).chmod(0o755)
        dags = {}
        for number, (name, docker) in enumerate(SETTINGS.items()):
            (Path(tmp) / str(number)).mkdir()
            dags[name] = ContainerDags(
                Path(tmp) / str(number), image, args.chain, args.wide, args.dag_parallelism, docker
            )
        p, bare = args.dag_parallelism, BareLoops(image)
        chain = interleaved_medians(
            args.repeat,
            {"bare": lambda: bare.loop(args.chain, 1)}
            | {name: lambda d=d: d.run("bench.chain") for name, d in dags.items()},
        )
        wide = interleaved_medians(
            args.repeat,
            {"bare": lambda: bare.loop(args.wide, p)}
            | {name: lambda d=d: d.run("bench.wide") for name, d in dags.items()},
        )
        for d in dags.values():
            d.factory.kw["bind"].dispose()
    print(
        f"end to end, Docker runtime, median of {args.repeat} interleaved rounds after one warm-up "
        f"(load average {_load()}):"
    )
    labels = {name: "" if name == "default settings" else f", {name}" for name in SETTINGS}
    print(f"  bare docker run x{args.chain} in sequence:         {chain['bare']:6.2f} s")
    for name, label in labels.items():
        print(
            f"  dagseal {args.chain}-task chain{label}: {chain[name]:6.2f} s"
            f"  -> {chain[name] / chain['bare']:.2f}x bare (goal <= 1.2x)"
        )
    print(f"  bare docker run x{args.wide}, {p} at a time:        {wide['bare']:6.2f} s")
    for name, label in labels.items():
        print(
            f"  dagseal {args.wide} independent tasks at P={p}{label}: {wide[name]:6.2f} s"
            f"  -> {wide[name] / wide['bare']:.2f}x bare (goal <= 1.2x)"
        )
    bare.print_cpu()
    for name, d in dags.items():
        print(f"{name}:")
        for dag_id in ("bench.chain", "bench.wide"):
            d.print_phases(dag_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--image", help="image id or digest to measure (default: the test image)")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--parallelism", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--task-samples", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--task-parallelism", type=int, default=4)
    parser.add_argument("--chain", type=int, default=40, help="tasks in the end-to-end chain")
    parser.add_argument("--wide", type=int, default=100, help="independent tasks end to end")
    parser.add_argument("--dag-parallelism", type=int, default=4, help="LocalExecutor slots end to end")
    parser.add_argument("--repeat", type=int, default=3, help="end-to-end runs after the warm-up")
    parser.add_argument("--quick", action="store_true", help="fewer samples (see above)")
    parser.add_argument("--skip-parse", action="store_true", help="leave out the parse throughput")
    args = parser.parse_args(argv)
    if args.quick:  # new defaults: sizes given on the command line still win
        parser.set_defaults(files=40, runs=1, task_samples=3, tasks=20, repeat=1)
        args = parser.parse_args(argv)

    engine = DockerEngine(SOCKET)
    engine.ping()
    docker_runtime, process_runtime = DockerRuntime(engine), ProcessRuntime()
    image = args.image or test_image(engine)
    with tempfile.TemporaryDirectory(prefix="dagseal-bench-") as tmp:
        folder = Path(tmp) / "bench"
        folder.mkdir()
        for path in (Path(tmp), folder):
            path.chmod(0o755)  # the container user (uid 1000) must read it
        names = generate(folder, args.files, 10, 50)
        (folder / "noop.py").write_text(NOOP)
        for path in folder.iterdir():
            path.chmod(0o644)
        docker_spec = SandboxSpec(dag_folder=str(folder), image=image, labels=LABELS, memory=1024**3)
        process_spec = SandboxSpec(dag_folder=str(folder))

        print(
            f"image {image}{'' if args.image else ' (the test image)'}; {args.files} files; "
            f"P={args.parallelism}; median of {args.runs} runs; load average {_load()}"
        )
        walls: dict[str, list[float]] = {"process": [], "docker": []}
        for _ in range(0 if args.skip_parse else args.runs):
            walls["process"].append(parse_all(process_runtime, process_spec, names, args.parallelism, 60)[0])
            walls["docker"].append(parse_all(docker_runtime, docker_spec, names, args.parallelism, 60)[0])
        if not args.skip_parse:
            print_parse(args.files, walls)

        bare = median_of(args.task_samples, lambda: bare_docker_run(image))
        docker_tasks = NoopTasks(docker_runtime, docker_spec)
        process_tasks = NoopTasks(process_runtime, process_spec)
        per_task = median_of(args.task_samples, docker_tasks.run_one)
        per_process_task = median_of(args.task_samples, process_tasks.run_one)
        print(f"bare docker run --rm --network none python3 -c pass: {bare * 1000:6.0f} ms")
        print(
            f"no-op task try, docker runtime:                      {per_task * 1000:6.0f} ms"
            f"  -> {per_task / bare:.2f}x bare (goal <= 1.3x)"
        )
        print(f"no-op task try, process runtime:                     {per_process_task * 1000:6.0f} ms")

        batch = median_of(args.runs, lambda: docker_tasks.batch(args.tasks, args.task_parallelism))
        print(
            f"{args.tasks} no-op task tries at parallelism {args.task_parallelism}: {batch:.2f}s"
            f" ({args.tasks / batch:.1f} tasks/s)"
        )
        clock = PhaseClock(HostCpu())
        with clock.installed(docker_runtime):
            for _ in range(args.task_samples):
                docker_tasks.run_one()
        clock.print(args.task_samples)
    end_to_end(args, image)
    for container in engine.containers(LABELS):
        engine.remove(container["Id"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
