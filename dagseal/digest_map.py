"""Loader for the digest map that ``bazel build //:digest_map`` writes (bazel-bin/digest_map.json).

The map ties each DAG directory to the digest-pinned image built from it; the schema is in
docs/images.md. ``load_digest_map`` raises ``DigestMapError`` with a one-line reason for a missing,
malformed, wrong-version or stale map. Standard library only. A top-level module because two
host packages read the map: `deploy` (publish, deploy) and `placement` (which image runs a file),
and placement depends on deploy (deployments, pulls), so neither may own it.

``python3 -m dagseal.digest_map --map FILE --dag-dir dag_repos/team_x [--workspace DIR]``
prints which image a directory is pinned to (used by ``bazel run //dag_repos/<team>:processor``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagseal.errors import DagsealError

SCHEMA_VERSION = 1
DAG_FILE_PATTERNS = ("*.py", "runtime.yaml", "*.runtime.yaml")
STALE = "stale digest map (run `bazel build //:digest_map`): "

__all__ = ["SCHEMA_VERSION", "DigestMap", "DigestMapError", "LayerEntry", "RepoEntry", "load_digest_map"]


class DigestMapError(DagsealError):
    """The digest map is missing, malformed, of another schema version, or stale."""


@dataclass(frozen=True)
class LayerEntry:
    """One layer of an image: blob digest, uncompressed diff_id, blob size and role."""

    digest: str
    diff_id: str
    size: int
    role: str


@dataclass(frozen=True)
class RepoEntry:
    """One DAG directory and the image that pins it."""

    dag_dir: str
    container_dag_dir: str
    image: str
    bazel_target: str
    manifest_digest: str
    image_id: str
    layers: tuple[LayerEntry, ...]
    sandbox_protocol: int
    base_runtime: str  # JSON key "runtime": the runtimes/ package the image is built on (python311)
    files: dict[str, str]

    @property
    def pinned_ref(self) -> str:
        """``<image>@<manifest digest>``."""
        return f"{self.image}@{self.manifest_digest}"

    def stale_reasons(self, workspace: Path) -> list[str]:
        """Why this entry no longer matches ``workspace`` (empty if it does)."""
        directory = workspace / self.dag_dir
        if not directory.is_dir():
            return [f"{self.dag_dir}: directory does not exist"]
        reasons = []
        for rel, sha in sorted(self.files.items()):
            path = directory / rel
            if not path.is_file():
                reasons.append(f"{self.dag_dir}/{rel}: deleted since the image was built")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                reasons.append(f"{self.dag_dir}/{rel}: changed since the image was built")
        current = {
            str(p.relative_to(directory))
            for pattern in DAG_FILE_PATTERNS
            for p in directory.rglob(pattern)
            if "__pycache__" not in p.parts
        }
        new = sorted(current - set(self.files))
        reasons += [f"{self.dag_dir}/{rel}: new since the image was built" for rel in new]
        built = workspace / "bazel-bin" / self.dag_dir / "image.digest"
        if built.is_file() and (built_digest := built.read_text().strip()) != self.manifest_digest:
            reasons.append(f"{self.dag_dir}: built image {built_digest} != map {self.manifest_digest}")
        return reasons


@dataclass(frozen=True)
class DigestMap:
    """All repos of one ``//:digest_map`` build, keyed by DAG directory (workspace-relative)."""

    schema_version: int
    repos: dict[str, RepoEntry]

    def entry_for(self, dag_dir: str) -> RepoEntry:
        """The entry of ``dag_dir`` (workspace-relative, e.g. ``dag_repos/team_x``)."""
        key = dag_dir.strip("/")
        if key not in self.repos:
            known = ", ".join(sorted(self.repos)) or "none"
            raise DigestMapError(f"no digest map entry for {key!r} (known: {known}); add it to //:digest_map")
        return self.repos[key]

    def check_fresh(self, workspace: Path) -> None:
        """Raise ``DigestMapError`` if any entry is stale against ``workspace``."""
        reasons = [reason for entry in self.repos.values() for reason in entry.stale_reasons(workspace)]
        if reasons:
            raise DigestMapError(STALE + "; ".join(reasons))


def _repo(key: str, raw: dict[str, Any]) -> RepoEntry:
    try:
        entry = RepoEntry(
            dag_dir=raw["dag_dir"],
            container_dag_dir=raw["container_dag_dir"],
            image=raw["image"],
            bazel_target=raw["bazel_target"],
            manifest_digest=raw["manifest_digest"],
            image_id=raw["image_id"],
            layers=tuple(
                LayerEntry(layer["digest"], layer["diff_id"], int(layer["size"]), layer["role"])
                for layer in raw["layers"]
            ),
            sandbox_protocol=int(raw["sandbox_protocol"]),
            base_runtime=raw["runtime"],
            files=dict(raw["files"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DigestMapError(f"malformed digest map entry {key!r}: {exc!r}") from exc
    if entry.dag_dir != key:
        raise DigestMapError(f"malformed digest map entry {key!r}: dag_dir is {entry.dag_dir!r}")
    return entry


def parse_digest_map(text: str, source: str = "<digest map>") -> DigestMap:
    """Parse and validate the JSON text of a digest map."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DigestMapError(f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("repos"), dict):
        raise DigestMapError(f"{source}: not a digest map (expected an object with 'repos')")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise DigestMapError(
            f"{source}: schema_version {version!r} is not supported (expected {SCHEMA_VERSION}); "
            "rebuild it with this checkout's `bazel build //:digest_map`"
        )
    return DigestMap(SCHEMA_VERSION, {key: _repo(key, raw) for key, raw in document["repos"].items()})


def load_digest_map(path: str | Path, workspace: str | Path | None = None) -> DigestMap:
    """Load the map at ``path``; with ``workspace``, also check it is not stale against that checkout."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise DigestMapError(f"digest map {path} not found; run `bazel build //:digest_map`") from exc
    digest_map = parse_digest_map(text, str(path))
    if workspace is not None:
        digest_map.check_fresh(Path(workspace))
    return digest_map


def main(argv: list[str] | None = None) -> int:
    """Print the image a DAG directory is pinned to; exit 1 with the reason if the map is unusable."""
    parser = argparse.ArgumentParser(prog="python3 -m dagseal.digest_map", description=main.__doc__)
    parser.add_argument("--map", required=True, help="the digest map JSON")
    parser.add_argument("--dag-dir", required=True, help="workspace-relative DAG directory")
    parser.add_argument("--workspace", help="checkout to check this directory's entry against for staleness")
    args = parser.parse_args(argv)
    try:
        entry = load_digest_map(args.map).entry_for(args.dag_dir)
        reasons = entry.stale_reasons(Path(args.workspace)) if args.workspace else []
        if reasons:
            raise DigestMapError(STALE + "; ".join(reasons))
    except DigestMapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{entry.dag_dir} is pinned to {entry.pinned_ref} (image id {entry.image_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
