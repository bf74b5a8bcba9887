"""Which SandboxRuntime runs task tries: ``[core] task_execution_runtime`` (or ``tasks run --docker``).

The supervisor only talks to ``SandboxRuntime.run_task``; a backend slots in here and nowhere else.
With Docker, ``task_spec`` resolves the try's image and container settings
(``[task_execution_docker_runtime]`` → digest map → runtime.yaml → <stem>.runtime.yaml → policy
hook), and the DagRun's pinned image wins, so a run finishes on the image it started with.
"""

from __future__ import annotations

import logging
from pathlib import Path

import attrs

from dagseal.config import Config, ConfigError, load_config
from dagseal.errors import DagsealError
from dagseal.runtime.base import SandboxRuntime, SandboxSpec

TASK_DOCKER_KIND = "task_execution"
log = logging.getLogger(__name__)


class RuntimeUnavailableError(DagsealError):
    """The configured task runtime cannot be used on this host (yet)."""


def docker_task_runtime(config: Config | None = None) -> SandboxRuntime:
    """The container backend for task tries (AIP-46 ``--docker``), on ``[docker_runtime] socket_path``."""
    from dagseal.runtime.docker import DockerRuntime
    from dagseal.runtime.docker_engine import DockerEngine

    settings = (config or load_config()).docker_runtime_settings(TASK_DOCKER_KIND)
    cgroup = str(settings.get("cgroup_mount_path") or "")
    return DockerRuntime(
        DockerEngine(str(settings["socket_path"])), cgroup_root=Path(cgroup) if cgroup else None
    )


def task_runtime(kind: str, config: Config | None = None, zygote: str | None = None) -> SandboxRuntime:
    """``zygote``: the socket of a sandbox zygote the process runtime forks tries from (or None)."""
    if kind == "docker":
        return docker_task_runtime(config)
    from dagseal.runtime.process import ProcessRuntime

    return ProcessRuntime(zygote=zygote)


def task_spec(
    kind: str,
    dag_folder: str,
    relative_fileloc: str,
    pinned_image: str | None,
    execution_timeout: float | None,
    config: Config | None = None,
) -> SandboxSpec:
    """The sandbox of one task try; with Docker its image is the run's pin, else the resolved one.

    ``task_timeout`` is the shorter of the task's ``execution_timeout`` and the runtime.yaml's.
    """
    if kind != "docker":
        return SandboxSpec(dag_folder=dag_folder, task_timeout=execution_timeout)
    from dagseal.runtime.digest_map import DigestMapError, load_digest_map
    from dagseal.runtime.resolution import resolve_image

    config = config or load_config()
    map_path = config.get("core", "digest_map").strip()
    try:
        digest_map = load_digest_map(map_path) if map_path else None
    except DigestMapError as exc:
        raise ConfigError(f"[core] digest_map: {exc}") from exc
    spec = resolve_image(
        Path(dag_folder),
        relative_fileloc,
        config=config,
        kind=TASK_DOCKER_KIND,
        digest_map=digest_map,
        pinned_image=pinned_image,
    )
    if execution_timeout is not None and (spec.task_timeout is None or execution_timeout < spec.task_timeout):
        spec = attrs.evolve(spec, task_timeout=execution_timeout)
    return spec


def image_for_new_run(dag_folder: str, relative_fileloc: str, config: Config | None = None) -> str | None:
    """The image a DagRun created now, with nothing deployed, is pinned to (``dag_run.image_digest``).

    Only with the Docker task runtime: what resolution gives today (digest map image id →
    runtime.yaml → <stem>.runtime.yaml → policy hook), so the run keeps that image when the map is
    rebuilt mid-run. None when nothing resolves: the run stays unpinned, and its tries resolve
    their image themselves and fail with the reason if they cannot.
    """
    config = config or load_config()
    if config.get("core", "task_execution_runtime").strip() != "docker":
        return None
    try:
        return task_spec("docker", dag_folder, relative_fileloc, None, None, config).image
    except DagsealError as exc:
        log.warning("new run of %s/%s not pinned to an image: %s", dag_folder, relative_fileloc, exc)
        return None
