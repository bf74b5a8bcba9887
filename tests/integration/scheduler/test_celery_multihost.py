"""Several hosts on one machine: a control host and two worker hosts, each worker with its own engine.

The hosts are network namespaces on a bridge (``tooling/netns_hosts.py``). The control host
(``ctl``) serves the database (a proxy to the suite's PostgreSQL), Redis and a registry with TLS
and htpasswd (``tooling/start_registry.sh``) on its namespace address; CI's push credentials
publish the Bazel-built team images there and ``dagseal deploy`` records them; the DAG processor
and the scheduler run there. Each worker host runs its own dockerd (``nsenter --net``, its own
data-root, exec-root, pidfile and socket) and ``dagseal celery worker`` in its own network and UTS
namespace (its hostname is its address, so ``task_instance.hostname`` is where its log server
listens); holding only pull credentials, it pulls each run's pinned image by digest from the
control host's registry over the namespaces' network and runs the tries in containers on its own
engine. No traffic leaves the namespaces. Everything is removed by name at the end, also after a
failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sched_env import DAGSEAL, ZOMBIE_INTERVAL, ZOMBIE_THRESHOLD, SchedulerEnv, process_alive, process_tree
from sqlalchemy import select

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.deploy.registry_auth import CERTS_D
from tooling.netns_hosts import ControlServices, HostEngine, Hosts, kill_by_pidfile, run

pytestmark = [pytest.mark.integration, pytest.mark.multihost, pytest.mark.bazel, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[3]
WORKERS = ("w1", "w2")
VISIBILITY_TIMEOUT = 8.0
TEAM_DAGS = ("team_x.etl", "team_y.metrics", "team_x.report_versions", "team_y.report_versions")
TABULATE = {"team_x": "tabulate 0.8.10", "team_y": "tabulate 0.9.0"}
TEST_LABEL = "io.dagseal.test=multihost"
LONG_DAG = '''"""The multihost test's own DAG in team_x's folder: its first try outlives a worker."""

import time
from datetime import datetime, timedelta

from dagseal import DAG, get_current_context, task

with DAG("team_x.multihost_long", schedule=None, start_date=datetime(2026, 1, 1)):

    @task(retries=1, retry_delay=timedelta(0))
    def long() -> None:
        try_number = get_current_context().try_number
        print(f"long try {try_number} started", flush=True)
        time.sleep(120 if try_number == 1 else 0)
        print(f"long try {try_number} done")

    long()
'''


class ControlRegistry:
    """The control host's registry: TLS from the tooling's CA, htpasswd push and pull users."""

    def __init__(self, hosts: Hosts, directory: Path) -> None:
        self.hosts = hosts
        self.host = f"{hosts.address('ctl')}:5000"
        self.directory = directory

    def start(self) -> str:
        env = {
            **os.environ,
            "DAGSEAL_REGISTRY_ADDR": self.host,
            "DAGSEAL_REGISTRY_DIR": str(self.directory),
            "DAGSEAL_REGISTRY_AUTH": "htpasswd",
        }
        script = str(ROOT / "tooling/start_registry.sh")
        return run(*self.hosts.enter("ctl"), "bash", script, env=env).strip()

    def stop(self) -> None:
        kill_by_pidfile(self.directory / "registry.pid")
        shutil.rmtree(CERTS_D / self.host, ignore_errors=True)


def _login(engine: HostEngine, config_dir: Path, registry: str, user: str, password: str) -> None:
    """`docker login` as an operator runs it on a host: the credentials land in ``config_dir``."""
    config_dir.mkdir(mode=0o700, parents=True)
    done = subprocess.run(
        ["docker", "-H", engine.socket, "--config", str(config_dir), "login", registry, "-u", user,
         "--password-stdin"],
        input=password, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def bazel_bin() -> Path:
    """``bazel build //:digest_map``: the team images as OCI layouts and their digest map."""
    if shutil.which("bazel") is None:
        pytest.fail("bazel is not installed: run tooling/install_bazel.sh", pytrace=False)
    done = subprocess.run(
        ["bazel", "build", "--noshow_progress", "//:digest_map"], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"bazel build //:digest_map failed:\n{done.stderr[-3000:]}", pytrace=False)
    return (ROOT / "bazel-bin").resolve()


@pytest.fixture
def hosts() -> Iterator[Hosts]:
    for tool in ("redis-server", "dockerd", "skopeo", "docker-registry"):
        if shutil.which(tool) is None:
            pytest.fail(f"needs {tool}: run tooling/setup.sh", pytrace=False)
    made = Hosts(("ctl", *WORKERS))
    try:
        made.create()
        yield made
    finally:
        made.remove()


@pytest.fixture
def engines(hosts: Hosts) -> Iterator[dict[str, HostEngine]]:
    started: dict[str, HostEngine] = {}
    try:
        for host in WORKERS:
            started[host] = HostEngine(hosts, host)
            started[host].start()
        yield started
    finally:
        for engine in started.values():
            engine.stop()


@pytest.fixture
def control(hosts: Hosts, tmp_path: Path) -> Iterator[tuple[ControlServices, ControlRegistry]]:
    """The control host's database port, Redis and registry (started by the test; stopped here,
    pytest runs this also after a failure)."""
    services = ControlServices(hosts, tmp_path / "control")
    registry = ControlRegistry(hosts, tmp_path / "registry")
    yield services, registry
    registry.stop()
    services.stop()


@pytest.fixture
def dag_repos(hosts: Hosts) -> Iterator[Path]:
    """A copy of the example teams' folders (world-readable: containers run as uid 1000) with the
    test's own DAG added to team_x's."""
    root = Path(tempfile.mkdtemp(prefix=f"{hosts.tag}-dags-"))
    root.chmod(0o755)
    repos = root / "dag_repos"
    try:
        shutil.copytree(ROOT / "dag_repos", repos, ignore=shutil.ignore_patterns("__pycache__"))
        (repos / "team_x" / "multihost_long.py").write_text(LONG_DAG)
        yield repos
    finally:
        shutil.rmtree(root, ignore_errors=True)


class Cluster:
    """The running installation: ``env`` holds the settings every host shares."""

    def __init__(self, env: SchedulerEnv, hosts: Hosts, engines: dict[str, HostEngine], pull: Path) -> None:
        self.env = env
        self.hosts = hosts
        self.engines = engines
        self.pull = pull
        self.workers: dict[str, subprocess.Popen[bytes]] = {}

    def on_ctl(self, *args: str, docker_config: Path | None = None) -> str:
        extra = {"DOCKER_CONFIG": str(docker_config)} if docker_config else {}
        done = subprocess.run(
            [*self.hosts.enter("ctl"), *DAGSEAL, *args], env={**self.env.env, **extra}, cwd=self.env.root,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"dagseal {' '.join(args)} on ctl failed: {done.stderr[-3000:]}"
        return done.stdout

    def start_worker(self, host: str) -> subprocess.Popen[bytes]:
        """``dagseal celery worker`` on ``host``: its network, hostname, engine, logs, pull credentials."""
        address = self.hosts.address(host)
        settings = {
            "DAGSEAL__CORE__TASK_EXECUTION_RUNTIME": "docker",
            "DAGSEAL__DOCKER_RUNTIME__SOCKET_PATH": self.engines[host].socket,
            "DAGSEAL__DOCKER_RUNTIME__LABELS": TEST_LABEL,
            "DAGSEAL__LOGGING__BASE_LOG_FOLDER": str(self.env.root / f"logs-{host}"),
            "DAGSEAL__LOGGING__WORKER_LOG_SERVER_HOST": address,
            "DOCKER_CONFIG": str(self.pull),
        }
        wrap = self.hosts.as_host(host)
        self.workers[host] = self.env.start(
            "celery", "worker", "-c", "2", "--hostname", f"{host}@%h", env=settings, wrap=wrap
        )
        return self.workers[host]

    def kill_worker(self, host: str) -> None:
        """SIGKILL the worker and every process under it (its containers live on in the engine)."""
        tree = process_tree(self.workers[host].pid)
        for pid in tree:
            os.kill(pid, signal.SIGKILL)
        self.workers[host].wait()
        self.env.wait_for(f"{host}'s processes gone", lambda: not any(map(process_alive, tree)))

    def host_of(self, address: str | None) -> str:
        return next(host for host in WORKERS if self.hosts.address(host) == address)

    def task_containers(self, host: str) -> list[str]:
        listed = self.engines[host].docker("ps", "-aq", "--filter", f"label={TEST_LABEL}")
        return (listed or "").split()

    def worker_logs(self) -> str:
        return "".join(path.read_text() for path in self.env.root.glob("celery-*.log"))


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_worker_hosts_pull_by_digest_run_both_teams_in_containers_and_survive_kill_and_cut(
    tmp_path: Path,
    bazel_bin: Path,
    hosts: Hosts,
    engines: dict[str, HostEngine],
    control: tuple[ControlServices, ControlRegistry],
    dag_repos: Path,
    migrated_db_url: str,
) -> None:
    services, registry = control
    hosts_url, broker = services.start(migrated_db_url)
    assert registry.start() == f"https://{registry.host}"
    ci, pull = tmp_path / "ci-docker-config", tmp_path / "pull-docker-config"
    _login(engines["w1"], ci, registry.host, "push", "dagseal-push")
    _login(engines["w1"], pull, registry.host, "pull", "dagseal-pull")

    env = SchedulerEnv(
        tmp_path,
        migrated_db_url,
        core__executor="CeleryExecutor",
        core__dags_are_paused_at_creation="True",
        celery__broker_url=broker,
        api__secret_key=uuid.uuid4().hex * 2,
        celery_broker_transport_options__visibility_timeout=str(VISIBILITY_TIMEOUT),
        celery_broker_transport_options__unacked_restore_throttle="1",
    )
    env.env["DAGSEAL__CORE__SQL_ALCHEMY_CONN"] = hosts_url  # the hosts reach it over their network
    env.env["DAGSEAL__CORE__DAGS_FOLDER"] = str(dag_repos)
    cluster = Cluster(env, hosts, engines, pull)
    try:
        published = _publish_and_deploy(cluster, bazel_bin, registry, ci)
        _run_both_teams(cluster, published, registry)
        _kill_a_worker_mid_try(cluster)
        _cut_a_worker_mid_try(cluster)
    finally:
        env.close()


def _publish_and_deploy(
    cluster: Cluster, bazel_bin: Path, registry: ControlRegistry, ci: Path
) -> dict[str, str]:
    """CI publishes the Bazel images with its push credentials; returns team -> registry reference."""
    out = cluster.env.root / "published.json"
    cluster.on_ctl(
        "images", "publish", "--registry", f"https://{registry.host}", "--digest-map",
        str(bazel_bin / "digest_map.json"), "--bazel-bin", str(bazel_bin), "--out", str(out),
        docker_config=ci,
    )  # fmt: skip
    cluster.on_ctl("deploy", str(out), "--created-from", "multihost test", docker_config=ci)
    repos = json.loads(out.read_text())["repos"]
    return {Path(dag_dir).name: entry["registry_ref"] for dag_dir, entry in repos.items()}


def _run_both_teams(cluster: Cluster, published: dict[str, str], registry: ControlRegistry) -> None:
    env, ctl = cluster.env, cluster.hosts.enter("ctl")
    for team in TABULATE:  # a processor per team folder: its runtime.yaml applies to its files
        folder = Path(env.env["DAGSEAL__CORE__DAGS_FOLDER"]) / team
        assert env.start("dag-processor", "--subdir", str(folder), "--num-runs", "1", wrap=ctl).wait(120) == 0
    for host in WORKERS:
        cluster.start_worker(host)
    env.start("scheduler", wrap=ctl)
    for dag_id in TEAM_DAGS:
        cluster.on_ctl("dags", "trigger", dag_id, "--run-id", f"mh_{dag_id}")
    env.wait_for(
        "both teams' runs to finish",
        lambda: (
            len(states := env.run_states()) == len(TEAM_DAGS)
            and "running" not in states
            and "queued" not in states
        ),
        timeout=240,
    )
    with session_scope(env.factory) as session:
        runs = {dag_run.dag_id: dag_run for dag_run in session.scalars(select(DagRunModel))}
    assert {dag_id: dag_run.state for dag_id, dag_run in runs.items()} == dict.fromkeys(TEAM_DAGS, "success")
    for dag_id, dag_run in runs.items():  # each run pinned to its team's published digest
        assert published[dag_id.split(".")[0]].endswith(f"@{dag_run.image_digest}"), dag_id

    tis = [ti for ti in env.tis() if ti.dag_id in TEAM_DAGS]
    assert len(tis) >= 12
    # team_y's branch is within budget, so it skips page_oncall; every other task succeeded
    assert {(ti.task_id, ti.state) for ti in tis if ti.state != "success"} == {("page_oncall", "skipped")}
    tis = [ti for ti in tis if ti.state == "success"]  # the tries that ran
    addresses = {cluster.hosts.address(host) for host in WORKERS}
    assert {ti.hostname for ti in tis} == addresses, "tries did not land on both worker hosts"
    for host in WORKERS:  # each engine pulled what its tries needed, by digest, from the control host
        pulled = cluster.engines[host].docker(
            "images", "--digests", "--format", "{{.Repository}}@{{.Digest}}"
        )
        teams = {ti.dag_id.split(".")[0] for ti in tis if ti.hostname == cluster.hosts.address(host)}
        for team in teams:
            assert published[team] in (pulled or "").split(), f"{host} did not pull {published[team]}"
            assert published[team].startswith(f"{registry.host}/")

    listing = cluster.on_ctl("celery", "list-workers")
    assert all(f"{host}@{cluster.hosts.address(host)}" in listing for host in WORKERS), listing

    # The control host has no copy of any log: `tasks logs` reads each from its worker's server,
    # and each team's try saw its own image's pinned tabulate.
    assert not (env.root / "logs").exists()
    for team, version in TABULATE.items():
        dag_id = f"{team}.report_versions"
        shown = cluster.on_ctl("tasks", "logs", dag_id, "tabulate_version", f"mh_{dag_id}")
        assert version in shown.splitlines(), shown
    for address in sorted(addresses):
        ti = next(ti for ti in tis if ti.hostname == address and ti.map_index == -1)
        shown = cluster.on_ctl("tasks", "logs", ti.dag_id, ti.task_id, ti.run_id)
        assert shown.startswith(f"[dagseal] {ti.dag_id}.{ti.task_id} run {ti.run_id} try 1\n")


def _long_try_running(cluster: Cluster, run_id: str) -> str:
    """Trigger the long DAG as ``run_id``; returns the host its first try runs on."""
    env = cluster.env
    cluster.on_ctl("dags", "trigger", "team_x.multihost_long", "--run-id", run_id)
    first = env.wait_for(
        f"{run_id}'s first try running",
        lambda: next(
            (ti for ti in env.tis("team_x.multihost_long") if ti.run_id == run_id and ti.state == "running"),
            None,
        ),
        timeout=120,
    )
    return cluster.host_of(first.hostname)


def _long_ti(cluster: Cluster, run_id: str) -> TaskInstanceModel:
    return next(ti for ti in cluster.env.tis("team_x.multihost_long") if ti.run_id == run_id)


def _kill_a_worker_mid_try(cluster: Cluster) -> None:
    """A worker SIGKILLed mid-try: zombie, retry on the other host, redelivery a no-op, and the
    restarted worker removes the container its dead incarnation left on its engine."""
    env = cluster.env
    victim = _long_try_running(cluster, "mh_kill")
    env.wait_for(f"the try's container on {victim}", lambda: cluster.task_containers(victim))
    cluster.kill_worker(victim)
    (orphan,) = cluster.task_containers(victim)
    shape = "{{json .Config.Env}} {{.HostConfig.NetworkMode}} {{.HostConfig.Memory}}"
    inspected = cluster.engines[victim].docker("inspect", "--format", shape, orphan) or ""
    environment, network, memory = inspected.rsplit(maxsplit=2)
    assert "DOCKER_CONFIG" not in environment and "dagseal-pull" not in environment  # the worker's own
    assert (network, memory) == ("none", str(512 * 1024**2))  # dag_repos/team_x/runtime.yaml applied

    env.wait_for("the retry to succeed", lambda: _long_ti(cluster, "mh_kill").state == "success", timeout=120)
    ti = _long_ti(cluster, "mh_kill")
    assert ti.try_number == 2 and cluster.host_of(ti.hostname) != victim
    # The killed worker never acknowledged its message: after the visibility timeout the broker
    # hands it out again and a supervisor finds nothing queued to claim (exit 0, no third try).
    env.wait_for(
        "the redelivered message",
        lambda: cluster.worker_logs().count(f"(ti {ti.id}): supervisor exited 0") == 2,
        timeout=VISIBILITY_TIMEOUT * 4,
    )
    assert _long_ti(cluster, "mh_kill").try_number == 2

    cluster.start_worker(victim)
    env.wait_for(f"the orphaned container on {victim} removed", lambda: not cluster.task_containers(victim))


def _cut_a_worker_mid_try(cluster: Cluster) -> None:
    """A worker host whose link goes down mid-try: its try becomes a zombie, the other host runs
    the retry, and the cut-off try never records anything."""
    env = cluster.env
    cut = _long_try_running(cluster, "mh_cut")
    cluster.hosts.cut(cut)
    env.wait_for("the retry to succeed", lambda: _long_ti(cluster, "mh_cut").state == "success", timeout=120)
    ti = _long_ti(cluster, "mh_cut")
    assert ti.try_number == 2 and cluster.host_of(ti.hostname) != cut
    assert ZOMBIE_THRESHOLD + ZOMBIE_INTERVAL < 120  # the cut try was still sleeping when taken over
    first = (env.root / f"logs-{cut}" / "team_x.multihost_long" / "mh_cut" / "long" / "1.log").read_text()
    assert "long try 1 started" in first and "long try 1 done" not in first
    shown = cluster.on_ctl("tasks", "logs", "team_x.multihost_long", "long", "mh_cut")
    assert "long try 2 done" in shown
    cluster.kill_worker(cut)  # it can reach nothing: a warm shutdown would wait for its sleeping try
