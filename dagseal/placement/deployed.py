"""The Docker `SandboxChoice` of one DAG directory: the current deployment, else the local map.

Why it reads the database: the current deployment lives there, not in a file, so every processor
host follows a `dagseal deploy` or `--rollback` at its next loop, without a restart or a shared
disk. :meth:`DeployedSandboxes.refresh` re-reads it each loop (one small query); a newly deployed
image is pulled by digest once, then files resolve against the deployment's entry for the
directory (`Layering`: entry → runtime.yaml → <stem>.runtime.yaml → policy hook). With nothing
deployed for the directory, `[core] digest_map` pins it. A callback runs in the image its DagRun
was pinned to, pulled from that run's own deployment. An image that cannot be had (registry or
engine down, digest missing) is raised by `for_file` / `for_callback` as one line, which the
manager turns into an import error or a released callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.session import session_scope
from dagseal.deploy.deployments import image_for_dag_directory
from dagseal.deploy.pull import image_for_run, pull_for_host
from dagseal.digest_map import SCHEMA_VERSION, DigestMap
from dagseal.errors import DagsealError
from dagseal.placement.resolution import Layering
from dagseal.runtime.base import SandboxSpec

__all__ = ["DeployedSandboxes"]

log = logging.getLogger(__name__)
LOCAL_MAP = "[core] digest_map"


class DeployedSandboxes:
    """Per-file and per-callback sandboxes of one directory; call :meth:`refresh` once per loop."""

    def __init__(
        self,
        layering: Layering,
        dag_directory: Path,
        session_factory: sessionmaker[Session],
        local_map: Callable[[], DigestMap | None],
    ) -> None:
        self._layering = layering
        self._directory = dag_directory
        self._factory = session_factory
        self._local_map = local_map
        self._socket = layering.docker.socket_path
        self._source: str | None = None  # the deployed pull reference in use, or LOCAL_MAP
        self._map: DigestMap | None = None
        self._error: DagsealError | None = None

    def refresh(self) -> str:
        """Follow the current deployment; returns what the directory's image comes from (its pull
        reference, or the local map), so the caller re-parses when that changes."""
        try:
            with session_scope(self._factory) as session:
                found = image_for_dag_directory(session, str(self._directory))
            if found is None:
                self._use_local_map()
            else:
                entry = found[1]
                self._use_deployed(
                    str(entry.require_ref()), DigestMap(SCHEMA_VERSION, {entry.dag_dir: entry.build})
                )
        except DagsealError as exc:
            if str(exc) != str(self._error):
                log.error("no image for %s: %s", self._directory, exc)
            self._error = exc
        return self._source or ""

    def _use_deployed(self, ref: str, digest_map: DigestMap) -> None:
        if ref == self._source and self._error is None:
            return
        self._source = ref
        pull_for_host(self._socket, ref)
        self._map = digest_map
        self._error = None
        log.info("%s parses in deployed image %s", self._directory, ref)

    def _use_local_map(self) -> None:
        self._source = LOCAL_MAP
        self._map = self._local_map()
        self._error = None

    def _current(self) -> DigestMap | None:
        if self._error is not None:
            raise self._error
        if self._source is None:
            raise DagsealError(f"no image resolved yet for {self._directory}: refresh() first")
        return self._map

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        return self._layering.spec(self._directory, relative_fileloc, self._current())

    def for_callback(
        self, relative_fileloc: str, image_digest: str | None, deployment_id: int | None
    ) -> SandboxSpec:
        digest_map = self._current()
        image = image_for_run(self._factory, image_digest, deployment_id, self._socket)
        return self._layering.spec(self._directory, relative_fileloc, digest_map, pinned=image)
