"""Containers as dagseal runs them: names, labels, the create body, and a handle with wait/stop/logs.

Why deterministic names and labels: a supervisor or processor that died leaves its containers
behind; its successor recomputes the same name (role + a hash of the identity: run id, task, try,
or image and DAG folder for a parse slot) and finds them, and cleanup works by label
(`io.dagseal.managed=1`, `io.dagseal.role`, ...) without remembering ids anywhere.

Why these defaults: user code is untrusted. Every container runs the sandbox under `docker-init`
(so every process the task started, detached or not, dies with the container's PID namespace),
non-root, network `none` unless a runtime.yaml asks for `host`, read-only root filesystem with a
private /tmp, all capabilities dropped, no privilege escalation, memory (no swap), pids and cpu
limits, and the DAG directory mounted read-only — never another team's. The protocol travels
over a Unix socket in a per-container directory mounted read-only (see `docker_socket.py`); no
mount may expose the directory holding every container's socket directory.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from dagseal.errors import DagsealError
from dagseal.runtime.base import SandboxSpec, Volume
from dagseal.runtime.docker_engine import DockerEngine, NameInUse
from dagseal.runtime.docker_socket import CONTAINER_SOCKET, ProtocolSocket
from dagseal.runtime.environment import checked_variables

__all__ = [
    "DEFAULT_MEMORY",
    "DEFAULT_PIDS",
    "DEFAULT_USER",
    "ContainerHandle",
    "container_body",
    "container_dag_folder",
    "container_name",
    "identity_labels",
]

SANDBOX_ENTRYPOINT = ["python3", "-m", "dagseal.sandbox", "--connect", CONTAINER_SOCKET]
CONTAINER_DAGS_ROOT = "/opt/dagseal/dags"
DEFAULT_USER = "1000"
DEFAULT_MEMORY = 2 * 1024**3  # bytes
DEFAULT_PIDS = 512
REMOVAL_TIMEOUT = 30.0  # seconds for a same-named leftover's removal before a create gives up
TMPFS = "rw,nosuid,nodev,size=256m,mode=1777"
MANAGED_LABEL = "io.dagseal.managed"
ROLE_LABEL = "io.dagseal.role"
_ROOT_USERS = ("0", "root")


def identity_labels(role: str, identity: Mapping[str, str | int]) -> dict[str, str]:
    """The labels that identify a container: managed flag, role, and each identity field."""
    labels = {MANAGED_LABEL: "1", ROLE_LABEL: role}
    labels.update({f"io.dagseal.{key}": str(value) for key, value in identity.items()})
    return labels


def container_name(role: str, identity: Mapping[str, str | int]) -> str:
    """`dagseal-<role>-<hash of identity>`: the same identity always gives the same name."""
    canonical = json.dumps({k: str(v) for k, v in identity.items()}, sort_keys=True, separators=(",", ":"))
    return f"dagseal-{role}-{hashlib.sha256(canonical.encode()).hexdigest()[:20]}"


def container_dag_folder(spec: SandboxSpec) -> str:
    """Where the DAG folder appears inside the container: the target of a volume of `dag_folder`
    in `spec.volumes`, else `/opt/dagseal/dags/<directory name>` (where the images put it)."""
    host = Path(spec.dag_folder).resolve()
    for volume in spec.volumes:
        if Path(volume.source).resolve() == host:
            return volume.target
    return posixpath.join(CONTAINER_DAGS_ROOT, host.name)


def _binds(spec: SandboxSpec, protocol: ProtocolSocket) -> list[Volume]:
    """The DAG folder read-only at its container path, the spec's other volumes, the protocol
    socket's directory; a volume that would show the container other containers' sockets is refused."""
    host = Path(spec.dag_folder).resolve()
    binds = [Volume(str(host), container_dag_folder(spec), read_only=True)]
    binds += [volume for volume in spec.volumes if Path(volume.source).resolve() != host]
    sockets = protocol.directory.parent.resolve()
    for volume in binds:
        source = Path(volume.source).resolve()
        if source.is_relative_to(sockets) or sockets.is_relative_to(source):
            raise DagsealError(f"refusing to mount {source}: it holds the sandboxes' protocol sockets")
    return [*binds, protocol.volume]


def _user(spec: SandboxSpec) -> str:
    user = spec.run_as_user or DEFAULT_USER
    if user.split(":")[0] in _ROOT_USERS:
        raise DagsealError(f"refusing run_as_user={user!r}: sandbox containers never run as root")
    return user


def _environment(spec: SandboxSpec) -> dict[str, str]:
    """Only the spec's variables, each checked like the process runtime's (no DAGSEAL_*, no URL
    with a password); nothing of the host's environment reaches the container."""
    return {**checked_variables(spec.environment), "PYTHONDONTWRITEBYTECODE": "1"}


def container_body(spec: SandboxSpec, labels: Mapping[str, str], protocol: ProtocolSocket) -> dict[str, Any]:
    """The engine's create arguments for a sandbox container running `spec.image`, speaking the
    protocol over `protocol`."""
    if not spec.image:
        raise DagsealError(
            f"no image for the Docker runtime of {spec.dag_folder} (see docs/docker-runtime.md)"
        )
    memory = spec.memory or DEFAULT_MEMORY
    host_config: dict[str, Any] = {
        "binds": _binds(spec, protocol),
        "network_mode": str(spec.network),
        "init": True,
        "read_only": True,
        "tmpfs": {"/tmp": TMPFS},
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "mem_limit": memory,
        "memswap_limit": memory,
        "pids_limit": spec.pids_limit or DEFAULT_PIDS,
    }
    if spec.cpus:
        host_config["nano_cpus"] = int(spec.cpus * 1e9)
    return {
        "image": spec.image,
        "entrypoint": SANDBOX_ENTRYPOINT,
        "tty": False,
        "user": _user(spec),
        "working_dir": "/tmp",
        "environment": _environment(spec),
        "labels": {**dict(spec.labels), **labels},
        "host_config": host_config,
    }


@attrs.define
class ContainerHandle:
    """One created container: wait for it, stop it, read its logs and final state, remove it."""

    engine: DockerEngine
    container_id: str
    name: str
    cgroup_root: Path | None = None
    exit_code: int | None = attrs.field(default=None, init=False)  # what a wait saw it exit with

    @classmethod
    def create(
        cls,
        engine: DockerEngine,
        name: str,
        body: Mapping[str, Any],
        cgroup_root: Path | None,
        take_over: bool = True,
    ) -> ContainerHandle:
        """Create the container; with `take_over` a leftover of the same name (its owner died, or it
        was started ahead of this try by another supervisor) is removed, then the create is tried
        once more (names are unique per try, so that is rare: no removal up front)."""
        try:
            container_id = engine.create(name, body)
        except NameInUse:
            if not take_over:
                raise
            engine.remove(name)  # returns at once when a removal is already under way
            engine.wait_removed(name, REMOVAL_TIMEOUT)
            container_id = engine.create(name, body)
        return cls(engine, container_id, name, cgroup_root)

    def attach(self) -> socket.socket:
        return self.engine.attach(self.container_id)

    def start(self) -> None:
        self.engine.start(self.container_id)

    def wait(self, timeout: float | None) -> int | None:
        """The exit code, or None while it still runs after `timeout` seconds."""
        code = self.engine.wait(self.container_id, timeout)
        if code is not None:
            self.exit_code = code
        return code

    def stop(self) -> None:
        """SIGKILL: the sandbox holds no state worth a graceful stop, and init takes all children along
        (once it exited, its PID namespace is empty: no engine call)."""
        if self.exit_code is None:
            self.engine.kill(self.container_id)

    def logs(self) -> bytes:
        return self.engine.logs(self.container_id)

    def state(self) -> dict[str, Any]:
        """The engine's `State` (ExitCode, OOMKilled, Running, ...); empty once the container is gone."""
        document = self.engine.inspect(self.container_id)
        return (document or {}).get("State", {})

    def pids_limit_hits(self) -> int:
        """How often the pids cgroup refused a fork (cgroup `pids.events` "max"), 0 if unknown.

        Read while the container still runs: the cgroup disappears with it.
        """
        if self.cgroup_root is None:
            return 0
        for relative in (
            f"pids/docker/{self.container_id}/pids.events",  # cgroup v1, cgroupfs driver
            f"docker/{self.container_id}/pids.events",  # cgroup v2, cgroupfs driver
            f"system.slice/docker-{self.container_id}.scope/pids.events",  # cgroup v2, systemd
        ):
            try:
                text = (self.cgroup_root / relative).read_text()
            except OSError:
                continue
            for line in text.splitlines():
                key, _, value = line.partition(" ")
                if key == "max":
                    return int(value)
        return 0

    def remove(self) -> None:
        self.engine.remove(self.container_id)
