"""Publishing: push every image of a digest map to a registry, keeping its digests, and pin them.

Images are copied from their Bazel-built OCI layouts with ``skopeo copy --preserve-digests`` —
never ``docker push``, which recompresses layers and so changes the manifest digest the map
records. Each repo is pushed by digest and then tagged (``sha256-<hex>``, the convention of
``bazel run //dag_repos/<team>:push``) so registry garbage collection keeps it.

Before and after each push the registry is asked which blobs the repository holds (blob
HEADs), so the report says exactly how many bytes were new: nothing for an unchanged build,
only the DAG layer after a DAG-only edit.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagseal.deploy.errors import DeployError
from dagseal.deploy.published import MapEntry, entries, with_registry_refs
from dagseal.deploy.reference import ImageReference
from dagseal.deploy.registry import Manifest, RegistryAddress, RegistryClient
from dagseal.deploy.registry_auth import auth_file, cert_dir

__all__ = ["PushResult", "bazel_layout", "default_tag", "publish_map", "push_layout", "read_layout_manifest"]


@dataclass(frozen=True)
class PushResult:
    """What one push did: the pinned reference and the bytes the registry did not have before."""

    dag_dir: str
    ref: ImageReference
    uploaded_blobs: int
    uploaded_bytes: int
    mounted_bytes: int  # new to this repository but already in another one: linked, not sent
    total_bytes: int
    seconds: float


def default_tag(digest: str) -> str:
    """``sha256-<hex>``: an immutable tag that keeps the manifest alive under registry GC."""
    return digest.replace(":", "-")


def bazel_layout(bazel_bin: Path) -> Callable[[MapEntry], Path]:
    """Where Bazel wrote a repo's OCI layout: ``<bazel-bin>/<package>/<target name>``."""

    def layout(entry: MapEntry) -> Path:
        target = entry.build.bazel_target
        if ":" not in target:
            raise DeployError(f"repo {entry.dag_dir}: bazel_target {target!r} does not name a layout")
        package, _, name = target.removeprefix("//").partition(":")
        return bazel_bin / package / name

    return layout


def read_layout_manifest(layout: Path, digest: str) -> Manifest:
    """The manifest ``digest`` from an OCI layout, checked byte for byte."""
    try:
        index = json.loads((layout / "index.json").read_bytes())
        descriptors = [m for m in index["manifests"] if m["digest"] == digest]
        raw = (layout / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes()
    except (OSError, ValueError, KeyError) as exc:
        raise DeployError(f"cannot read OCI layout {layout}: {exc} (did `bazel build` run?)") from exc
    if not descriptors or "sha256:" + hashlib.sha256(raw).hexdigest() != digest:
        raise DeployError(f"OCI layout {layout} does not hold manifest {digest}: rebuild it with bazel")
    return Manifest(raw=raw, media_type=descriptors[0]["mediaType"], digest=digest)


def push_layout(
    layout: Path,
    entry: MapEntry,
    registry: RegistryAddress,
    tags: list[str] | None = None,
    mount_from: tuple[str, ...] = (),
) -> PushResult:
    """Push one repo's layout by digest with skopeo, tag it, and measure what was uploaded.

    Blobs the repository lacks but one of ``mount_from`` (the map's other repositories) holds —
    the shared base and SDK layers — are mounted across repositories first, so they are never
    sent twice whatever skopeo's local cache knows; what is still missing is what skopeo uploads.
    """
    client = RegistryClient(registry)
    client.ping()
    manifest = read_layout_manifest(layout, entry.manifest_digest)
    ref = ImageReference(registry=registry.host, name=entry.repository, digest=entry.manifest_digest)
    blobs = manifest.blobs()
    missing = [(digest, size) for digest, size in blobs if client.blob_size(ref.name, digest) is None]
    mounted = {digest for digest, _ in missing if _mount(client, ref.name, digest, mount_from)}
    started = time.monotonic()
    command = ["skopeo", "copy", "--quiet", "--preserve-digests"]
    if registry.insecure:
        command.append("--dest-tls-verify=false")
    elif certs := cert_dir(registry.host):
        command.append(f"--dest-cert-dir={certs}")
    if (authfile := auth_file()) is not None:
        command.append(f"--dest-authfile={authfile}")
    command += [f"oci:{layout}", f"docker://{ref}"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise DeployError(f"skopeo could not push {entry.dag_dir} to {ref}: {detail}")
    for tag in tags if tags is not None else [default_tag(ref.digest)]:
        client.put_manifest(ref.name, tag, manifest)
    seconds = time.monotonic() - started
    still_missing = [digest for digest, _ in missing if client.blob_size(ref.name, digest) is None]
    if still_missing or not client.has_manifest(ref.name, ref.digest):
        raise DeployError(f"push of {entry.dag_dir} to {ref} left blobs missing: {', '.join(still_missing)}")
    uploaded = [(digest, size) for digest, size in missing if digest not in mounted]
    return PushResult(
        dag_dir=entry.dag_dir,
        ref=ref,
        uploaded_blobs=len(uploaded),
        uploaded_bytes=sum(size for _, size in uploaded),
        mounted_bytes=sum(size for digest, size in missing if digest in mounted),
        total_bytes=sum(size for _, size in blobs),
        seconds=seconds,
    )


def _mount(client: RegistryClient, name: str, digest: str, sources: tuple[str, ...]) -> bool:
    return any(
        client.blob_size(source, digest) is not None and client.mount_blob(name, digest, source)
        for source in sources
    )


def publish_map(
    document: dict[str, Any],
    registry: RegistryAddress,
    layout_for: Callable[[MapEntry], Path],
    tags: list[str] | None = None,
    on_pushed: Callable[[PushResult], None] | None = None,
) -> tuple[dict[str, Any], list[PushResult]]:
    """Push every repo of ``document``; return the published map (with registry refs) and results."""
    results = []
    refs: dict[str, ImageReference] = {}
    repos = entries(document)
    for entry in repos:
        others = tuple(other.repository for other in repos if other.repository != entry.repository)
        result = push_layout(layout_for(entry), entry, registry, tags, others)
        refs[entry.dag_dir] = result.ref
        results.append(result)
        if on_pushed is not None:
            on_pushed(result)
    return with_registry_refs(document, refs), results
