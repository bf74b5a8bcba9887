"""Image references pinned by digest: ``<registry>/<name>@sha256:<hex>``, never a tag.

A tag can move; a digest names exactly one manifest, so a deployment or a DagRun that records a
reference always runs the bytes it recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dagseal.deploy.errors import DeployError

__all__ = ["ImageReference", "check_digest"]

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_NAME = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")


def check_digest(digest: str) -> str:
    """Return ``digest`` if it is a full ``sha256:<64 hex>`` digest, else raise ``DeployError``."""
    if not _DIGEST.fullmatch(digest):
        raise DeployError(f"{digest!r} is not a sha256 digest (expected sha256:<64 hex digits>)")
    return digest


@dataclass(frozen=True)
class ImageReference:
    """A repository in a registry plus the manifest digest that pins it."""

    registry: str
    name: str
    digest: str

    def __post_init__(self) -> None:
        check_digest(self.digest)
        if not _NAME.fullmatch(self.name):
            raise DeployError(f"{self.name!r} is not a valid repository name (lower-case, / separated)")
        if not self.registry or "/" in self.registry.split("://")[-1]:
            raise DeployError(f"{self.registry!r} is not a registry address (host[:port])")

    @classmethod
    def parse(cls, text: str) -> ImageReference:
        """Parse ``host[:port]/name@sha256:…``; a tag or a missing registry host is refused."""
        location, sep, digest = text.partition("@")
        registry, slash, name = location.partition("/")
        if not sep or not slash:
            raise DeployError(f"{text!r} is not a digest reference (expected <registry>/<name>@sha256:…)")
        return cls(registry=registry, name=name, digest=digest)

    def __str__(self) -> str:
        return f"{self.registry}/{self.name}@{self.digest}"
