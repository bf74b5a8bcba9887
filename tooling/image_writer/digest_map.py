"""Assemble the //:digest_map JSON (schema: docs/images.md, loader: dagseal.digest_map)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def repo_entry(repo: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """One map entry from a repo spec written by the ``digest_map`` rule."""
    image = json.loads(Path(repo["image_json"]).read_bytes())
    files = {
        item["path"]: hashlib.sha256(Path(item["src"]).read_bytes()).hexdigest() for item in repo["files"]
    }
    return repo["dag_dir"], {
        "dag_dir": repo["dag_dir"],
        "container_dag_dir": repo["container_dag_dir"],
        "image": repo["image"],
        "bazel_target": repo["bazel_target"],
        "manifest_digest": image["manifest_digest"],
        "image_id": image["image_id"],
        "layers": image["layers"],
        "sandbox_protocol": repo["sandbox_protocol"],
        "runtime": repo["runtime"],
        "files": dict(sorted(files.items())),
    }


def build_digest_map(repos: list[dict[str, Any]]) -> bytes:
    """The whole map, pretty-printed with sorted keys (stable and diff-friendly)."""
    entries = dict(sorted(repo_entry(repo) for repo in repos))
    document = {"schema_version": SCHEMA_VERSION, "repos": entries}
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
