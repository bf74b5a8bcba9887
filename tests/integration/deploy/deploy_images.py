"""Tiny OCI layouts written by the project's own image writer, for registry tests.

Why: publishing, deploying and pulling are about digests and layers, not Python; a two-layer
image (an incompressible "base" layer and a "dags" layer) built in milliseconds exercises the
real skopeo, registry and engine without waiting for Bazel. Images carry ``io.dagseal.test=1``.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from dagseal.sandbox.protocol import PROTOCOL_VERSION
from tooling.image_writer import oci
from tooling.image_writer.tarball import Tree, write_layer

TEST_LABEL = "io.dagseal.test"


def _layer(out: Path, role: str, files: dict[str, bytes]) -> oci.Layer:
    tree = Tree()
    for path, data in files.items():
        tree.add_file(path, data)
    path = out / f"{role}.tar.gz"
    with path.open("wb") as sink:
        descriptor = write_layer(tree, sink)
    return oci.Layer(path, descriptor.digest, descriptor.diff_id, descriptor.size, role)


def build_layout(
    root: Path,
    team: str,
    image: str,
    dag_source: str,
    base_bytes: int = 200_000,
    protocol: str = str(PROTOCOL_VERSION),
) -> dict[str, Any]:
    """Write ``root/<team>/image`` (an OCI layout, where Bazel would put ``//<team>:image``) and
    return its digest-map entry (unpublished).

    Every team gets the same base layer (as teams on one runtime do), so pushes can share it.
    """
    work = root / f"{team}.layers"
    work.mkdir(parents=True, exist_ok=True)
    layers = [
        _layer(work, "base", {"opt/base.bin": random.Random(base_bytes).randbytes(base_bytes)}),
        _layer(work, "dags", {f"opt/dagseal/dags/{team}/etl.py": dag_source.encode()}),
    ]
    labels = {"io.dagseal.sandbox.protocol": protocol, TEST_LABEL: "1"}
    settings = oci.ImageSettings(env={}, cmd=["true"], entrypoint=None, user="", workdir="", labels=labels)
    built = oci.build_image(layers, settings)
    oci.write_layout(built, root / team / "image")
    return {
        "dag_dir": f"dag_repos/{team}",
        "container_dag_dir": f"/opt/dagseal/dags/{team}",
        "image": image,
        "bazel_target": f"//{team}:image",
        "manifest_digest": built.manifest_digest,
        "image_id": built.image_id,
        "layers": [
            {"digest": layer.digest, "diff_id": layer.diff_id, "size": layer.size, "role": layer.role}
            for layer in layers
        ],
        "sandbox_protocol": int(protocol),
        "runtime": "test",
        "files": {},
    }


def digest_map(*repos: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "repos": {repo["dag_dir"]: repo for repo in repos}}
