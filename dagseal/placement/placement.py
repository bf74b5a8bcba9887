"""`Placement`: which sandbox, with which image and limits, runs a parse, a task try, a callback,
and which image a new DagRun is pinned to.

Why one object: these answers used to be given in four places (the executor's task runtime, the
processor's runtime choice and Docker specs, pieces of the supervisor and of run creation), each
reading the configuration, the digest map and runtime.yaml again. A process builds one
`Placement` from its `PlacementSettings` at start and asks it everything; the backends in
`dagseal.runtime` only start, watch and stop what it describes.

Inputs, in the documented order (docs/docker-runtime.md): the deployment (a run's pin, the
processor's current deployment), `[core] digest_map`, runtime.yaml layering and the policy hook.
`[core] task_execution_runtime` and `[core] scheduler_dag_parsing_runtime` name the backend.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from dagseal.config import Config, ConfigError
from dagseal.digest_map import DigestMap, DigestMapError, load_digest_map
from dagseal.errors import DagsealError
from dagseal.placement.file_cache import FileCache
from dagseal.placement.parse_sandboxes import FixedSandbox, SandboxChoice
from dagseal.placement.resolution import Layering, PolicyHook
from dagseal.placement.settings import DockerSettings, PlacementSettings
from dagseal.runtime.base import SandboxRuntime, SandboxSpec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from dagseal.db.models import DagModel

__all__ = ["Placement", "dag_folder_of"]

log = logging.getLogger(__name__)


def dag_folder_of(dag: DagModel) -> str:
    """The DAG directory on the host: the file's absolute path minus its relative path."""
    if dag.fileloc.endswith(dag.relative_fileloc):
        return dag.fileloc[: len(dag.fileloc) - len(dag.relative_fileloc)].rstrip("/") or "/"
    return dag.processor_subdir or os.path.dirname(dag.fileloc)


def _docker_runtime(docker: DockerSettings) -> SandboxRuntime:
    from dagseal.runtime.docker import DockerRuntime
    from dagseal.runtime.docker_engine import DockerEngine

    cgroup = Path(docker.cgroup_mount_path) if docker.cgroup_mount_path else None
    engine = DockerEngine(docker.socket_path)
    return DockerRuntime(
        engine,
        cgroup_root=cgroup,
        successors=docker.successor_task_containers,
        standby=docker.standby_task_containers,
    )


class Placement:
    """Built once per process; the Docker layerings and the digest map are read on first use."""

    def __init__(self, settings: PlacementSettings) -> None:
        self.settings = settings
        self._policy = PolicyHook(settings.policy_module)
        self._maps: FileCache[DigestMap] = FileCache(load_digest_map)

    @classmethod
    def from_config(cls, config: Config, *, force_docker: bool = False) -> Placement:
        return cls(PlacementSettings.from_config(config, force_docker=force_docker))

    @cached_property
    def _task_layering(self) -> Layering:
        return Layering(
            self.settings.task_docker, self.settings.parse_timeout, self._policy, joins_networks=True
        )

    @cached_property
    def _parse_layering(self) -> Layering:
        return Layering(self.settings.parsing_docker, self.settings.parse_timeout, self._policy)

    def local_digest_map(self) -> DigestMap | None:
        """`[core] digest_map`, re-read only when the file changes; None when not configured."""
        path = self.settings.digest_map
        if path is None:
            return None
        try:
            found = self._maps.get(Path(path))
            if found is None:
                raise DigestMapError(f"digest map {path} not found; run `bazel build //:digest_map`")
        except DigestMapError as exc:
            raise ConfigError(f"[core] digest_map: {exc}") from exc
        return found

    # parsing and callbacks (the DAG processor)

    def parsing_runtime(self) -> SandboxRuntime:
        """The backend named by `[core] scheduler_dag_parsing_runtime`."""
        if self.settings.scheduler_dag_parsing_runtime == "docker":
            return _docker_runtime(self.settings.parsing_docker)
        from dagseal.runtime.process import ProcessRuntime

        return ProcessRuntime()

    def parse_sandboxes(self, dag_directory: Path, session_factory: sessionmaker[Session]) -> SandboxChoice:
        """The directory's sandboxes: one for every file with processes; per file with Docker."""
        if self.settings.scheduler_dag_parsing_runtime == "docker":
            from dagseal.placement.deployed import DeployedSandboxes

            return DeployedSandboxes(
                self._parse_layering, dag_directory, session_factory, self.local_digest_map
            )
        return FixedSandbox(
            SandboxSpec(dag_folder=str(dag_directory), parse_timeout=self.settings.parse_timeout)
        )

    # task tries (the supervisor, `tasks test`)

    @property
    def tasks_in_containers(self) -> bool:
        return self.settings.task_execution_runtime == "docker"

    @property
    def task_socket_path(self) -> str:
        """The engine that runs (and pulls the images of) task containers."""
        return self.settings.task_docker.socket_path

    @cached_property
    def _task_docker_runtime(self) -> SandboxRuntime:
        return _docker_runtime(self.settings.task_docker)

    def close(self) -> None:
        """Close the task runtime this process used, if any (its standby container goes)."""
        if "_task_docker_runtime" in vars(self):
            self._task_docker_runtime.close()

    def task_runtime(self, zygote: str | None = None) -> SandboxRuntime:
        """`zygote`: the socket of a sandbox zygote the process runtime forks tries from (or None).
        With Docker, one runtime per process: a supervisor's later tries reuse its engine
        connection and the images it already checked."""
        if self.tasks_in_containers:
            return self._task_docker_runtime
        from dagseal.runtime.process import ProcessRuntime

        return ProcessRuntime(zygote=zygote)

    def task_queue(self, dag_folder: str, relative_fileloc: str) -> str | None:
        """The Celery queue runtime.yaml (`queue:`, then the file's own) gives a file's task tries,
        with either runtime; None when neither sets one. A task's own `queue=` wins over it."""
        return self._task_layering.queue(Path(dag_folder), relative_fileloc)

    def pinned_task_image(
        self, image_digest: str | None, deployment_id: int | None, image_ref: str | None
    ) -> str | None:
        """The local image a try of a run pinned to `(image_digest, deployment_id)` runs in: pulled
        by digest from `image_ref` (the run's own deployment, read with the claim) on first use, or
        the image id the run was stamped with from the digest map; None: not pinned. Nothing is
        re-resolved from disk."""
        if deployment_id is None:
            return image_digest
        if image_ref is None:
            raise DagsealError(
                f"deployment {deployment_id} pinned by this run no longer holds image {image_digest}"
            )
        from dagseal.deploy.pull import pull_for_host

        return pull_for_host(self.task_socket_path, image_ref)

    def task_sandbox(
        self,
        dag_folder: str,
        relative_fileloc: str,
        pinned_image: str | None,
        execution_timeout: float | None,
    ) -> SandboxSpec:
        """The sandbox of one try; in a container its image is the run's pin, else the layered one.

        `task_timeout` is the shorter of the task's `execution_timeout` and the runtime.yaml's.
        """
        if not self.tasks_in_containers:
            return SandboxSpec(dag_folder=dag_folder, task_timeout=execution_timeout)
        spec = self._task_layering.spec(
            Path(dag_folder), relative_fileloc, self.local_digest_map(), pinned=pinned_image
        )
        if execution_timeout is not None and (
            spec.task_timeout is None or execution_timeout < spec.task_timeout
        ):
            spec = attrs.evolve(spec, task_timeout=execution_timeout)
        return spec

    # pinning new runs (the scheduler, `dags trigger`)

    def image_for_new_run(self, dag_folder: str, relative_fileloc: str) -> str | None:
        """The image a DagRun created now, with nothing deployed, is pinned to (`dag_run.image_digest`).

        Only with tasks in containers: what layering gives today (digest map image id →
        runtime.yaml → <stem>.runtime.yaml → policy hook), so the run keeps that image when the
        map is rebuilt mid-run. None when nothing resolves: the run stays unpinned, and its tries
        resolve their image themselves and fail with the reason if they cannot.
        """
        if not self.tasks_in_containers:
            return None
        try:
            return self._task_layering.image(Path(dag_folder), relative_fileloc, self.local_digest_map())
        except DagsealError as exc:
            log.warning("new run of %s/%s not pinned to an image: %s", dag_folder, relative_fileloc, exc)
            return None
