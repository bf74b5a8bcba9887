"""What connections cost a task, and what protocol 3 costs a container try, in one run.

    python3 benchmarks/secret_access.py [--fetches 200] [--tries 10] [--db-url URL]

1. Connection fetch latency from inside a task: one task calls ``Connection.get`` ``--fetches``
   times (after one warm-up call), timing each call with ``perf_counter`` inside the sandbox. The
   host answers through the real chain (environment, files, metastore on a fresh SQLite file, or
   ``--db-url``) with Fernet decryption and the secrets masker, as the supervisor does. Printed
   per runtime (process, Docker): median and p95. Goal: median under 5 ms.
2. Container try overhead before/after this change, alternating so load hits both alike: a no-op
   task try through ``DockerRuntime.run_task`` with an image of the previous protocol (2, built
   from git history) and no answerer ("before"), and with this checkout's image, the answerer and
   the masked log the supervisor now adds ("after"). Median of ``--tries`` each.

Figures only: it asserts no timing. Containers and images it makes carry ``io.dagseal.test=1``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration" / "docker"))
from testimage import build_test_image, previous_protocol_tree  # the integration tests' images

from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope
from dagseal.runtime.base import SandboxRuntime, SandboxSpec, TaskOutcome
from dagseal.runtime.docker import DockerRuntime
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.runtime.process import ProcessRuntime
from dagseal.sandbox.protocol import RunTaskRequest
from dagseal.sdk.connection import Connection
from dagseal.secrets import Cipher, SecretsSettings
from dagseal.secrets.answers import SupervisorAnswers, TryIdentity
from dagseal.secrets.store import add_connection

SOCKET = "unix:///var/run/docker.sock"
LABELS = {"io.dagseal.test": "1"}
NOOP = """\
from dagseal import DAG, EmptyOperator

with DAG("bench.secrets", schedule=None) as dag:
    EmptyOperator(task_id="noop")
"""
FETCH = """\
import time
from dagseal import DAG, Connection, task

with DAG("bench.secrets", schedule=None) as dag:
    @task
    def fetch() -> list:
        Connection.get("warehouse")
        timings = []
        for _ in range({fetches}):
            started = time.perf_counter()
            Connection.get("warehouse")
            timings.append((time.perf_counter() - started) * 1000)
        return timings

    fetch()
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(
    runtime: SandboxRuntime, spec: SandboxSpec, folder: Path, task_id: str, answers: SupervisorAnswers | None
) -> tuple[TaskOutcome, float]:
    """The task ``task_id`` of ``folder/<task_id>.py``; its outcome and the try's wall time."""
    request = RunTaskRequest(
        id=1,
        dag_folder=str(folder),
        file=f"{task_id}.py",
        source=(folder / f"{task_id}.py").read_text(),
        dag_id="bench.secrets",
        task_id=task_id,
        run_id=f"bench-{time.time_ns()}",
    )
    log = io.BytesIO()
    sink = answers.masker.wrap(log) if answers else log
    started = time.perf_counter()
    outcome = runtime.run_task(spec, request, sink, 120, lambda _handle: None, answers)
    runtime.settle()  # the container's removal, which run_task leaves running, counts too
    if answers:
        sink.finish()  # type: ignore[union-attr]
    elapsed = time.perf_counter() - started
    if outcome.state != "success":
        raise RuntimeError(f"{task_id} failed: {outcome.error}\n{log.getvalue().decode()}")
    return outcome, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetches", type=int, default=200)
    parser.add_argument("--tries", type=int, default=10)
    parser.add_argument("--db-url")
    args = parser.parse_args(argv)
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    import docker

    client = docker.APIClient(base_url=SOCKET, version="auto")
    engine = DockerEngine(SOCKET)
    with tempfile.TemporaryDirectory(prefix="dagseal-bench-secrets-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        folder = root / "team_x"
        folder.mkdir(mode=0o755)
        for name, source in (("fetch", FETCH.format(fetches=args.fetches)), ("noop", NOOP)):
            (folder / f"{name}.py").write_text(source)
            (folder / f"{name}.py").chmod(0o644)
        url = args.db_url or f"sqlite:///{root / 'bench.db'}"
        migrate(url)
        factory = session_factory(create_engine_from_conn(url))
        key = Fernet.generate_key().decode()
        with session_scope(factory) as session:
            connection = Connection(
                conn_id="warehouse", conn_type="http", host="wh", password="bench-password"
            )
            add_connection(session, connection, "team_x", Cipher([key]))
        secrets = SecretsSettings(fernet_keys=(key,))

        def answers() -> SupervisorAnswers:
            identity = TryIdentity(team="team_x", dag_id="bench.secrets", run_id="r", task_id="fetch")
            return SupervisorAnswers.from_settings(identity, factory, secrets)

        image = build_test_image(client)
        old_tree = root / "previous"
        commit = previous_protocol_tree(old_tree)
        old_image = build_test_image(client, protocol="2", source_root=old_tree)
        docker_runtime = DockerRuntime(engine)
        spec = SandboxSpec(dag_folder=str(folder), image=image, labels=LABELS, memory=256 * 1024**2)
        runtimes: dict[str, tuple[SandboxRuntime, SandboxSpec]] = {
            "process": (ProcessRuntime(), SandboxSpec(dag_folder=str(folder))),
            "docker": (docker_runtime, spec),
        }
        backend = url.split(":")[0]
        print(f"1. Connection.get from inside a task, {args.fetches} calls after a warm-up ({backend})")
        for name, (runtime, sandbox) in runtimes.items():
            outcome, _ = run(runtime, sandbox, folder, "fetch", answers())
            timings = outcome.return_value
            median, p95 = statistics.median(timings), percentile(timings, 0.95)
            print(f"   {name:8s} median {median:6.2f} ms   p95 {p95:6.2f} ms   (goal: median < 5 ms)")

        old_spec = SandboxSpec(dag_folder=str(folder), image=old_image, labels=LABELS, memory=256 * 1024**2)
        measures: dict[str, Callable[[], float]] = {
            f"before (protocol 2 image from {commit[:10]}, no answerer)": lambda: run(
                docker_runtime, old_spec, folder, "noop", None
            )[1],
            "after  (protocol 3 image, answerer, masked log)": lambda: run(
                docker_runtime, spec, folder, "noop", answers()
            )[1],
        }
        samples: dict[str, list[float]] = {name: [] for name in measures}
        for measure in measures.values():  # warm-up, not counted
            measure()
        for _ in range(args.tries):
            for name, measure in measures.items():
                samples[name].append(measure())
        print(f"2. no-op container task try, median of {args.tries} (alternating)")
        for name, values in samples.items():
            print(f"   {name}: {statistics.median(values) * 1000:7.1f} ms")
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
