"""Which image (and container settings) runs a DAG file: one class, one documented order.

`Layering` layers, each over the previous one (later wins; environment merges key by key,
volumes by container path):

0. `[docker_runtime]` overridden by `[<kind>_docker_runtime]` (AIP-46): default image, environment,
   labels (`app` too), run_as_user, `volume_mount_yaml`; `[scheduler] parse_timeout`.
1. the digest map entry of the file's DAG directory: its image id, and the directory mounted
   read-only where the image keeps it (`container_dag_dir`).
2. the directory's `runtime.yaml`.
3. the file's `<stem>.runtime.yaml` beside it.
4. the policy hook `get_docker_runtime_image(image)` of `[core] policy_module`, which may replace
   the image (not applied to a run's pinned image: it already chose when the run was pinned).

A run's pinned image (`pinned`: callbacks and task tries of a DagRun) replaces the image
after layer 3, so a run finishes on the image it started with. Images run by digest or image id
only: a mutable tag is refused unless `[docker_runtime] allow_mutable_tags = True`. Whether the
image speaks this host's sandbox protocol is checked by the Docker backend before its first use.

`Layering.image` answers only "which image" (pinning a new run) without building a sandbox: the
YAML files and the volume file are cached per process by stat (`file_cache`), the policy module
is imported once.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from dagseal.digest_map import DigestMap, RepoEntry
from dagseal.errors import DagsealError
from dagseal.placement.egress import sandbox_network
from dagseal.placement.file_cache import FileCache
from dagseal.placement.runtime_yaml import RuntimeOverrides, load_runtime_yaml, load_volume_mounts
from dagseal.placement.settings import DockerSettings
from dagseal.runtime.base import SandboxSpec, Volume

__all__ = ["HOOK", "ImageResolutionError", "Layering", "PolicyHook", "is_pinned", "map_entry"]

HOOK = "get_docker_runtime_image"
_IMAGE_ID = re.compile(r"^sha256:[0-9a-f]{64}$")
_DIGEST_REF = re.compile(r"^[^\s@]+@sha256:[0-9a-f]{64}$")
_FORBIDDEN_SOURCES = ("/", "/var", "/var/run", "/run", "/etc", "/proc", "/sys", "/dev", "/root")


class ImageResolutionError(DagsealError):
    """No usable image for a file: none configured, a mutable tag, a bad mount or a failing hook."""


def is_pinned(image: str) -> bool:
    """True for an image id (`sha256:<64 hex>`) or a digest reference (`name@sha256:<64 hex>`)."""
    return bool(_IMAGE_ID.match(image) or _DIGEST_REF.match(image))


def map_entry(digest_map: DigestMap | None, dag_directory: Path) -> RepoEntry | None:
    """The entry whose workspace-relative `dag_dir` is the tail of `dag_directory`."""
    if digest_map is None:
        return None
    parts = dag_directory.parts
    matches = [
        entry
        for key, entry in digest_map.repos.items()
        if parts[-len(PurePosixPath(key).parts) :] == PurePosixPath(key).parts
    ]
    return max(matches, key=lambda entry: len(entry.dag_dir)) if matches else None


class PolicyHook:
    """`get_docker_runtime_image` of `[core] policy_module`, imported once per process on first use."""

    def __init__(self, module_name: str | None) -> None:
        self._module_name = module_name
        self._hook: Callable[[str], str] | None = None
        self._loaded = False
        self._lock = threading.Lock()

    def _load(self) -> Callable[[str], str] | None:
        with self._lock:
            if not self._loaded and self._module_name:
                try:
                    module = importlib.import_module(self._module_name)
                except Exception as exc:
                    raise ImageResolutionError(
                        f"cannot import [core] policy_module {self._module_name!r}: {exc}"
                    ) from exc
                self._hook = getattr(module, HOOK, None)
            self._loaded = True
            return self._hook

    def __call__(self, image: str) -> str:
        hook = self._load()
        if hook is None:
            return image
        try:
            return hook(image)
        except Exception as exc:
            raise ImageResolutionError(f"{HOOK}({image!r}) failed: {type(exc).__name__}: {exc}") from exc


def _check_volume(volume: Volume, dag_directory: Path, socket_path: str) -> None:
    """No engine socket (or a directory holding it), no system directory, no other team's DAGs."""
    source = Path(volume.source).resolve()
    engine_socket = Path(socket_path.removeprefix("unix://") or "/var/run/docker.sock").resolve()
    forbidden = {Path(p).resolve() for p in _FORBIDDEN_SOURCES}
    if source in forbidden or engine_socket.is_relative_to(source):
        raise ImageResolutionError(f"refusing to mount {source} into a sandbox container")
    if source.is_relative_to(dag_directory.parent) and not source.is_relative_to(dag_directory):
        raise ImageResolutionError(f"refusing to mount {source}: it holds other teams' DAG directories")


class Layering:
    """Resolves files of any directory for one kind of work (`[<kind>_docker_runtime]` settings).

    Built once per process by `Placement`; thread-safe (the caches lock, the rest is read-only).
    """

    def __init__(
        self,
        docker: DockerSettings,
        parse_timeout: float,
        policy: PolicyHook,
        *,
        joins_networks: bool = False,
    ) -> None:
        """``joins_networks``: the sandboxes are task tries, which may join a runtime.yaml's network
        (`egress`); parse and callback sandboxes never do."""
        self.joins_networks = joins_networks
        self.docker = docker
        self._policy = policy
        volumes = load_volume_mounts(Path(docker.volume_mount_yaml)) if docker.volume_mount_yaml else ()
        self._base = RuntimeOverrides(
            image=docker.image,
            environment=docker.environment,
            volumes=volumes,
            run_as_user=docker.run_as_user,
            parse_timeout=parse_timeout,
        )
        self._yamls: FileCache[RuntimeOverrides] = FileCache(load_runtime_yaml)

    def _layers(
        self, dag_directory: Path, relative_fileloc: str, entry: RepoEntry | None
    ) -> RuntimeOverrides:
        layers = self._base
        if entry is not None:
            layers = RuntimeOverrides(image=entry.image_id).over(layers)
        path = dag_directory / relative_fileloc
        for yaml_file in (dag_directory / "runtime.yaml", path.with_name(f"{path.stem}.runtime.yaml")):
            found = self._yamls.get(yaml_file)
            if found is not None:
                layers = found.over(layers)
        return layers

    def queue(self, dag_directory: Path, relative_fileloc: str) -> str | None:
        """The `queue:` the file's runtime.yaml layers give its task tries (None: not set there)."""
        return self._layers(dag_directory.resolve(), relative_fileloc, None).queue

    def _checked(self, image: str | None, dag_directory: Path, relative_fileloc: str) -> str:
        if not image:
            raise ImageResolutionError(
                f"no image for {relative_fileloc} in {dag_directory}: build the digest map "
                "(bazel build //:digest_map), add image: to its runtime.yaml, or set [docker_runtime] image"
            )
        if not is_pinned(image) and not self.docker.allow_mutable_tags:
            raise ImageResolutionError(
                f"refusing image {image!r} for {relative_fileloc}: a mutable tag; run images by digest "
                "(name@sha256:...) or image id, or set [docker_runtime] allow_mutable_tags = True"
            )
        return image

    def image(self, dag_directory: Path, relative_fileloc: str, digest_map: DigestMap | None) -> str:
        """Only the image layers 1-4 give (a new run's pin): no volumes checked, no sandbox built."""
        dag_directory = dag_directory.resolve()
        layers = self._layers(dag_directory, relative_fileloc, map_entry(digest_map, dag_directory))
        image = self._policy(layers.image) if layers.image else None
        return self._checked(image, dag_directory, relative_fileloc)

    def spec(
        self,
        dag_directory: Path,
        relative_fileloc: str,
        digest_map: DigestMap | None,
        pinned: str | None = None,
    ) -> SandboxSpec:
        """The sandbox that parses or runs `relative_fileloc` of `dag_directory` (see module doc)."""
        dag_directory = dag_directory.resolve()
        entry = map_entry(digest_map, dag_directory)
        layers = self._layers(dag_directory, relative_fileloc, entry)
        if pinned:
            image: str | None = pinned
        else:
            image = self._policy(layers.image) if layers.image else None
        image = self._checked(image, dag_directory, relative_fileloc)
        volumes = [Volume(str(dag_directory), entry.container_dag_dir)] if entry is not None else []
        for volume in layers.volumes:
            _check_volume(volume, dag_directory, self.docker.socket_path)
            volumes.append(volume)
        network = sandbox_network(self.joins_networks, layers.network, layers.network_source, self.docker)
        return SandboxSpec(
            dag_folder=str(dag_directory),
            image=image,
            environment=layers.environment,
            volumes=tuple(volumes),
            network=network,
            memory=layers.memory,
            cpus=layers.cpus,
            pids_limit=layers.pids,
            run_as_user=layers.run_as_user,
            labels=self.docker.labels,
            parse_timeout=layers.parse_timeout or 30.0,
            task_timeout=layers.task_timeout,
        )
