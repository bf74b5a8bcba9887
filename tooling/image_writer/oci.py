"""OCI image config, manifest, index, image layout and a Docker-loadable tar.

All JSON is canonical (sorted keys, compact) and ``created`` is fixed, so the manifest digest
depends on nothing but the layers and the declared configuration.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tooling.image_writer.tarball import Tree, write_tar

CREATED = "1970-01-01T00:00:00Z"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Layer:
    """A written layer blob and its descriptor (see tarball.LayerDescriptor) plus its role."""

    path: Path
    digest: str
    diff_id: str
    size: int
    role: str


@dataclass(frozen=True)
class ImageSettings:
    """The runtime configuration of an image (merged over its base)."""

    env: dict[str, str]
    cmd: list[str] | None
    entrypoint: list[str] | None
    user: str
    workdir: str
    labels: dict[str, str]

    def over(self, base: ImageSettings) -> ImageSettings:
        """These settings layered over ``base``: dicts merge, empty values inherit."""
        return ImageSettings(
            env={**base.env, **self.env},
            cmd=self.cmd if self.cmd is not None else base.cmd,
            entrypoint=self.entrypoint if self.entrypoint is not None else base.entrypoint,
            user=self.user or base.user,
            workdir=self.workdir or base.workdir,
            labels={**base.labels, **self.labels},
        )

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ImageSettings:
        """Read settings from the rule's JSON spec (missing keys mean "inherit")."""
        return cls(
            env=dict(raw.get("env") or {}),
            cmd=raw.get("cmd"),
            entrypoint=raw.get("entrypoint"),
            user=raw.get("user") or "",
            workdir=raw.get("workdir") or "",
            labels=dict(raw.get("labels") or {}),
        )


EMPTY_SETTINGS = ImageSettings(env={}, cmd=None, entrypoint=None, user="", workdir="", labels={})


def image_config(layers: list[Layer], settings: ImageSettings) -> dict[str, Any]:
    """The OCI image config document."""
    runtime: dict[str, Any] = {"Env": [f"{k}={v}" for k, v in settings.env.items()]}
    for key, value in (
        ("Cmd", settings.cmd),
        ("Entrypoint", settings.entrypoint),
        ("User", settings.user),
        ("WorkingDir", settings.workdir),
        ("Labels", settings.labels),
    ):
        if value:
            runtime[key] = value
    return {
        "architecture": "amd64",
        "os": "linux",
        "created": CREATED,
        "config": runtime,
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        "history": [{"created": CREATED, "created_by": f"dagseal {layer.role} layer"} for layer in layers],
    }


@dataclass(frozen=True)
class BuiltImage:
    """Blobs and digests of one image."""

    config: bytes
    manifest: bytes
    layers: list[Layer]

    @property
    def image_id(self) -> str:
        """The config digest (what ``docker images`` shows)."""
        return sha256_digest(self.config)

    @property
    def manifest_digest(self) -> str:
        """The digest a registry knows the image by."""
        return sha256_digest(self.manifest)

    def index(self) -> bytes:
        """``index.json`` of a layout holding just this image."""
        return canonical_json(
            {
                "schemaVersion": 2,
                "mediaType": INDEX_TYPE,
                "manifests": [
                    {"mediaType": MANIFEST_TYPE, "digest": self.manifest_digest, "size": len(self.manifest)},
                ],
            }
        )


def build_image(layers: list[Layer], settings: ImageSettings) -> BuiltImage:
    """Compute config and manifest for ``layers`` with ``settings``."""
    config = canonical_json(image_config(layers, settings))
    manifest = canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "digest": sha256_digest(config), "size": len(config)},
            "layers": [
                {"mediaType": LAYER_TYPE, "digest": layer.digest, "size": layer.size} for layer in layers
            ],
        }
    )
    return BuiltImage(config=config, manifest=manifest, layers=layers)


def _blob_path(digest: str) -> str:
    return "blobs/sha256/" + digest.removeprefix("sha256:")


def write_layout(image: BuiltImage, out: Path) -> None:
    """Write an OCI image layout directory."""
    blobs = out / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    (out / "oci-layout").write_bytes(canonical_json({"imageLayoutVersion": "1.0.0"}))
    (out / "index.json").write_bytes(image.index())
    for data in (image.config, image.manifest):
        (out / _blob_path(sha256_digest(data))).write_bytes(data)
    for layer in image.layers:
        shutil.copyfile(layer.path, out / _blob_path(layer.digest))


def write_docker_tar(layout: Path, repo_tags: list[str], out: Path) -> None:
    """Tar an OCI layout plus the docker ``manifest.json`` that Docker Engine 20.10 needs to load it."""
    index = json.loads((layout / "index.json").read_bytes())
    manifest = json.loads((layout / _blob_path(index["manifests"][0]["digest"])).read_bytes())
    docker_manifest = [
        {
            "Config": _blob_path(manifest["config"]["digest"]),
            "RepoTags": repo_tags,
            "Layers": [_blob_path(layer["digest"]) for layer in manifest["layers"]],
        }
    ]
    tree = Tree()
    for path in layout.rglob("*"):
        if path.is_file():
            tree.add_file(str(path.relative_to(layout)), path.read_bytes())
    tree.add_file("manifest.json", canonical_json(docker_manifest))
    with out.open("wb") as sink:
        write_tar(tree.with_parents(), sink)


def describe(image: BuiltImage, settings: ImageSettings) -> dict[str, Any]:
    """The ``image.json`` handed to dependent images, loaders and the digest map."""
    return {
        "manifest_digest": image.manifest_digest,
        "image_id": image.image_id,
        "settings": {
            "env": settings.env,
            "cmd": settings.cmd,
            "entrypoint": settings.entrypoint,
            "user": settings.user,
            "workdir": settings.workdir,
            "labels": settings.labels,
        },
        "layers": [
            {"digest": layer.digest, "diff_id": layer.diff_id, "size": layer.size, "role": layer.role}
            for layer in image.layers
        ],
    }
