"""Which image (and container settings) runs a DAG file: one function, one documented order.

`resolve_image` layers, each over the previous one (later wins; environment merges key by key,
volumes by container path):

0. `[docker_runtime]` overridden by `[<kind>_docker_runtime]` (AIP-46): default image, environment,
   labels (`app` too), run_as_user, `volume_mount_yaml`; `[scheduler] parse_timeout`.
1. the digest map entry of the file's DAG directory: its image id, and the directory mounted
   read-only where the image keeps it (`container_dag_dir`).
2. the directory's `runtime.yaml`.
3. the file's `<stem>.runtime.yaml` beside it.
4. the policy hook `get_docker_runtime_image(image)` of `[core] policy_module`, which may replace
   the image (not applied to a run's pinned image: it already chose when the run was pinned).

A run's pinned image (`pinned_image`: callbacks and task tries of a DagRun) replaces the image
after layer 3, so a run finishes on the image it started with. Images run by digest or image id
only: a mutable tag is refused unless `[docker_runtime] allow_mutable_tags = True`. Whether the
image speaks this host's sandbox protocol is checked by the runtime before its first use.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import attrs

from dagseal.config import Config
from dagseal.errors import DagsealError
from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.digest_map import DigestMap, RepoEntry
from dagseal.runtime.egress import sandbox_network
from dagseal.runtime.runtime_yaml import RuntimeOverrides, Volume, load_runtime_yaml, load_volume_mounts

__all__ = ["DirectoryResolver", "ImageResolutionError", "is_pinned", "resolve_image"]

HOOK = "get_docker_runtime_image"
_IMAGE_ID = re.compile(r"^sha256:[0-9a-f]{64}$")
_DIGEST_REF = re.compile(r"^[^\s@]+@sha256:[0-9a-f]{64}$")
_FORBIDDEN_SOURCES = ("/", "/var", "/var/run", "/run", "/etc", "/proc", "/sys", "/dev", "/root")


class ImageResolutionError(DagsealError):
    """No usable image for a file: none configured, a mutable tag, a bad mount or a failing hook."""


def is_pinned(image: str) -> bool:
    """True for an image id (`sha256:<64 hex>`) or a digest reference (`name@sha256:<64 hex>`)."""
    return bool(_IMAGE_ID.match(image) or _DIGEST_REF.match(image))


def _config_layer(config: Config, kind: str) -> RuntimeOverrides:
    settings = config.docker_runtime_settings(kind)
    mounts_file = str(settings.get("volume_mount_yaml") or "")
    return RuntimeOverrides(
        image=str(settings.get("image") or "") or None,
        environment=dict(settings.get("environment") or {}),  # type: ignore[call-overload]
        volumes=load_volume_mounts(Path(mounts_file)) if mounts_file else (),
        run_as_user=str(settings.get("run_as_user") or "") or None,
        parse_timeout=config.getfloat("scheduler", "parse_timeout"),
    )


def _config_labels(config: Config, kind: str) -> dict[str, str]:
    settings = config.docker_runtime_settings(kind)
    labels = dict(settings.get("labels") or {})  # type: ignore[call-overload]
    if settings.get("app"):
        labels["app"] = str(settings["app"])
    return labels


def _map_entry(digest_map: DigestMap | None, dag_directory: Path) -> RepoEntry | None:
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


def _policy_hook(config: Config) -> Callable[[str], str] | None:
    module_name = config.get("core", "policy_module").strip()
    if not module_name:
        return None
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ImageResolutionError(f"cannot import [core] policy_module {module_name!r}: {exc}") from exc
    return getattr(module, HOOK, None)


def _check_volume(volume: Volume, dag_directory: Path, socket_path: str) -> None:
    """No engine socket (or a directory holding it), no system directory, no other team's DAGs."""
    source = Path(volume.source).resolve()
    engine_socket = Path(socket_path.removeprefix("unix://") or "/var/run/docker.sock").resolve()
    forbidden = {Path(p).resolve() for p in _FORBIDDEN_SOURCES}
    if source in forbidden or engine_socket.is_relative_to(source):
        raise ImageResolutionError(f"refusing to mount {source} into a sandbox container")
    if source.is_relative_to(dag_directory.parent) and not source.is_relative_to(dag_directory):
        raise ImageResolutionError(f"refusing to mount {source}: it holds other teams' DAG directories")


def _file_layer(dag_directory: Path, relative_fileloc: str) -> RuntimeOverrides:
    path = dag_directory / relative_fileloc
    per_file = path.with_name(f"{path.stem}.runtime.yaml")
    return load_runtime_yaml(per_file) if per_file.is_file() else RuntimeOverrides()


def resolve_image(
    dag_directory: Path,
    relative_fileloc: str,
    *,
    config: Config,
    kind: str,
    digest_map: DigestMap | None = None,
    pinned_image: str | None = None,
) -> SandboxSpec:
    """The SandboxSpec that parses or runs `relative_fileloc` of `dag_directory` (see module doc)."""
    dag_directory = dag_directory.resolve()
    layers = _config_layer(config, kind)
    mounts: list[str] = []
    entry = _map_entry(digest_map, dag_directory)
    if entry is not None:
        layers = RuntimeOverrides(image=entry.image_id).over(layers)
        mounts.append(f"{dag_directory}:{entry.container_dag_dir}:ro")
    directory_yaml = dag_directory / "runtime.yaml"
    if directory_yaml.is_file():
        layers = load_runtime_yaml(directory_yaml).over(layers)
    layers = _file_layer(dag_directory, relative_fileloc).over(layers)
    image = pinned_image or layers.image
    hook = None if pinned_image else _policy_hook(config)
    if hook is not None and image is not None:
        try:
            image = hook(image)
        except Exception as exc:
            raise ImageResolutionError(f"{HOOK}({image!r}) failed: {type(exc).__name__}: {exc}") from exc
    if not image:
        raise ImageResolutionError(
            f"no image for {relative_fileloc} in {dag_directory}: build the digest map "
            "(bazel build //:digest_map), add image: to its runtime.yaml, or set [docker_runtime] image"
        )
    settings = config.docker_runtime_settings(kind)
    if not is_pinned(image) and not settings.get("allow_mutable_tags"):
        raise ImageResolutionError(
            f"refusing image {image!r} for {relative_fileloc}: a mutable tag; run images by digest "
            "(name@sha256:...) or image id, or set [docker_runtime] allow_mutable_tags = True"
        )
    network = sandbox_network(kind, layers.network, layers.network_source, settings)  # runtime/egress.py
    for volume in layers.volumes:
        _check_volume(volume, dag_directory, str(settings.get("socket_path") or ""))
        mounts.append(f"{volume.source}:{volume.target}:{'ro' if volume.read_only else 'rw'}")
    return SandboxSpec(
        dag_folder=str(dag_directory),
        image=image,
        environment=layers.environment,
        mounts=tuple(mounts),
        network=network,
        memory=str(layers.memory) if layers.memory else None,
        cpus=layers.cpus,
        pids_limit=layers.pids,
        run_as_user=layers.run_as_user,
        labels=_config_labels(config, kind),
        parse_timeout=layers.parse_timeout or 30.0,
        task_timeout=layers.task_timeout,
    )


@attrs.frozen
class DirectoryResolver:
    """`resolve_image` per file and callback of one directory (the processor's `DockerSpecs` keeps
    one per deployed image)."""

    config: Config
    dag_directory: Path
    kind: str
    digest_map: DigestMap | None = None

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        return self.for_callback(relative_fileloc, None)

    def for_callback(self, relative_fileloc: str, image_digest: str | None) -> SandboxSpec:
        return resolve_image(
            self.dag_directory,
            relative_fileloc,
            config=self.config,
            kind=self.kind,
            digest_map=self.digest_map,
            pinned_image=image_digest,
        )
