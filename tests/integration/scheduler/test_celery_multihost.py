"""Several hosts on one machine: network namespaces for a control host and two worker hosts.

The control host (namespace ``ctl``) serves the database (a proxy to the suite's PostgreSQL) and
Redis on its namespace address, and runs the DAG processor and the scheduler; each worker host
runs ``dagseal celery worker`` in its own network and UTS namespace (its hostname is its address,
so ``task_instance.hostname`` is where its log server listens). The namespaces meet on a bridge
inside a fifth namespace: no traffic leaves them. Tries run in the process runtime (no engine per
worker host here). Everything is removed by name at the end, also after a failure."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_proxy import PgProxy
from sched_env import DAGSEAL, ZOMBIE_INTERVAL, ZOMBIE_THRESHOLD, SchedulerEnv
from sqlalchemy.engine import make_url

pytestmark = [pytest.mark.integration, pytest.mark.multihost]

REDIS_PASSWORD = "multihost"


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


class Hosts:
    """Namespaces ``<tag>-{br,ctl,w1,w2}`` joined by veth pairs to a bridge in ``<tag>-br``."""

    def __init__(self) -> None:
        self.tag = f"dsc{uuid.uuid4().hex[:5]}"
        self.subnet = f"10.231.{random.randrange(1, 250)}"
        self.names = {"ctl": 1, "w1": 2, "w2": 3}
        self.made: list[str] = []

    def ns(self, host: str) -> str:
        return f"{self.tag}-{host}"

    def address(self, host: str) -> str:
        return f"{self.subnet}.{self.names[host]}"

    def link(self, host: str) -> str:
        return f"{self.tag}{host}"  # the host's end of its veth pair (<= 15 characters)

    def enter(self, host: str) -> tuple[str, ...]:
        return ("nsenter", f"--net=/run/netns/{self.ns(host)}")

    def create(self) -> None:
        bridge = self.ns("br")
        _run("ip", "netns", "add", bridge)
        self.made.append(bridge)
        _run("ip", "-n", bridge, "link", "add", "br0", "type", "bridge")
        _run("ip", "-n", bridge, "link", "set", "br0", "up")
        for host in self.names:
            ns, inner, outer = self.ns(host), self.link(host), f"{self.link(host)}p"
            _run("ip", "netns", "add", ns)
            self.made.append(ns)
            _run("ip", "link", "add", inner, "type", "veth", "peer", "name", outer)
            _run("ip", "link", "set", inner, "netns", ns)
            _run("ip", "link", "set", outer, "netns", bridge)
            _run("ip", "-n", bridge, "link", "set", outer, "master", "br0")
            _run("ip", "-n", bridge, "link", "set", outer, "up")
            _run("ip", "-n", ns, "addr", "add", f"{self.address(host)}/24", "dev", inner)
            _run("ip", "-n", ns, "link", "set", inner, "up")
            _run("ip", "-n", ns, "link", "set", "lo", "up")

    def cut(self, host: str) -> None:
        _run("ip", "-n", self.ns(host), "link", "set", self.link(host), "down")

    def remove(self) -> None:
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


class ControlServices:
    """The database port (a proxy to the suite's PostgreSQL, so worker hosts reach the database over
    the namespaces' network and lose it with their link) and a Redis, on the control host's address."""

    def __init__(self, hosts: Hosts, directory: Path) -> None:
        self.hosts = hosts
        self.dir = directory
        self.address = hosts.address("ctl")
        self._proxy: PgProxy | None = None

    def start(self, db_url: str) -> tuple[str, str]:
        """Returns the database URL as the hosts see it, and the broker URL."""
        url = make_url(db_url)
        self._proxy = PgProxy(url, self.address, 5432, wrap=self.hosts.enter("ctl"))
        self._proxy.start()
        redis = self.dir / "redis"
        redis.mkdir(parents=True)
        _run(
            *self.hosts.enter("ctl"), "redis-server", "--bind", self.address, "--port", "6379",
            "--requirepass", REDIS_PASSWORD, "--daemonize", "yes", "--pidfile", str(redis / "redis.pid"),
            "--dir", str(redis), "--logfile", str(redis / "redis.log"), "--save", "",
        )  # fmt: skip
        hosts_url = self._proxy.url.render_as_string(hide_password=False)
        return hosts_url, f"redis://:{REDIS_PASSWORD}@{self.address}:6379/0"

    def stop(self) -> None:
        pid_file = self.dir / "redis" / "redis.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        if self._proxy is not None:
            self._proxy.stop()


@pytest.fixture
def hosts() -> Iterator[Hosts]:
    if shutil.which("redis-server") is None:
        pytest.fail("needs redis-server: run tooling/setup.sh", pytrace=False)
    made = Hosts()
    try:
        made.create()
        yield made
    finally:
        made.remove()


@pytest.fixture
def control(hosts: Hosts, tmp_path: Path) -> Iterator[ControlServices]:
    services = ControlServices(hosts, tmp_path / "control")
    try:
        yield services
    finally:
        services.stop()


def _worker(env: SchedulerEnv, hosts: Hosts, host: str) -> subprocess.Popen[bytes]:
    """``dagseal celery worker`` on worker host ``host``: its own network, hostname and log folder."""
    address = hosts.address(host)
    wrap = (*hosts.enter(host), "unshare", "--uts", "sh", "-c", f'hostname {address} && exec "$@"', "sh")
    settings = {
        "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(env.root / f"logs-{host}"),
        "DAGSEAL__LOGGING__WORKER_LOG_SERVER_HOST": address,
    }
    return env.start("celery", "worker", "-c", "2", "--hostname", f"{host}@%h", env=settings, wrap=wrap)


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_tries_spread_over_two_worker_hosts_logs_from_both_and_a_cut_host_is_taken_over(
    tmp_path: Path, hosts: Hosts, control: ControlServices, migrated_db_url: str
) -> None:
    hosts_url, broker = control.start(migrated_db_url)
    env = SchedulerEnv(
        tmp_path,
        migrated_db_url,
        core__executor="CeleryExecutor",
        celery__broker_url=broker,
        api__secret_key=uuid.uuid4().hex * 2,
        celery_broker_transport_options__visibility_timeout="8",
        celery_broker_transport_options__unacked_restore_throttle="1",
    )
    env.env["DAGSEAL__CORE__SQL_ALCHEMY_CONN"] = hosts_url  # the hosts reach it over their network
    try:
        _run_scenario(env, hosts)
    finally:
        env.close()


def _run_scenario(env: SchedulerEnv, hosts: Hosts) -> None:
    env.write_dag(
        """
        import time
        from datetime import timedelta
        from dagseal import DAG, PythonOperator
        from dagseal.sdk.context import get_current_context

        def work(name, seconds):
            def run():
                with open("{out}/" + name, "a") as handle:
                    handle.write(f"try {get_current_context().try_number}\\n")
                time.sleep(seconds)
            return run

        with DAG("spread", schedule=None) as dag:
            for i in range(8):
                PythonOperator(task_id=f"t{i}", python_callable=work(f"t{i}", 1.0))

        with DAG("longer", schedule=None) as longer:
            PythonOperator(
                task_id="long", python_callable=work("long", 20.0), retries=1, retry_delay=timedelta(0)
            )
        """
    )
    ctl = hosts.enter("ctl")
    env.start("dag-processor", "--subdir", str(env.repo), "--num-runs", "1", wrap=ctl).wait(120)
    _worker(env, hosts, "w1")
    _worker(env, hosts, "w2")
    env.start("scheduler", wrap=ctl)

    env.start("dags", "trigger", "spread", wrap=ctl).wait(60)
    env.wait_for("spread to succeed", lambda: env.run_states() == ["success"], timeout=180)
    tis = env.tis("spread")
    assert [(ti.state, ti.try_number) for ti in tis] == [("success", 1)] * 8
    workers = {hosts.address("w1"), hosts.address("w2")}
    assert {ti.hostname for ti in tis} == workers, "tries did not land on both worker hosts"
    assert all(env.lines(ti.task_id) == ["try 1"] for ti in tis)

    # The control host has no copy of any log: `tasks logs` reads each from its worker's server.
    for host in sorted(workers):
        ti = next(ti for ti in tis if ti.hostname == host)
        shown = subprocess.run(
            [*ctl, *DAGSEAL, "tasks", "logs", "spread", ti.task_id, ti.run_id],
            env=env.env, cwd=env.root, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith(f"[dagseal] spread.{ti.task_id} run {ti.run_id} try 1\n")

    # A worker host whose link goes down mid-try: its try becomes a zombie and the other host
    # runs the retry; the cut-off try never records anything.
    env.start("dags", "trigger", "longer", wrap=ctl).wait(60)
    first = env.wait_for(
        "the long try running", lambda: (ti := env.ti("long")) and ti.state == "running" and ti
    )
    cut = next(name for name in ("w1", "w2") if hosts.address(name) == first.hostname)
    hosts.cut(cut)
    env.wait_for("longer to succeed", lambda: env.run_states().count("success") == 2, timeout=120)
    long = env.ti("long")
    assert (long.state, long.try_number) == ("success", 2)
    assert long.hostname != first.hostname
    assert env.lines("long") == ["try 1", "try 2"]
    assert ZOMBIE_THRESHOLD + ZOMBIE_INTERVAL < 20.0  # the cut try was still sleeping when taken over
