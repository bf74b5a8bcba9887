"""Idle cost: the memory of `dagseal standalone` with nothing to do, and `dagseal tasks test`'s time.

- idle memory: starts `dagseal standalone --no-api-server --migrate` in a fresh ``DAGSEAL_HOME``
  (embedded SQLite, ``[core] dags_folder`` with ``--teams`` team folders of one no-op DAG each, no
  schedule), lets it parse and settle, then at each of ``--at`` seconds sums the proportional set
  size (``Pss`` of ``/proc/<pid>/smaps_rollup``) of the standalone process and every process under
  it, by kind (scheduler, DAG processors, fork server, zygote, parse sandboxes...); first with the
  process runtime, then with the Docker runtime for parsing and tasks (each team folder pinned to
  ``--image`` by its runtime.yaml), where the warm parse containers' processes (found by a label
  of this run) are summed apart. ``--no-docker`` skips the second.
- `tasks test`: ``--samples`` runs of `dagseal tasks test` of that no-op task (process runtime),
  median and min wall time, after one warm-up.

Prints figures; asserts nothing. Usage:
``python benchmarks/idle.py [--at 20,80] [--samples 5] [--image IMAGE | --no-docker]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from containers import SOCKET, test_image  # benchmarks/containers.py

from dagseal.runtime.docker_engine import DockerEngine

DAG = """
from dagseal import DAG, PythonOperator


def noop() -> None:
    return None


with DAG("{team}.idle", schedule=None):
    PythonOperator(task_id="noop", python_callable=noop)
"""
DAGSEAL = [sys.executable, "-m", "dagseal"]


def descendants(root: int) -> list[int]:
    """``root`` and every process under it (children read from /proc/<pid>/task/*/children)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue  # it exited meanwhile
    return found


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def kind(pid: int) -> str:
    """A short name for what the process is: the module or subcommand it runs."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "?"
    for marker in ("-m", "--zygote"):
        if marker in argv and argv.index(marker) + 1 < len(argv):
            return " ".join(argv[argv.index(marker) + 1 : argv.index(marker) + 3]).strip()
    return Path(argv[0]).name or "?"


def container_pids(engine: DockerEngine, labels: dict[str, str]) -> list[int]:
    """Every process in the running containers carrying ``labels`` (seen from the host)."""
    pids = []
    for container in engine.containers(labels):
        document = engine.inspect(container["Id"])
        if document and document["State"]["Pid"]:  # 0: not running
            pids += descendants(document["State"]["Pid"])
    return pids


def pss_by_kind(pids: list[int]) -> dict[str, list[int]]:
    by_kind: dict[str, list[int]] = defaultdict(list)
    for pid in pids:
        by_kind[kind(pid)].append(pss_kib(pid))
    return by_kind


def print_pss(title: str, by_kind: dict[str, list[int]]) -> None:
    total = sum(sum(values) for values in by_kind.values())
    print(f"{title}: PSS {total / 1024:.1f} MiB")
    for name, values in sorted(by_kind.items(), key=lambda item: -sum(item[1])):
        print(f"  {sum(values) / 1024:7.1f} MiB  {len(values)} x {name}")


def idle_memory(
    home: Path, env: dict[str, str], samples_at: list[float], runtime: str, labels: dict[str, str] | None
) -> None:
    """Samples `dagseal standalone`'s processes at each of ``samples_at``; with ``labels``, the
    processes of the containers carrying them apart (and those containers removed at the end)."""
    engine = DockerEngine(SOCKET) if labels else None
    process = subprocess.Popen(
        [*DAGSEAL, "standalone", "--no-api-server", "--migrate"],
        cwd=home,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started = time.monotonic()
    try:
        for at in samples_at:
            time.sleep(max(0.0, started + at - time.monotonic()))
            title = f"idle `dagseal standalone` ({runtime} runtime), {at:g} s in"
            print_pss(title, pss_by_kind(descendants(process.pid)))
            if engine and labels:
                print_pss("  warm parse containers, apart", pss_by_kind(container_pids(engine, labels)))
        goal = "150 MiB with the Docker runtime, warm parse containers excluded" if labels else "120 MiB"
        print(f"  goal: < {goal}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
        if engine and labels:  # whatever the standalone left behind
            for container in engine.containers(labels):
                engine.remove(container["Id"])


def tasks_test(home: Path, env: dict[str, str], samples: int) -> None:
    command = [*DAGSEAL, "tasks", "test", "team_a.idle", "noop"]
    subprocess.run(command, cwd=home, env=env, check=True, capture_output=True)  # warm-up
    walls = []
    for _ in range(samples):
        started = time.perf_counter()
        subprocess.run(command, cwd=home, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
    print(
        f"`dagseal tasks test` of a no-op task: median {statistics.median(walls):.2f} s, "
        f"min {min(walls):.2f} s over {samples} runs; goal < 0.3 s"
    )


def default_image() -> str:
    """The integration tests' image of this checkout, as benchmarks/containers.py uses."""
    return test_image(DockerEngine(SOCKET))


def docker_home(home: Path, image: str) -> None:
    """Pins every team folder to ``image`` and opens them to the containers' uid 1000."""
    home.chmod(0o755)
    for folder in (home / "dag_repos").iterdir():
        (folder / "runtime.yaml").write_text(f"image: {image}\n")
    for path in [home / "dag_repos", *(home / "dag_repos").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=2, help="team folders (one DAG processor each)")
    parser.add_argument(
        "--at",
        default="20,80",
        help="comma-separated seconds from start to each sample (default: 20 s, while the fork server "
        "is still up, and 80 s, after 60 s without a try stopped it)",
    )
    parser.add_argument("--samples", type=int, default=5, help="`tasks test` runs after a warm-up")
    parser.add_argument("--image", help="image for the Docker runtime's run (default: the test image)")
    parser.add_argument("--no-docker", action="store_true", help="measure the process runtime only")
    args = parser.parse_args()
    if args.image and args.no_docker:
        parser.error("--image and --no-docker exclude each other")
    home = Path(tempfile.mkdtemp(prefix="dagseal-idle-"))
    try:
        for number in range(args.teams):
            team = f"team_{chr(ord('a') + number)}"
            (home / "dag_repos" / team).mkdir(parents=True)
            (home / "dag_repos" / team / "idle.py").write_text(DAG.format(team=team))
        env = {**os.environ, "DAGSEAL_HOME": str(home)}
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"dagseal idle benchmark: {args.teams} team folders, {os.cpu_count()} CPUs, load average {load}"
        )
        samples_at = [float(at) for at in args.at.split(",")]
        idle_memory(home, env, samples_at, "process", None)
        tasks_test(home, env, args.samples)
        if not args.no_docker:
            docker_home(home, args.image or default_image())
            labels = {"io.dagseal.bench": home.name}
            docker_env = {
                **env,
                "DAGSEAL__CORE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'docker.db'}",
                "DAGSEAL__CORE__SCHEDULER_DAG_PARSING_RUNTIME": "docker",
                "DAGSEAL__CORE__TASK_EXECUTION_RUNTIME": "docker",
                "DAGSEAL__DOCKER_RUNTIME__LABELS": ",".join(f"{k}={v}" for k, v in labels.items()),
            }
            idle_memory(home, docker_env, samples_at, "Docker", labels)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
