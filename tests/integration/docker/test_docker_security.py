"""Isolation, checked with the real engine from inside the container, as user code would try it."""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker_helpers import write_dag
from test_docker_tasks import run_task

from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.docker import DockerRuntime

SECRET = "s3cr3t-db-password"
DB_URL = f"postgresql+psycopg://dagseal:{SECRET}@127.0.0.1:54329/dagseal"
MARKER = "4242.17"  # a sleep length no other process on the host uses


def task_file(folder: Path, body: str) -> None:
    """Write `tasks.py` with one @task `probe` whose body is `body`."""
    source = (
        "import os, socket, subprocess, sys, time\n"
        "from dagseal import DAG, task\n\n"
        'with DAG("tasks", schedule=None) as dag:\n\n'
        "    @task\n"
        "    def probe():\n" + textwrap.indent(textwrap.dedent(body), " " * 8) + "\n"
        "    probe()\n"
    )
    write_dag(folder, "tasks.py", source)


@pytest.fixture
def host_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host holds the DB URL and dagseal settings in its environment, as a scheduler would."""
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", DB_URL)
    monkeypatch.setenv("DAGSEAL__DATABASE__PASSWORD", SECRET)
    monkeypatch.setenv("PGPASSWORD", SECRET)


@pytest.mark.usefixtures("host_secrets")
def test_no_secret_or_dagseal_setting_in_env_or_on_disk(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    task_file(
        dag_folder,
        f"""
        needle = {SECRET[:6]!r} + {SECRET[6:]!r}  # split, so this very file does not contain it
        found = [k for k, v in os.environ.items() if k.startswith("DAGSEAL") or needle in v or "://" in v]
        for root, dirs, files in os.walk("/"):
            dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/dev")]
            for name in files:
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as handle:
                        if needle.encode() in handle.read():
                            found.append(path)
                except OSError:
                    pass
        return found
        """,
    )
    outcome, log, _ = run_task(runtime, spec_for(environment={"TEAM_SETTING": "on"}), dag_folder, "probe")
    assert (outcome.state, outcome.return_value) == ("success", []), log


def test_dagseal_settings_are_refused_at_the_door(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    task_file(dag_folder, "return 1")
    spec = spec_for(environment={"DAGSEAL__CORE__SQL_ALCHEMY_CONN": DB_URL})
    outcome, _, handles = run_task(runtime, spec, dag_folder, "probe")
    assert outcome.state == "failed" and handles == []
    assert "refusing to pass DAGSEAL__CORE__SQL_ALCHEMY_CONN" in (outcome.error or "")
    assert SECRET not in (outcome.error or "")


@pytest.fixture
def host_listener() -> Iterator[tuple[socket.socket, int]]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    yield server, server.getsockname()[1]
    server.close()


def test_no_network_even_to_the_hosts_loopback(
    runtime: DockerRuntime,
    spec_for: Callable[..., SandboxSpec],
    dag_folder: Path,
    host_listener: tuple[socket.socket, int],
) -> None:
    server, port = host_listener
    task_file(
        dag_folder,
        f"""
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
        except OSError as exc:
            return type(exc).__name__
        return "connected"
        """,
    )
    outcome, log, _ = run_task(runtime, spec_for(), dag_folder, "probe")
    assert outcome.state == "success", log
    assert outcome.return_value == "ConnectionRefusedError"  # its own empty loopback, not the host's
    with pytest.raises(TimeoutError):
        server.accept()


def test_not_root_and_the_dag_folder_is_read_only(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    task_file(
        dag_folder,
        """
        try:
            open("/opt/dagseal/dags/team_it/planted.py", "w").close()
            written = "written"
        except OSError as exc:
            written = exc.strerror
        return [os.getuid(), os.geteuid(), written]
        """,
    )
    outcome, log, _ = run_task(runtime, spec_for(), dag_folder, "probe")
    assert outcome.state == "success", log
    uid, euid, written = outcome.return_value
    assert uid != 0 and euid != 0
    assert written == "Read-only file system"
    assert not (dag_folder / "planted.py").exists()


def test_fork_bomb_is_stopped_by_the_pids_limit_and_reported(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    task_file(
        dag_folder,
        """
        children = []
        while len(children) < 100000:
            children.append(subprocess.Popen(["sleep", "600"]))
        """,
    )
    outcome, log, _ = run_task(runtime, spec_for(pids_limit=48), dag_folder, "probe")
    assert outcome.state == "failed", log
    assert "pids limit reached" in (outcome.error or "")
    assert "Resource temporarily unavailable" in (outcome.error or "")
    assert "pids limit reached" in log


def test_memory_hog_is_oom_killed_and_reported_as_such(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    task_file(
        dag_folder,
        """
        hog = []
        while True:
            hog.append(b"x" * (16 * 1024 * 1024))
        """,
    )
    outcome, log, _ = run_task(runtime, spec_for(memory=96 * 1024**2), dag_folder, "probe")
    assert (outcome.state, outcome.oom_killed) == ("failed", True), log
    assert "OOM-killed" in (outcome.error or "") and "96m" in (outcome.error or "")
    assert "OOM-killed" in log


def test_a_child_oom_killed_is_the_tasks_to_handle(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    """The kernel kills the child, not the sandbox; the task sees that and carries on, as outside a
    container: the try is the task's outcome, not an OOM failure."""
    task_file(
        dag_folder,
        """
        hog = "hog = []\\nwhile True:\\n    hog.append(b'x' * (16 * 1024 * 1024))"
        return subprocess.run([sys.executable, "-c", hog]).returncode
        """,
    )
    outcome, log, _ = run_task(runtime, spec_for(memory=96 * 1024**2), dag_folder, "probe")
    assert (outcome.state, outcome.return_value, outcome.exit_code) == ("success", -9, 0), log
    assert not outcome.oom_killed and "OOM-killed" not in log


def _host_processes_with(marker: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in text:
            found.append(f"{cmdline.parent.name}: {text}")
    return found


def test_detached_grandchild_leaves_nothing_behind_on_the_host(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    assert _host_processes_with(MARKER) == []
    task_file(
        dag_folder,
        f"""
        double_fork = "setsid sleep {MARKER} >/dev/null 2>&1 &"
        subprocess.Popen(["sh", "-c", double_fork], start_new_session=True).wait()
        subprocess.Popen(["setsid", "sleep", "{MARKER}"], start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pids = [p for p in os.listdir("/proc") if p.isdigit()]
            running = [p for p in pids if {MARKER!r} in open(f"/proc/{{p}}/cmdline").read()]
            if len(running) == 2:
                return len(running)
            time.sleep(0.05)
        return 0
        """,
    )
    outcome, log, _ = run_task(runtime, spec_for(), dag_folder, "probe")
    assert (outcome.state, outcome.return_value) == ("success", 2), log
    assert _host_processes_with(MARKER) == []


def test_the_protocol_socket_directory_gives_user_code_nothing(
    runtime: DockerRuntime, spec_for: Callable[..., SandboxSpec], dag_folder: Path
) -> None:
    """Read-only, unlistable, and the socket is gone once the sandbox connected: no second channel,
    no file to plant; the host removes the directory with the container."""
    task_file(
        dag_folder,
        """
        def attempt(action):
            try:
                action()
                return "allowed"
            except OSError as exc:
                return exc.strerror
        def second_channel():
            socket.socket(socket.AF_UNIX).connect("/run/dagseal/protocol.sock")
        return {
            "list": attempt(lambda: os.listdir("/run/dagseal")),
            "plant": attempt(lambda: open("/run/dagseal/planted", "w").close()),
            "connect": attempt(second_channel),
            "mount": [line.split()[3].split(",")[0] for line in open("/proc/self/mounts")
                      if line.split()[1] == "/run/dagseal"],
        }
        """,
    )
    before = set(runtime.socket_root.iterdir())
    outcome, log, _ = run_task(runtime, spec_for(), dag_folder, "probe")
    assert outcome.state == "success", log
    assert outcome.return_value == {
        "list": "Permission denied",
        "plant": "Read-only file system",
        "connect": "No such file or directory",
        "mount": ["ro"],
    }
    assert set(runtime.socket_root.iterdir()) == before
