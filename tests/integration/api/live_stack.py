"""A real ``dagseal standalone`` (process runtime) with its API server, over two teams' DAG
directories in a temp folder, with two deployments of tiny images in the loopback registry.

Used by the browser tests: what the browser sees is what a user of the demo would see.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO_ROOT / "tests/integration/deploy"))  # reuse the deploy tests' tiny images

from deploy_images import build_layout, digest_map  # noqa: E402

ETL_V1 = """
from dagseal import DAG, BashOperator, EmptyOperator

with DAG(dag_id="team_x.ui_etl", params={"rows": 3, "label": "nightly"}, tags=["ui"]) as dag:
    extract = EmptyOperator(task_id="extract")
    slow = BashOperator(
        task_id="slow",
        bash_command="for i in $(seq 1 40); do echo tick $i; sleep 0.25; done",
    )
    load = BashOperator(task_id="load", bash_command="echo loaded")
    extract >> slow >> load
"""
ETL_V2 = (
    ETL_V1
    + """    report = EmptyOperator(task_id="report")
    load >> report
"""
)
OTHER = """
from dagseal import DAG, EmptyOperator

with DAG(dag_id="team_y.other") as dag:
    EmptyOperator(task_id="collect")
"""
PASSWORD = "team password 1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveStack:
    def __init__(self, work: Path, registry: str, namespace: str) -> None:
        self.work = work
        self.dags = work / "dag_repos"
        (self.dags / "team_x").mkdir(parents=True)
        (self.dags / "team_y").mkdir(parents=True)
        self.etl = self.dags / "team_x" / "ui_etl.py"
        self.etl.write_text(ETL_V1)
        (self.dags / "team_y" / "other.py").write_text(OTHER)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PATH": f"{REPO_ROOT / '.venv/bin'}:{os.environ['PATH']}",
            "DAGSEAL_HOME": str(work / "home"),
            "DAGSEAL__CORE__SQL_ALCHEMY_CONN": f"sqlite:///{work / 'dagseal.db'}",
            "DAGSEAL__CORE__DAGS_FOLDER": str(self.dags),
            "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(work / "logs"),
            "DAGSEAL__DEPLOY__REGISTRY": registry,
            "DAGSEAL__API__PORT": str(self.port),
            "DAGSEAL__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "1",
            "DAGSEAL__SCHEDULER__DAG_DIR_LIST_INTERVAL": "1",
        }
        self.env.pop("DAGSEAL_CONFIG", None)
        self.dagseal("db", "migrate")
        for version in ("1", "2"):
            self._publish_and_deploy(namespace, version)
        self.dagseal(
            "users",
            "create",
            "--username",
            "x_op",
            "--role",
            "op",
            "--team",
            "team_x",
            "--password",
            PASSWORD,
        )
        self.dagseal(
            "users",
            "create",
            "--username",
            "y_op",
            "--role",
            "op",
            "--team",
            "team_y",
            "--password",
            PASSWORD,
        )
        self.log_path = work / "standalone.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            ["dagseal", "standalone", "--api-server"],
            cwd=work,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        line = self.wait_for_output(r"UI and API at (\S+) \(log in as admin, password (\S+);")
        self.admin_password = line.group(2)

    def _publish_and_deploy(self, namespace: str, version: str) -> None:
        bazel_bin = self.work / f"bazel-bin-{version}"
        document = digest_map(
            build_layout(bazel_bin, "team_x", f"{namespace}/team_x", f"print({version})"),
            build_layout(bazel_bin, "team_y", f"{namespace}/team_y", "print('y')"),
        )
        (bazel_bin / "digest_map.json").write_text(json.dumps(document))
        out = self.work / f"published-{version}.json"
        self.dagseal(
            "images",
            "publish",
            "--digest-map",
            str(bazel_bin / "digest_map.json"),
            "--bazel-bin",
            str(bazel_bin),
            "--out",
            str(out),
        )
        self.dagseal("deploy", str(out), "--created-from", f"browser test v{version}")

    def dagseal(self, *args: str) -> str:
        done = subprocess.run(
            ["dagseal", *args], cwd=self.work, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.fail(f"dagseal {' '.join(args)} exited {done.returncode}: {done.stderr}", pytrace=False)
        return done.stdout

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        found = self.wait_until(
            f"standalone to print /{pattern}/", lambda: re.search(pattern, self.output()), timeout
        )
        assert found is not None
        return found

    def wait_until(self, what: str, check: Callable[[], object], timeout: float = 60) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            if self.process.poll() is not None:
                said = self.output()[-2000:]
                pytest.fail(f"standalone exited ({self.process.returncode}) before {what}:\n{said}", False)
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}; standalone said:\n{self.output()[-3000:]}", pytrace=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
