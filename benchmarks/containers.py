"""What containers cost, measured side by side in one run against the same engine and image.

    python3 benchmarks/containers.py [--image ID] [--files 200] [--parallelism 2] [--runs 5]
                                     [--task-samples 10] [--tasks 100] [--task-parallelism 4]

1. Parse throughput: the same generated DAG files through warm parse containers (DockerRuntime;
   the protocol over each container's Unix socket) and through warm processes (ProcessRuntime),
   the runs of the two alternating so a change in host load hits both. Goal: containers at most
   1.3x slower.
2. Per-task wall time: a no-op task try through DockerRuntime.run_task (container create,
   attach, start, hello, run, result, removal) vs a bare
   `docker run --rm --network none --entrypoint python3 IMAGE -c pass` measured here too.
   Goal: at most 1.3x the bare figure.
3. 100 no-op task tries through DockerRuntime.run_task, 4 at a time (the executor's share of an
   end-to-end run; scheduling and DB writes are not in this figure).

Every figure is the median of `--runs` (or `--task-samples`) runs. Without `--image` it uses the
test image of tests/integration/docker (built from this checkout by `docker import`); pass a
Bazel image id (`bazel run //dag_repos/team_x:load` prints it) to measure a team image.
Figures only: it never asserts a timing. Containers it starts carry `io.dagseal.test=1`.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from parse import generate, parse_all  # benchmarks/parse.py: the same DAG files, parsed the same way

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
        if outcome.state != "success":
            raise RuntimeError(f"no-op task failed: {outcome.error}")
        return time.perf_counter() - started

    def batch(self, count: int, parallelism: int) -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(parallelism) as pool:
            list(pool.map(lambda _: self.run_one(), range(count)))
        return time.perf_counter() - started


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

        print(f"image {image}; {args.files} files; P={args.parallelism}; median of {args.runs} runs")
        walls: dict[str, list[float]] = {"process": [], "docker": []}
        for _ in range(args.runs):
            walls["process"].append(parse_all(process_runtime, process_spec, names, args.parallelism, 60)[0])
            walls["docker"].append(parse_all(docker_runtime, docker_spec, names, args.parallelism, 60)[0])
        process_wall, docker_wall = (statistics.median(walls[kind]) for kind in ("process", "docker"))
        print(f"parse, process runtime:  {args.files / process_wall:7.1f} files/s ({process_wall:.2f}s)")
        print(
            f"parse, warm containers:  {args.files / docker_wall:7.1f} files/s ({docker_wall:.2f}s)"
            f"  -> {docker_wall / process_wall:.2f}x the process runtime's time (goal <= 1.3x)"
        )

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
    for container in engine.containers(LABELS):
        engine.remove(container["Id"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
