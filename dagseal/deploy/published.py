"""The published digest map: Bazel's ``//:digest_map`` plus a ``registry_ref`` for every repo.

The map stays one JSON document, so a deployment stores exactly what CI produced; the build
fields are read by ``dagseal.digest_map`` and this module adds ``registry_ref``. Repos are
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
from dagseal.digest_map import DigestMapError, RepoEntry, parse_digest_map

__all__ = ["MapEntry", "entries", "entry_for_path", "find_entry", "load_map", "with_registry_refs"]


@dataclass(frozen=True)
class MapEntry:
    """One repo of a digest map: what Bazel built, and (once published) where it can be pulled."""

    build: RepoEntry
    registry_ref: ImageReference | None

    @property
    def dag_dir(self) -> str:
        return self.build.dag_dir

    @property
    def manifest_digest(self) -> str:
        return self.build.manifest_digest

    @property
    def image_id(self) -> str:
        return self.build.image_id

    @property
    def repository(self) -> str:
        """The repository name the image is pushed under: the map's image name without a tag."""
        name = self.build.image.split("@", 1)[0]
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
    """Every repo of the map, sorted by DAG directory (build fields checked by parse_digest_map)."""
    try:
        built = parse_digest_map(json.dumps(document))
    except DigestMapError as exc:
        raise DeployError(str(exc)) from exc
    if not built.repos:
        raise DeployError("digest map has no repos")
    refs = {key: raw.get("registry_ref") for key, raw in document["repos"].items()}
    return [_entry(built.repos[key], refs[key]) for key in sorted(built.repos)]


def _entry(build: RepoEntry, ref: str | None) -> MapEntry:
    try:
        check_digest(build.manifest_digest)
        check_digest(build.image_id)
        entry = MapEntry(build=build, registry_ref=ImageReference.parse(ref) if ref else None)
    except DeployError as exc:
        raise DeployError(f"digest map repo {build.dag_dir}: {exc}") from exc
    if entry.registry_ref and entry.registry_ref.digest != entry.manifest_digest:
        raise DeployError(
            f"digest map repo {build.dag_dir}: registry_ref {entry.registry_ref} does not pin "
            f"manifest_digest {entry.manifest_digest}"
        )
    return entry


def with_registry_refs(document: dict[str, Any], refs: dict[str, ImageReference]) -> dict[str, Any]:
    """A copy of the map with ``registry_ref`` set for each repo in ``refs`` (keyed by DAG dir)."""
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
    return entry_for_path(entries(document), path)


def entry_for_path(repos: list[MapEntry], path: str) -> MapEntry | None:
    """``find_entry`` over already parsed entries (a caller matching many paths parses once)."""
    by_parts = {PurePosixPath(entry.dag_dir).parts: entry for entry in repos}
    candidate = PurePosixPath(path)
    for ancestor in (candidate, *candidate.parents):
        for parts, entry in by_parts.items():
            if parts and ancestor.parts[-len(parts) :] == parts:
                return entry
    return None
