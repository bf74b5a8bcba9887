"""Parse throughput of ProcessRuntime: N generated DAG files over P warm sandboxes (P = 1 and 2).

    python3 benchmarks/parse.py [--files 400] [--min-tasks 10] [--max-tasks 50] [--runs 3]

Prints files/s per P (median of the runs) and the per-file parse time distribution (median, p95,
max, from the median run). Figures only: it never asserts a timing.
"""

import argparse
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from dagseal.runtime.base import SandboxRuntime, SandboxSpec, WarmSandbox
from dagseal.runtime.process import ProcessRuntime

TEMPLATE = """\
from datetime import datetime, timedelta
from dagseal import DAG, BashOperator, EmptyOperator, task

with DAG("bench.dag_{index}", schedule="@daily", start_date=datetime(2026, 1, 1),
         default_args={{"retries": 1, "retry_delay": timedelta(seconds=5)}}) as dag:
    @task
    def step(value):
        return value + 1

    previous = EmptyOperator(task_id="start")
    for n in range({python_tasks}):
        current = step({index} + n)
        previous >> current
        previous = current
    previous >> BashOperator(task_id="report", bash_command="echo {index}")
"""


def generate(folder: Path, files: int, min_tasks: int, max_tasks: int, seed: int = 7) -> list[str]:
    """Write ``files`` DAG files, each with between min_tasks and max_tasks tasks (start + report + steps)."""
    rng = random.Random(seed)
    names = []
    for index in range(files):
        tasks = rng.randint(min_tasks, max_tasks)
        name = f"dag_{index:04d}.py"
        (folder / name).write_text(TEMPLATE.format(index=index, python_tasks=max(tasks - 2, 0)))
        names.append(name)
    return names


def parse_all(
    runtime: SandboxRuntime, spec: SandboxSpec, names: list[str], parallelism: int, timeout: float = 30.0
) -> tuple[float, list[float]]:
    """Wall time to parse every file with ``parallelism`` threads, each owning one warm session
    (started before the clock), and each parse's duration; the container benchmark uses it too."""
    sessions = [runtime.start_warm_sandbox(spec) for _ in range(parallelism)]
    work: queue.Queue[str] = queue.Queue()
    for name in names:
        work.put(name)
    durations: list[float] = []
    lock = threading.Lock()

    def worker(session: WarmSandbox) -> None:
        while True:
            try:
                name = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            reply = session.request({"type": "parse", "file": name}, timeout=timeout)
            elapsed = time.perf_counter() - started
            if reply["import_errors"] or len(reply["dags"]) != 1:
                raise RuntimeError(f"{name} did not parse: {reply['import_errors']}")
            with lock:
                durations.append(elapsed)

    threads = [threading.Thread(target=worker, args=(session,)) for session in sessions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    for session in sessions:
        session.close()
    if len(durations) != len(names):
        raise RuntimeError("a worker failed; see the traceback above")
    return wall, durations


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--min-tasks", type=int, default=10)
    parser.add_argument("--max-tasks", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dagseal-bench-") as tmp:
        folder = Path(tmp)
        names = generate(folder, args.files, args.min_tasks, args.max_tasks)
        runtime, spec = ProcessRuntime(), SandboxSpec(dag_folder=str(folder))
        print(f"{args.files} files, {args.min_tasks}-{args.max_tasks} tasks each, {args.runs} runs per P")
        for parallelism in args.parallelism:
            runs = sorted(
                (parse_all(runtime, spec, names, parallelism) for _ in range(args.runs)), key=lambda r: r[0]
            )
            wall, durations = runs[len(runs) // 2]
            median, p95 = statistics.median(durations) * 1000, percentile(durations, 0.95) * 1000
            print(
                f"P={parallelism}: {len(names) / wall:7.1f} files/s (median run {wall:.2f}s); per file "
                f"median {median:.1f} ms, p95 {p95:.1f} ms, max {max(durations) * 1000:.1f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
