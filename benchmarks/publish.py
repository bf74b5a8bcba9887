"""Publishing benchmarks: cold push, push after a one-line DAG edit, pull of the new version on a
host holding the previous one — with skopeo (``dagseal images publish``) beside ``docker push``.

Builds in a private copy of the checkout (its own Bazel output base, see benchmarks/images.py),
so the tree others work in is never edited, and pushes to a throwaway registry (its own port and
storage, started with tooling/start_registry.sh and stopped at the end), so "cold" really is cold.
Prints figures; asserts no timing. Needs Bazel, skopeo and the Docker engine.

    python3 benchmarks/publish.py
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import docker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from images import Checkout

from dagseal.deploy.publish import PushResult, bazel_layout, publish_map
from dagseal.deploy.published import entries, load_map
from dagseal.deploy.pull import ensure_image
from dagseal.deploy.registry import RegistryAddress, RegistryClient

ROOT = Path(__file__).resolve().parents[1]
TEAM = "dag_repos/team_x"
T = TypeVar("T")


def start_registry(storage: Path) -> tuple[str, int]:
    """A registry on a free loopback port; returns its address and pid."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    env = {**os.environ, "DAGSEAL_REGISTRY_ADDR": address, "DAGSEAL_REGISTRY_DIR": str(storage)}
    start = ROOT / "tooling/start_registry.sh"
    subprocess.run(["bash", str(start)], env=env, check=True, capture_output=True)
    return address, int((storage / "registry.pid").read_text())


def timed(action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def publish(checkout: Checkout, registry: str) -> tuple[dict[str, Any], list[PushResult], float]:
    bazel_bin = checkout.path / "bazel-bin"
    document = load_map(bazel_bin / "digest_map.json")
    (published, results), seconds = timed(
        lambda: publish_map(document, RegistryAddress.parse(registry), bazel_layout(bazel_bin))
    )
    return published, results, seconds


def report(title: str, results: list[PushResult], seconds: float) -> None:
    print(f"{title}: {sum(r.uploaded_bytes for r in results):,} B uploaded in {seconds:.2f} s")
    for r in results:
        print(
            f"  {r.dag_dir}: uploaded {r.uploaded_bytes:,} B ({r.uploaded_blobs} blobs), "
            f"mounted {r.mounted_bytes:,} B, image {r.total_bytes:,} B, {r.seconds:.2f} s"
        )


def new_blob_bytes(client: RegistryClient, name: str, old: str, new: str) -> int:
    """Bytes of the blobs of manifest ``new`` that manifest ``old`` lacks: what a holder of old fetches."""
    have = {digest for digest, _ in client.manifest(name, old).blobs()}
    return sum(size for digest, size in client.manifest(name, new).blobs() if digest not in have)


def docker_push(
    checkout: Checkout, engine: docker.DockerClient, registry: str, tag: str
) -> tuple[str, str, float]:
    """``docker load`` the Bazel-built tar of team_x and ``docker push`` it: image id, digest, seconds."""
    checkout.bazel("build", f"//{TEAM}:load")
    with (checkout.path / f"bazel-bin/{TEAM}/load.tar").open("rb") as tar:
        (image,) = engine.images.load(tar.read())
    target = f"{registry}/dockerpush/team_x"
    image.tag(target, tag)
    lines, seconds = timed(lambda: list(engine.images.push(target, tag, stream=True, decode=True)))
    digest = next(line["aux"]["Digest"] for line in lines if "aux" in line)
    return image.id, digest, seconds


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dagseal-bench-publish-", dir="/root"))
    checkout = Checkout(work)
    registry, pid = start_registry(work / "registry")
    # docker push gets a registry of its own: pushed next to skopeo's copies it would mount their
    # blobs across repositories and upload nothing, which is not a cold push
    docker_registry, docker_registry_pid = start_registry(work / "docker-registry")
    engine = docker.from_env()
    client = RegistryClient(registry)
    loaded: set[str] = set()
    try:
        build = checkout.bazel("build", "//:digest_map")
        print(f"registry {registry} (throwaway); build of all images in a private checkout: {build:.1f} s")
        v1, cold, cold_s = publish(checkout, registry)
        report("cold push of all images (skopeo --preserve-digests)", cold, cold_s)
        _, again, again_s = publish(checkout, registry)
        report("push of the same build again", again, again_s)

        with (checkout.path / TEAM / "etl.py").open("a") as dag:
            dag.write("# one-line DAG edit for the publish benchmark\n")
        rebuild = checkout.bazel("build", "//:digest_map")
        v2, edited, edited_s = publish(checkout, registry)
        print(f"rebuild after a one-line DAG edit: {rebuild:.2f} s")
        report("push after the DAG-only edit", edited, edited_s)

        old, new = (entries(doc)[0].require_ref() for doc in (v1, v2))
        loaded.add(ensure_image(engine, old))
        pulled_new, pull_s = timed(lambda: ensure_image(engine, new))
        loaded.add(pulled_new)
        print(
            f"pull of the new team_x version on a host holding the previous one: "
            f"{new_blob_bytes(client, new.name, old.digest, new.digest):,} B in {pull_s:.2f} s "
            f"(image {sum(size for _, size in client.manifest(new.name, new.digest).blobs()):,} B)"
        )

        # docker push of the same (edited) image: docker recompresses, so the digest changes
        image_id, digest, push_s = docker_push(checkout, engine, docker_registry, "edited")
        loaded.add(image_id)
        manifest = RegistryClient(docker_registry).manifest("dockerpush/team_x", digest)
        size = sum(s for _, s in manifest.blobs())
        print(
            f"docker push of the same team_x image, cold: {size:,} B in {push_s:.2f} s; manifest "
            f"{digest[:19]}… vs built {new.digest[:19]}… (digest preserved: {digest == new.digest})"
        )
        print(
            f"skopeo cold push of team_x for comparison: "
            f"{next(r for r in cold if r.dag_dir == TEAM).seconds:.2f} s"
        )
    finally:
        for image_id in loaded:
            engine.images.remove(image_id, force=True)
        engine.close()
        os.kill(pid, signal.SIGTERM)
        os.kill(docker_registry_pid, signal.SIGTERM)
        checkout.close()
        subprocess.run(["chmod", "-R", "u+w", str(work)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
