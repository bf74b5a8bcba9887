"""API server latency: the DAG list, one DAG's grid and a log page, with 4 concurrent clients.

Fills a throwaway PostgreSQL database (``--pg-url``, default the server tooling/start_postgres.sh
starts) with ``--dags`` DAGs (default 1,000, over two teams, three tasks each) and ``--runs``
runs (default 10,000, three task instances each), starts ``dagseal api-server`` on a free
loopback port, and has ``--clients`` threads (default 4) request, as team_x's op user:

- ``GET /api/v2/dags`` (the first page of team_x's 500 DAGs, each with its last run and its
  current deployment's image);
- ``GET /dags/<dag>/grid`` (the UI's grid page: 10 runs by 3 tasks, rendered HTML);
- ``GET .../taskInstances/extract/logs/1`` (a 200-line log).

Prints p50 and p95 per request kind (``--requests`` each, per client); asserts nothing.

With ``--airflow-venv DIR``, then the same for Airflow 3.3's ``GET /api/v2/dags`` (first page,
as an admin of its 1,000 DAGs) from its own ``airflow api-server`` (one worker) over the same
number of DAGs in a throwaway database on the same PostgreSQL server; Airflow is installed in
DIR by pip when DIR has no virtualenv (see ``airflow_api.py``). Its list carries no last run or
image per DAG, so it does less per DAG than dagseal's.

Usage: ``python benchmarks/api.py [--dags N] [--runs N] [--clients N] [--requests N] [--airflow-venv DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from airflow_api import airflow_api_server
from http_server import free_port, wait_healthy
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from dagseal.api.auth import create_token, create_user
from dagseal.db.models import (
    DagCodeModel,
    DagModel,
    DagRunModel,
    DeploymentModel,
    SerializedDagModel,
    TaskInstanceModel,
)
from dagseal.db.session import create_engine_from_conn, migrate, session_factory, session_scope
from dagseal.sdk import DAG, EmptyOperator
from dagseal.serialization import canonical_json, dag_envelope, dag_hash, serialize_dag, sha256_hex

DEFAULT_PG_URL = "postgresql+psycopg://dagseal:dagseal@127.0.0.1:54329/dagseal"
TEAMS = ("team_x", "team_y")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LOG_LINES = 200


def _version(dag_id: str) -> tuple[dict, dict]:
    with DAG(dag_id) as dag:
        (
            EmptyOperator(task_id="extract")
            >> EmptyOperator(task_id="transform")
            >> EmptyOperator(task_id="load")
        )
    source = f"# {dag_id}\n"
    digest = sha256_hex(source)
    serialized = serialize_dag(dag, fileloc=f"{dag_id}.py", source_digest=digest)
    code = {"source_digest": digest, "relative_fileloc": f"{dag_id}.py", "source": source, "created_at": T0}
    row = {
        "dag_hash": dag_hash(serialized),
        "dag_id": dag_id,
        "data": canonical_json(dag_envelope(serialized)),
        "source_digest": digest,
        "created_at": T0,
    }
    return code, row


def fill(url: str, dags: int, runs: int, logs: Path) -> tuple[str, str]:
    """Rows as the processor and scheduler would write them; returns (one DAG id, team_x's token)."""
    engine = create_engine_from_conn(url)
    factory = session_factory(engine)
    runs_per_dag = max(1, runs // dags)
    with engine.begin() as connection:
        dag_rows, code_rows, version_rows, run_rows = [], [], [], []
        for n in range(dags):
            team = TEAMS[n % 2]
            dag_id = f"{team}.dag_{n:05d}"
            subdir = f"/srv/dag_repos/{team}"
            code, version = _version(dag_id)
            code_rows.append(code)
            version_rows.append({**version, "processor_subdir": subdir})
            dag_rows.append(
                {
                    "dag_id": dag_id,
                    "fileloc": f"{subdir}/{dag_id}.py",
                    "relative_fileloc": f"{dag_id}.py",
                    "processor_subdir": subdir,
                    "is_active": True,
                    "is_paused": False,
                    "last_parsed_time": T0,
                    "latest_dag_hash": version["dag_hash"],
                    "tags": [],
                    "schedule_description": "@daily",
                }
            )
            for r in range(runs_per_dag):
                day = T0 + timedelta(days=r)
                run_rows.append(
                    {
                        "dag_id": dag_id,
                        "run_id": f"scheduled__{day.isoformat()}",
                        "run_type": "scheduled",
                        "logical_date": day,
                        "data_interval_start": day,
                        "data_interval_end": day,
                        "state": "success",
                        "dag_hash": version["dag_hash"],
                        "image_digest": "sha256:" + "a" * 64,
                        "conf": {},
                        "created_at": day,
                    }
                )
        connection.execute(insert(DagCodeModel), code_rows)
        connection.execute(insert(SerializedDagModel), version_rows)
        connection.execute(insert(DagModel), dag_rows)
        connection.execute(insert(DagRunModel), run_rows)
        ti_rows = [
            {
                "dag_run_id": run_pk,
                "dag_id": dag_id,
                "run_id": run_id,
                "task_id": task_id,
                "state": "success",
                "try_number": 1,
                "max_tries": 0,
                "priority_weight": 1,
            }
            for run_pk, dag_id, run_id in connection.execute(text("SELECT id, dag_id, run_id FROM dag_run"))
            for task_id in ("extract", "transform", "load")
        ]
        connection.execute(insert(TaskInstanceModel), ti_rows)
        connection.execute(
            insert(DeploymentModel), [{"digest_map": _digest_map(), "is_current": True, "created_at": T0}]
        )
    target = "team_x.dag_00000"
    log = logs / target / f"scheduled__{T0.isoformat()}" / "extract" / "1.log"
    log.parent.mkdir(parents=True)
    log.write_text("".join(f"[bench] line {i} of the extract task's output\n" for i in range(LOG_LINES)))
    with session_scope(factory) as session:
        create_user(session, "bench", "bench-password", "op", "team_x")
        token = create_token(session, "bench")
    engine.dispose()
    return target, token


def _digest_map() -> dict:
    """A published map of both teams, so the DAG list looks up each DAG's current image."""
    digest = "sha256:" + "b" * 64
    repos = {
        f"dag_repos/{team}": {
            "dag_dir": f"dag_repos/{team}",
            "container_dag_dir": f"/opt/dagseal/dags/{team}",
            "image": f"dagseal/{team}",
            "bazel_target": f"//dag_repos/{team}:image",
            "manifest_digest": digest,
            "image_id": "sha256:" + "c" * 64,
            "registry_ref": f"127.0.0.1:5000/dagseal/{team}@{digest}",
            "layers": [],
            "sandbox_protocol": 2,
            "runtime": "python311",
            "files": {},
        }
        for team in TEAMS
    }
    return {"schema_version": 1, "repos": repos}


def measure(
    base: str, token: str, paths: dict[str, str], clients: int, requests: int
) -> dict[str, list[float]]:
    """Every client requests each path ``requests`` times, round robin; latencies in ms per kind."""
    timings: dict[str, list[float]] = {kind: [] for kind in paths}
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}"}

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            for _ in range(requests):
                for kind, path in paths.items():
                    start = time.perf_counter()
                    response = http.get(path)
                    elapsed = (time.perf_counter() - start) * 1000
                    if response.status_code != 200:
                        sys.exit(f"{path}: HTTP {response.status_code} {response.text[:200]}")
                    with lock:
                        timings[kind].append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def report(timings: dict[str, list[float]]) -> None:
    for kind, values in timings.items():
        cut = statistics.quantiles(values, n=20)
        print(f"  {kind:42} p50 {statistics.median(values):7.1f} ms   p95 {cut[18]:7.1f} ms")
    print(json.dumps({k: round(statistics.median(v), 1) for k, v in timings.items()}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("DAGSEAL_TEST_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--dags", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=50, help="requests of each kind per client")
    parser.add_argument("--workers", type=int, default=1, help="api-server worker processes")
    parser.add_argument("--airflow-venv", type=Path, help="also measure Airflow 3.3 (venv made if missing)")
    args = parser.parse_args()

    admin = create_engine_from_conn(args.pg_url, isolation_level="AUTOCOMMIT")
    name = f"dagseal_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        with tempfile.TemporaryDirectory() as work:
            migrate(url)
            started = time.perf_counter()
            dag_id, token = fill(url, args.dags, args.runs, Path(work) / "logs")
            print(f"filled {args.dags} DAGs, {args.runs} runs in {time.perf_counter() - started:.1f} s")
            port = free_port()
            env = {
                **os.environ,
                "DAGSEAL__CORE__SQL_ALCHEMY_CONN": url,
                "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(Path(work) / "logs"),
                "DAGSEAL__API__SECRET_KEY": "bench",
            }
            command = [
                sys.executable,
                "-m",
                "dagseal",
                "api-server",
                "-p",
                str(port),
                "-w",
                str(args.workers),
            ]
            server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server, 30, "api-server")
            run_path = f"/api/v2/dags/{dag_id}/dagRuns/scheduled__{T0.isoformat()}"
            paths = {
                "DAG list (GET /api/v2/dags)": "/api/v2/dags",
                "grid of one DAG (UI page)": f"/dags/{dag_id}/grid",
                f"log page ({LOG_LINES} lines)": f"{run_path}/taskInstances/extract/logs/1",
            }
            measure(base, token, paths, 1, 3)  # warm caches and the connection pool
            timings = measure(base, token, paths, args.clients, args.requests)
            print(
                f"{args.clients} clients, {args.requests} of each kind per client, {args.workers} worker(s)"
            )
            report(timings)
            server.terminate()
            server.wait(30)
            server = None
            if args.airflow_venv is not None:
                airflow_url = make_url(url).set(drivername="postgresql+psycopg2", database=f"{name}_airflow")
                with admin.connect() as connection:
                    connection.execute(text(f'CREATE DATABASE "{airflow_url.database}"'))
                airflow = airflow_url.render_as_string(hide_password=False)
                with airflow_api_server(args.airflow_venv, airflow, args.dags, free_port()) as (base, token):
                    listing = {"Airflow 3.3 DAG list (GET /api/v2/dags)": "/api/v2/dags"}
                    measure(base, token, listing, 1, 3)
                    report(measure(base, token, listing, args.clients, args.requests))
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_airflow" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
