"""Which sandbox backend parses a directory, and with which ``SandboxSpec`` each file or callback runs.

``[core] scheduler_dag_parsing_runtime`` picks the backend: ``process`` (default) or ``docker``.
The manager never looks at images: it asks a :class:`SpecResolver` for the spec of each file and
of each callback, and the session pool keeps warm sessions per distinct spec. Every file of a
directory shares one spec with processes; with Docker, :class:`~dagseal.processor.docker_specs.
DockerSpecs` follows the current deployment (else ``[core] digest_map``) and resolves each file's
image (entry → runtime.yaml → <stem>.runtime.yaml → policy hook); each callback runs in its
DagRun's pinned image.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import attrs

from dagseal.config import Config, ConfigError
from dagseal.runtime.base import SandboxRuntime, SandboxSpec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

PARSING_DOCKER_KIND = "scheduler_dag_parsing"


class SpecResolver(Protocol):
    """Maps work to the sandbox it must run in."""

    def refresh(self) -> str:
        """Re-read what decides images (once per loop); returns a key that changes when they do."""
        ...

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        """The spec that parses ``relative_fileloc``."""
        ...

    def for_callback(
        self, relative_fileloc: str, image_digest: str | None, deployment_id: int | None
    ) -> SandboxSpec:
        """The spec that runs a callback of a DAG run pinned to ``image_digest`` (None: not pinned),
        by ``deployment_id`` (None: stamped from the digest map)."""
        ...


@attrs.frozen
class DirectorySpecs:
    """One spec for every file of the directory; a run's pinned image wins for its callbacks."""

    base: SandboxSpec

    def refresh(self) -> str:
        """Nothing to re-read: the spec is fixed."""
        return ""

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        return self.base

    def for_callback(
        self, relative_fileloc: str, image_digest: str | None, deployment_id: int | None = None
    ) -> SandboxSpec:
        if image_digest and self.base.image is not None:
            return attrs.evolve(self.base, image=image_digest)
        return self.base


def runtime_kind(config: Config) -> str:
    kind = config.get("core", "scheduler_dag_parsing_runtime").strip().lower()
    if kind not in ("process", "docker"):
        raise ConfigError(
            f"[core] scheduler_dag_parsing_runtime = {kind!r} is not a runtime; use process or docker"
        )
    return kind


def runtime_for_parsing(config: Config) -> SandboxRuntime:
    """The backend named by ``[core] scheduler_dag_parsing_runtime``."""
    if runtime_kind(config) == "process":
        from dagseal.runtime.process import ProcessRuntime

        return ProcessRuntime()
    from dagseal.runtime.docker import DockerRuntime
    from dagseal.runtime.docker_engine import DockerEngine

    settings = config.docker_runtime_settings(PARSING_DOCKER_KIND)
    cgroup = str(settings.get("cgroup_mount_path") or "")
    return DockerRuntime(
        DockerEngine(str(settings["socket_path"])), cgroup_root=Path(cgroup) if cgroup else None
    )


def parsing_specs(
    config: Config, dag_directory: Path, parse_timeout: float, session_factory: sessionmaker[Session]
) -> SpecResolver:
    """The directory's specs: one for every file with processes; per file with Docker (DockerSpecs)."""
    if runtime_kind(config) == "docker":
        from dagseal.processor.docker_specs import DockerSpecs

        return DockerSpecs(config, dag_directory, PARSING_DOCKER_KIND, session_factory)
    return DirectorySpecs(SandboxSpec(dag_folder=str(dag_directory), parse_timeout=parse_timeout))
