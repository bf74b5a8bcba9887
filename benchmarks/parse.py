"""Parse throughput of ProcessRuntime: N generated DAG files over P warm sandboxes (P = 1 and 2).

    python3 benchmarks/parse.py [--files 400] [--min-tasks 10] [--max-tasks 50] [--runs 3]
                                [--style dagseal airflow] [--airflow-venv DIR] [--processor-files N]

Prints files/s per style and P (median of the runs) and the per-file parse time distribution
(median, p95, max, from the median run). ``dagseal`` files import from dagseal; ``airflow`` files
are Airflow 3 files (``airflow.sdk``, the standard provider) with task groups and Jinja templates,
served by the compatibility layer.

With ``--airflow-venv DIR`` the Airflow-style files are also processed by two DAG processors, one
pass each (``-n 1``), ``parsing_processes`` = 2 on both sides, each on a fresh migrated SQLite
database: Airflow 3.3.2's ``airflow dag-processor`` (parses every file in a child process,
serializes the DAGs and writes them to its database) and ``dagseal dag-processor`` (warm parse
sandboxes, the host stores the serialized DAGs). Airflow is installed in a throwaway virtualenv the
benchmark creates in DIR if it is missing (``pip install apache-airflow==3.3.2``). Each processor's
wall time for the pass is printed with and without its start-up (a pass over an empty folder,
timed the same way), and every file must end up as a serialized DAG with no import error.
Figures only: it never asserts a timing.
"""

import argparse
import os
import queue
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from airflow_venv import AIRFLOW_VERSION, airflow_python

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
PROCESSES = 2  # parsing_processes of both DAG processors


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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s of the command and every process it waited for): the CPU figure moves much
    less than the wall time when other work shares the machine."""
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, _children_cpu() - cpu


def _stored(database: Path, files: int, who: str) -> None:
    """Every file became a serialized DAG and none an import error (same table names on both sides)."""
    with sqlite3.connect(database) as db:
        dags = db.execute("SELECT count(*) FROM serialized_dag").fetchone()[0]
        errors = db.execute("SELECT count(*) FROM import_error").fetchone()[0]
    if dags != files or errors:
        raise RuntimeError(f"{who} stored {dags} serialized DAGs of {files} ({errors} import errors)")


def processor_pass(
    folder: Path, files: int, who: str, migrate: Callable[[Path], dict[str, str]], command: list[str]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """((wall s, CPU s) of one pass over ``folder``, the same over an empty folder): each on a fresh
    copy of a migrated SQLite database; ``migrate(home)`` migrates one and returns the environment."""
    with tempfile.TemporaryDirectory(prefix="dagseal-bench-processor-") as tmp:
        home, empty = Path(tmp) / "home", Path(tmp) / "empty"
        home.mkdir()
        empty.mkdir()
        env = migrate(home)
        database = home / "bench.db"
        migrated = home / "migrated.db"
        shutil.copy(database, migrated)
        startup = _timed([*command, str(empty)], env)
        shutil.copy(migrated, database)
        wall = _timed([*command, str(folder)], env)
        _stored(database, files, who)
    return wall, startup


def airflow_processor(python: Path) -> tuple[Callable[[Path], dict[str, str]], list[str]]:
    """``airflow dag-processor -n 1`` on a SQLite database in ``home`` (the folder: [core] dags_folder)."""
    airflow = str(python.parent / "airflow")

    def migrate(home: Path) -> dict[str, str]:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'bench.db'}",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": str(PROCESSES),
        }
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        return env

    # The folder is passed through the environment: Airflow reads its dags_folder from config only.
    script = "import os, sys; os.environ['AIRFLOW__CORE__DAGS_FOLDER'] = sys.argv.pop(); "
    script += "from airflow.__main__ import main; sys.argv[0] = 'airflow'; main()"
    return migrate, [str(python), "-c", script, "dag-processor", "-n", "1"]


def dagseal_processor() -> tuple[Callable[[Path], dict[str, str]], list[str]]:
    """``dagseal dag-processor -n 1 -S FOLDER`` (process runtime) on a SQLite database in ``home``."""
    dagseal = [sys.executable, "-c", "import sys; from dagseal.cli import main; sys.exit(main())"]

    def migrate(home: Path) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("DAGSEAL")}
        env.update(
            DAGSEAL_HOME=str(home),
            DAGSEAL__CORE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'bench.db'}",
            DAGSEAL__SCHEDULER__SCHEDULER_DAG_PARSING_RUNTIME="process",
        )
        subprocess.run([*dagseal, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        return env

    return migrate, [*dagseal, "dag-processor", "-n", "1", "-P", str(PROCESSES), "-S"]


def compare_processors(python: Path, folder: Path, files: int, runs: int) -> None:
    """Print both processors' median pass and start-up (wall and CPU) and dagseal's speed-up."""
    results = {}
    for who, (migrate, command) in (
        (f"Airflow {AIRFLOW_VERSION} dag-processor", airflow_processor(python)),
        ("dagseal dag-processor", dagseal_processor()),
    ):
        passes = sorted(processor_pass(folder, files, who, migrate, command) for _ in range(runs))
        (wall, cpu), (startup, startup_cpu) = passes[len(passes) // 2]
        results[who] = (wall, wall - startup, cpu - startup_cpu)
        print(
            f"{who:>29}, {files} files, P={PROCESSES}: pass {wall:6.2f}s ({files / wall:6.1f} files/s), "
            f"start-up {startup:5.2f}s, without it {files / max(wall - startup, 1e-9):6.1f} files/s; "
            f"CPU {cpu:6.2f}s, without start-up {(cpu - startup_cpu) / files * 1000:6.1f} ms per file"
        )
    (airflow_wall, airflow_net, airflow_cpu), (wall, net, cpu) = results.values()
    print(
        f"dagseal is {airflow_wall / wall:.1f}x faster per pass, {airflow_net / max(net, 1e-9):.1f}x "
        f"without start-up, and uses {airflow_cpu / max(cpu, 1e-9):.1f}x less CPU per file"
    )


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
    parser.add_argument(
        "--airflow-venv", type=Path, help="also compare the DAG processors (Airflow's venv made if missing)"
    )
    parser.add_argument(
        "--processor-files", type=int, help="files for the processor comparison (default: --files)"
    )
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
                count = args.processor_files or len(names)
                with tempfile.TemporaryDirectory(prefix="dagseal-bench-processor-files-") as subset:
                    for name in names[:count]:
                        shutil.copy(folder / name, Path(subset) / name)
                    compare_processors(python, Path(subset), count, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
