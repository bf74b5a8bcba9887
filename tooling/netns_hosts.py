"""Several hosts on one machine: network namespaces on a bridge, each worker host with its own dockerd.

Used by the multihost integration test and by ``benchmarks/celery.py``. ``Hosts`` makes the
namespaces ``<tag>-{br,<host>...}``: each host gets a veth pair to a bridge inside ``<tag>-br``
and the address ``<subnet>.<n>``, so no traffic leaves the namespaces. ``HostEngine`` starts a
Docker engine *of* one host: ``dockerd`` under ``nsenter --net`` (``ip netns exec`` fails with
"Devices cgroup isn't mounted"), with the system engine's flags (``--bridge=none
--iptables=false``, see tooling/start_docker.sh) and its own data-root, exec-root, pidfile, socket,
config file and (started by dockerd) containerd, all under ``/tmp/<tag>-<host>``. Its pulls leave
through the host's veth; a registry's CA is read from ``/etc/docker/certs.d/<addr>/`` like the
system engine's. Everything is removed by name (namespaces, their veths and the bridge go with
the namespaces; engines by pidfile; their folders after unmounting what is left under them).

Needs root, ``ip`` (iproute2), ``nsenter`` and ``dockerd``.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from tooling.pg_proxy import PgProxy

__all__ = ["ControlServices", "HostEngine", "Hosts", "kill_by_pidfile", "run"]


def run(*command: str, env: dict[str, str] | None = None) -> str:
    """Run ``command``; a non-zero exit raises with its stderr."""
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def kill_by_pidfile(pid_file: Path, sig: signal.Signals = signal.SIGTERM) -> None:
    """Signal the process a pidfile names, if the file and the process are still there."""
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text()), sig)


class Hosts:
    """Namespaces ``<tag>-{br,<host>...}`` joined by veth pairs to a bridge in ``<tag>-br``."""

    def __init__(self, names: tuple[str, ...] = ("ctl", "w1", "w2"), prefix: str = "dsc") -> None:
        self.tag = f"{prefix}{uuid.uuid4().hex[:5]}"
        self.subnet = f"10.231.{random.randrange(1, 250)}"
        self.names = {name: n for n, name in enumerate(names, start=1)}
        self.made: list[str] = []

    def ns(self, host: str) -> str:
        return f"{self.tag}-{host}"

    def address(self, host: str) -> str:
        return f"{self.subnet}.{self.names[host]}"

    def link(self, host: str) -> str:
        return f"{self.tag}{host}"  # the host's end of its veth pair (<= 15 characters)

    def enter(self, host: str) -> tuple[str, ...]:
        """The command prefix that runs a program on ``host`` (in its network namespace)."""
        return ("nsenter", f"--net=/run/netns/{self.ns(host)}")

    def as_host(self, host: str) -> tuple[str, ...]:
        """Like ``enter``, in a UTS namespace of its own whose hostname is the host's address, so
        what the program records as its hostname (``task_instance.hostname``) reaches it."""
        address = self.address(host)
        return (*self.enter(host), "unshare", "--uts", "sh", "-c", f'hostname {address} && exec "$@"', "sh")

    def create(self) -> None:
        bridge = self.ns("br")
        run("ip", "netns", "add", bridge)
        self.made.append(bridge)
        run("ip", "-n", bridge, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", bridge, "link", "set", "br0", "up")
        for host in self.names:
            ns, inner, outer = self.ns(host), self.link(host), f"{self.link(host)}p"
            run("ip", "netns", "add", ns)
            self.made.append(ns)
            run("ip", "link", "add", inner, "type", "veth", "peer", "name", outer)
            run("ip", "link", "set", inner, "netns", ns)
            run("ip", "link", "set", outer, "netns", bridge)
            run("ip", "-n", bridge, "link", "set", outer, "master", "br0")
            run("ip", "-n", bridge, "link", "set", outer, "up")
            run("ip", "-n", ns, "addr", "add", f"{self.address(host)}/24", "dev", inner)
            run("ip", "-n", ns, "link", "set", inner, "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")

    def cut(self, host: str) -> None:
        """Take ``host``'s link down: it keeps running but reaches no other host."""
        run("ip", "-n", self.ns(host), "link", "set", self.link(host), "down")

    def remove(self) -> None:
        """Delete the namespaces (their veths and the bridge go with them); never raises."""
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.made.clear()


class HostEngine:
    """A dockerd of host ``host``, in its network namespace, with everything of its own."""

    def __init__(self, hosts: Hosts, host: str) -> None:
        self.hosts = hosts
        self.host = host
        # Short and named after the hosts' tag: unix socket paths are limited to 108 bytes.
        self.root = Path(f"/tmp/{hosts.ns(host)}")
        self.socket = f"unix://{self.root}/docker.sock"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.root.mkdir(mode=0o700)
        (self.root / "daemon.json").write_text("{}")  # never the system engine's /etc/docker/daemon.json
        log = (self.root / "dockerd.log").open("wb")
        self._process = subprocess.Popen(
            [*self.hosts.enter(self.host), "dockerd", "--bridge=none", "--iptables=false",
             "--ip-masq=false", f"--data-root={self.root}/data", f"--exec-root={self.root}/exec",
             f"--pidfile={self.root}/docker.pid", f"--host={self.socket}",
             f"--config-file={self.root}/daemon.json"],
            stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.docker("version", check=False) is not None:
                return
            if self._process.poll() is not None:
                break
            time.sleep(0.1)
        tail = (self.root / "dockerd.log").read_text()[-2000:]
        raise RuntimeError(f"dockerd of {self.host} did not come up; its log ends:\n{tail}")

    def docker(self, *args: str, check: bool = True) -> str | None:
        """``docker -H <this engine> ARGS``: its stdout, or None when it failed and ``check`` is off."""
        done = subprocess.run(["docker", "-H", self.socket, *args], capture_output=True, text=True)
        if done.returncode != 0:
            if check:
                raise RuntimeError(f"docker {' '.join(args)} on {self.host}: {done.stderr.strip()}")
            return None
        return done.stdout

    def stop(self) -> None:
        """Remove its containers, stop the engine, then remove its folder; never raises."""
        pid_file = self.root / "docker.pid"
        leftovers = (self.docker("ps", "-aq", check=False) or "").split()
        if leftovers:
            self.docker("rm", "-f", *leftovers, check=False)
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        else:
            kill_by_pidfile(pid_file, signal.SIGKILL)
        _unmount_under(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


class ControlServices:
    """The control host's database port (a proxy to the suite's PostgreSQL, so worker hosts reach
    the database over the namespaces' network and lose it with their link) and a Redis broker, both
    on the control host's address."""

    def __init__(self, hosts: Hosts, directory: Path, host: str = "ctl", password: str = "multihost") -> None:
        self.hosts = hosts
        self.host = host
        self.dir = directory
        self.password = password
        self.address = hosts.address(host)
        self._proxy: PgProxy | None = None

    def start(self, db_url: str) -> tuple[str, str]:
        """Returns the database URL as the hosts see it, and the broker URL."""
        self._proxy = PgProxy(make_url(db_url), self.address, 5432, wrap=self.hosts.enter(self.host))
        self._proxy.start()
        redis = self.dir / "redis"
        redis.mkdir(parents=True)
        run(
            *self.hosts.enter(self.host), "redis-server", "--bind", self.address, "--port", "6379",
            "--requirepass", self.password, "--daemonize", "yes", "--pidfile", str(redis / "redis.pid"),
            "--dir", str(redis), "--logfile", str(redis / "redis.log"), "--save", "",
        )  # fmt: skip
        hosts_url = self._proxy.url.render_as_string(hide_password=False)
        return hosts_url, f"redis://:{self.password}@{self.address}:6379/0"

    def stop(self) -> None:
        """Stop Redis and the database port; never raises."""
        kill_by_pidfile(self.dir / "redis" / "redis.pid")
        if self._proxy is not None:
            self._proxy.stop()


def _unmount_under(root: Path) -> None:
    """Lazily unmount whatever a killed engine left mounted below ``root`` (deepest first)."""
    prefix = f"{root}/"
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
