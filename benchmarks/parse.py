"""Parse throughput of ProcessRuntime: N generated DAG files over P warm sandboxes (P = 1 and 2).

    python3 benchmarks/parse.py [--files 400] [--min-tasks 10] [--max-tasks 50] [--runs 3]
                                [--style dagseal airflow] [--airflow-venv DIR]

Prints files/s per style and P (median of the runs) and the per-file parse time distribution
(median, p95, max, from the median run). ``dagseal`` files import from dagseal; ``airflow`` files
are Airflow 3 files (``airflow.sdk``, the standard provider) with task groups and Jinja templates,
served by the compatibility layer. With ``--airflow-venv DIR`` the same Airflow-style files are
also parsed by Airflow 3.3.2's own DagBag (the dag-processor's parser), in a virtualenv the
benchmark creates in DIR if it is missing (``pip install apache-airflow==3.3.2``).
Figures only: it never asserts a timing.
"""

import argparse
import os
import queue
import random
import statistics
import subprocess
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


AIRFLOW_TEMPLATE = """\
from datetime import datetime, timedelta
from airflow.sdk import DAG, TaskGroup, task
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("bench.dag_{index}", schedule="@daily", start_date=datetime(2026, 1, 1),
         default_args={{"retries": 1, "retry_delay": timedelta(seconds=5)}}):
    @task
    def step(value):
        return value + 1

    previous = EmptyOperator(task_id="start")
    with TaskGroup("steps"):
        for n in range({python_tasks}):
            current = step({index} + n)
            previous >> current
            previous = current
    report = "echo {{{{ ds }}}} {{{{ params.get('n', {index}) }}}}"
    previous >> BashOperator(task_id="report", bash_command=report)
"""

TEMPLATES = {"dagseal": TEMPLATE, "airflow": AIRFLOW_TEMPLATE}
AIRFLOW_VERSION = "3.3.2"
AIRFLOW_DAGBAG = """
import sys, time
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(sys.argv[1], safe_mode=False)
wall = time.perf_counter() - started
assert not bag.import_errors, bag.import_errors
print(len(bag.dags), wall)
"""


def generate(
    folder: Path, files: int, min_tasks: int, max_tasks: int, seed: int = 7, style: str = "dagseal"
) -> list[str]:
    """Write ``files`` DAG files, each with between min_tasks and max_tasks tasks (start + report + steps)."""
    rng = random.Random(seed)
    names = []
    for index in range(files):
        tasks = rng.randint(min_tasks, max_tasks)
        name = f"dag_{index:04d}.py"
        (folder / name).write_text(TEMPLATES[style].format(index=index, python_tasks=max(tasks - 2, 0)))
        names.append(name)
    return names


def airflow_python(venv: Path) -> Path:
    """The Python of a throwaway virtualenv with Airflow, created (pip install) when missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"apache-airflow=={AIRFLOW_VERSION}"], check=True
        )
    return python


def airflow_files_per_second(python: Path, folder: Path, files: int) -> float:
    """Airflow's own DagBag over the folder, one process, AIRFLOW_HOME in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="dagseal-bench-airflow-home-") as home:
        env = {**os.environ, "AIRFLOW_HOME": home, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        done = subprocess.run(
            [str(python), "-c", AIRFLOW_DAGBAG, str(folder)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    dags, wall = done.stdout.split()[-2:]
    if int(dags) != files:
        raise RuntimeError(f"Airflow parsed {dags} DAGs of {files}")
    return files / float(wall)


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
    parser.add_argument("--style", nargs="+", choices=sorted(TEMPLATES), default=["dagseal", "airflow"])
    parser.add_argument("--airflow-venv", type=Path, help="also time Airflow's DagBag (venv made if missing)")
    args = parser.parse_args(argv)
    print(f"{args.files} files, {args.min_tasks}-{args.max_tasks} tasks each, {args.runs} runs per P")
    for style in args.style:
        with tempfile.TemporaryDirectory(prefix="dagseal-bench-") as tmp:
            folder = Path(tmp)
            names = generate(folder, args.files, args.min_tasks, args.max_tasks, style=style)
            runtime, spec = ProcessRuntime(), SandboxSpec(dag_folder=str(folder))
            for parallelism in args.parallelism:
                runs = sorted(
                    (parse_all(runtime, spec, names, parallelism) for _ in range(args.runs)),
                    key=lambda r: r[0],
                )
                wall, durations = runs[len(runs) // 2]
                median, p95 = statistics.median(durations) * 1000, percentile(durations, 0.95) * 1000
                print(
                    f"{style:>7} P={parallelism}: {len(names) / wall:7.1f} files/s (median run {wall:.2f}s); "
                    f"per file median {median:.1f} ms, p95 {p95:.1f} ms, max {max(durations) * 1000:.1f} ms"
                )
            if style == "airflow" and args.airflow_venv is not None:
                python = airflow_python(args.airflow_venv)
                rates = sorted(airflow_files_per_second(python, folder, len(names)) for _ in range(args.runs))
                print(
                    f"Airflow {AIRFLOW_VERSION} DagBag, same files, 1 process: "
                    f"{rates[len(rates) // 2]:7.1f} files/s"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
