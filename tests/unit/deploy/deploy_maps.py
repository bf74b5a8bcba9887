"""Digest maps for unit tests, shaped like ``//:digest_map`` output (see docs/images.md)."""

from __future__ import annotations

import hashlib
from typing import Any


def digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def repo(team: str, version: str, registry: str | None = "127.0.0.1:5000") -> dict[str, Any]:
    """One repo entry; ``version`` changes its digests, ``registry`` None leaves it unpublished."""
    manifest = digest(f"{team}-{version}-manifest")
    entry: dict[str, Any] = {
        "dag_dir": f"dag_repos/{team}",
        "container_dag_dir": f"/opt/dagseal/dags/{team}",
        "image": f"dagseal/{team}",
        "bazel_target": f"//dag_repos/{team}:image",
        "manifest_digest": manifest,
        "image_id": digest(f"{team}-{version}-config"),
        "layers": [],
        "sandbox_protocol": 1,
        "runtime": "python311",
        "files": {},
    }
    if registry:
        entry["registry_ref"] = f"{registry}/dagseal/{team}@{manifest}"
    return entry


def digest_map(*repos: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "repos": {r["dag_dir"]: r for r in repos}}
