"""The published digest map: Bazel's ``//:digest_map`` plus a ``registry_ref`` for every repo.

The map stays one JSON document, so a deployment stores exactly what CI produced; this module
only reads the few fields publishing and deploying need and adds ``registry_ref``. Repos are
keyed by their DAG directory (``dag_repos/team_x``), the key the processors and the scheduler
look images up by.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from dagseal.deploy.errors import DeployError
from dagseal.deploy.reference import ImageReference, check_digest

__all__ = ["MapEntry", "entries", "find_entry", "load_map", "with_registry_refs"]


@dataclass(frozen=True)
class MapEntry:
    """One repo of a digest map: what was built, and (once published) where it can be pulled."""

    key: str
    dag_dir: str
    image: str
    manifest_digest: str
    image_id: str
    sandbox_protocol: str
    bazel_target: str | None
    registry_ref: ImageReference | None

    @property
    def repository(self) -> str:
        """The repository name the image is pushed under: the map's image name without a tag."""
        name = self.image.split("@", 1)[0]
        head, sep, tail = name.rpartition(":")
        return head if sep and "/" not in tail else name

    def require_ref(self) -> ImageReference:
        """The pinned registry reference; deploying an unpublished map is refused here."""
        if self.registry_ref is None:
            raise DeployError(
                f"repo {self.dag_dir} has no registry_ref: publish the map first "
                "(dagseal images publish --registry ADDR)"
            )
        return self.registry_ref


def load_map(path: str | Path) -> dict[str, Any]:
    """Read a digest map file; a missing or malformed file is a one-line ``DeployError``."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DeployError(f"cannot read digest map {path}: {exc}") from exc
    entries(document)  # validate now, so a bad file fails before any registry call
    return document


def entries(document: dict[str, Any]) -> list[MapEntry]:
    """Every repo of the map, sorted by DAG directory."""
    repos = document.get("repos") if isinstance(document, dict) else None
    if not isinstance(repos, dict) or not repos:
        raise DeployError("digest map has no repos (expected {\"schema_version\": 1, \"repos\": {...}})")
    return [_entry(key, repos[key]) for key in sorted(repos)]


def _entry(key: str, raw: Any) -> MapEntry:
    try:
        ref = raw.get("registry_ref")
        entry = MapEntry(
            key=key,
            dag_dir=raw.get("dag_dir", key),
            image=raw["image"],
            manifest_digest=check_digest(raw["manifest_digest"]),
            image_id=check_digest(raw["image_id"]),
            sandbox_protocol=str(raw["sandbox_protocol"]),
            bazel_target=raw.get("bazel_target"),
            registry_ref=ImageReference.parse(ref) if ref else None,
        )
    except (KeyError, AttributeError, TypeError) as exc:
        raise DeployError(f"digest map repo {key}: missing or malformed field {exc}") from exc
    except DeployError as exc:
        raise DeployError(f"digest map repo {key}: {exc}") from exc
    if entry.registry_ref and entry.registry_ref.digest != entry.manifest_digest:
        raise DeployError(
            f"digest map repo {key}: registry_ref {entry.registry_ref} does not pin "
            f"manifest_digest {entry.manifest_digest}"
        )
    return entry


def with_registry_refs(document: dict[str, Any], refs: dict[str, ImageReference]) -> dict[str, Any]:
    """A copy of the map with ``registry_ref`` set for each repo in ``refs`` (keyed like ``repos``)."""
    published = copy.deepcopy(document)
    for key, ref in refs.items():
        published["repos"][key]["registry_ref"] = str(ref)
    return published


def find_entry(document: dict[str, Any], path: str) -> MapEntry | None:
    """The repo whose DAG directory holds ``path`` (a directory or file, relative or absolute).

    Hosts see DAG directories at different absolute paths, so the map's relative ``dag_dir`` is
    matched against the trailing components of ``path`` and of each of its parents; the deepest
    match wins.
    """
    by_parts = {PurePosixPath(entry.dag_dir).parts: entry for entry in entries(document)}
    candidate = PurePosixPath(path)
    for ancestor in (candidate, *candidate.parents):
        for parts, entry in by_parts.items():
            if parts and ancestor.parts[-len(parts):] == parts:
                return entry
    return None
