"""Airflow 3.3's own API server on the same number of DAGs, for ``api.py``'s side-by-side figure.

Everything is throwaway: a virtualenv (made with ``pip install apache-airflow==3.3.2`` when the
given directory has none), an ``AIRFLOW_HOME`` and a DAG folder in a temporary directory, and a
PostgreSQL database on the same server as dagseal's, dropped at the end. The DAGs are the same
shape as dagseal's benchmark DAGs (three EmptyOperators in a chain), serialized by
``airflow dags reserialize``; the server is ``airflow api-server`` on a free loopback port, with
one worker, and the benchmark user is a SimpleAuthManager admin whose JWT comes from
``POST /auth/token``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from airflow_venv import AIRFLOW_VERSION, airflow_python
from http_server import wait_healthy

PASSWORD = "bench-password"
DAG_FILE = """\
from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG({dag_id!r}, schedule="@daily", start_date=datetime(2026, 1, 1), catchup=False):
    EmptyOperator(task_id="extract") >> EmptyOperator(task_id="transform") >> EmptyOperator(task_id="load")
"""


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[2:])} exited {done.returncode}:\n{done.stderr[-3000:]}")


def _write_dags(folder: Path, dags: int) -> None:
    folder.mkdir(parents=True)
    for n in range(dags):
        dag_id = f"team_{'xy'[n % 2]}.dag_{n:05d}"
        (folder / f"{dag_id.replace('.', '_')}.py").write_text(DAG_FILE.format(dag_id=dag_id))


@contextmanager
def airflow_api_server(venv: Path, pg_url: str, dags: int, port: int) -> Iterator[tuple[str, str]]:
    """Airflow's API server over ``dags`` serialized DAGs in database ``pg_url`` (a psycopg2 URL):
    yields (base URL, bearer token); stops the server on exit."""
    python = airflow_python(venv)
    airflow = [str(python), "-m", "airflow"]
    with tempfile.TemporaryDirectory(prefix="dagseal-bench-airflow-") as work:
        home = Path(work)
        (home / "passwords.json").write_text(json.dumps({"bench": PASSWORD}))
        _write_dags(home / "dags", dags)
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg_url,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "bench:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__API_AUTH__JWT_SECRET": "bench-jwt-secret",
            "AIRFLOW__API__SECRET_KEY": "bench-secret",
        }
        started = time.perf_counter()
        _run([*airflow, "db", "migrate"], env)
        _run([*airflow, "dags", "reserialize"], env)
        took = time.perf_counter() - started
        print(f"Airflow {AIRFLOW_VERSION}: migrated and serialized {dags} DAGs in {took:.1f} s")
        log = home / "api-server.log"
        with log.open("wb") as out:
            command = [*airflow, "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
            server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, server, 120, "airflow api-server", log)
            answer = httpx.post(
                f"{base}/auth/token", json={"username": "bench", "password": PASSWORD}, timeout=30
            )
            answer.raise_for_status()
            token = answer.json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            total = httpx.get(f"{base}/api/v2/dags", headers=headers, timeout=30).json().get("total_entries")
            if total != dags:  # the same number of DAGs, or the comparison means nothing
                sys.exit(f"Airflow lists {total} DAGs, not {dags}")
            yield base, token
        finally:
            server.terminate()
            server.wait(30)
