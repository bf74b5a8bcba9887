"""Which sandbox backend parses a directory, and with which ``SandboxSpec`` each file or callback runs.

``[core] scheduler_dag_parsing_runtime`` picks the backend: ``process`` (default) or ``docker``.
The manager never looks at images: it asks a :class:`SpecResolver` for the spec of each file and
of each callback, and the session pool keeps warm sessions per distinct spec. Today every file of
a directory shares one spec with processes; with Docker, ``dagseal.runtime.resolution`` resolves
each file's image (digest map → runtime.yaml → <stem>.runtime.yaml → policy hook) and each
callback runs in its DagRun's pinned image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import attrs

from dagseal.config import Config, ConfigError
from dagseal.runtime.base import SandboxRuntime, SandboxSpec

PARSING_DOCKER_KIND = "scheduler_dag_parsing"


class SpecResolver(Protocol):
    """Maps work to the sandbox it must run in."""

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        """The spec that parses ``relative_fileloc``."""
        ...

    def for_callback(self, relative_fileloc: str, image_digest: str | None) -> SandboxSpec:
        """The spec that runs a callback of a DAG run pinned to ``image_digest`` (None: not pinned)."""
        ...


@attrs.frozen
class DirectorySpecs:
    """One spec for every file of the directory; a run's pinned image wins for its callbacks."""

    base: SandboxSpec

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        return self.base

    def for_callback(self, relative_fileloc: str, image_digest: str | None) -> SandboxSpec:
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


def parsing_specs(config: Config, dag_directory: Path, parse_timeout: float) -> SpecResolver:
    """The directory's specs: one for every file with processes; per file with Docker (resolve_image)."""
    if runtime_kind(config) == "docker":
        from dagseal.runtime.digest_map import DigestMapError, load_digest_map
        from dagseal.runtime.resolution import DirectoryResolver

        map_path = config.get("core", "digest_map").strip()
        try:
            digest_map = load_digest_map(map_path) if map_path else None
        except DigestMapError as exc:
            raise ConfigError(f"[core] digest_map: {exc}") from exc
        return DirectoryResolver(config, dag_directory, PARSING_DOCKER_KIND, digest_map)
    return DirectorySpecs(SandboxSpec(dag_folder=str(dag_directory), parse_timeout=parse_timeout))
