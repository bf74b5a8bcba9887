"""How the DAG processor asks which sandbox parses a file and runs a callback: `SandboxChoice`.

The manager never looks at images: it asks its `SandboxChoice` for the `SandboxSpec` of each file
and of each callback, and the sandbox pool keeps warm sandboxes per distinct spec. With the
process backend every file of a directory shares one spec (`FixedSandbox`); with Docker,
`DeployedSandboxes` (deployed.py) follows the current deployment (else `[core] digest_map`) and
layers each file's image; each callback runs in its DagRun's pinned image.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from dagseal.runtime.base import SandboxSpec

__all__ = ["FixedSandbox", "SandboxChoice"]


class SandboxChoice(Protocol):
    """Maps a directory's work to the sandbox it must run in."""

    def refresh(self) -> str:
        """Re-read what decides images (once per loop); returns a key that changes when they do."""
        ...

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        """The sandbox that parses `relative_fileloc` (its `parse_timeout` bounds the parse)."""
        ...

    def for_callback(
        self, relative_fileloc: str, image_digest: str | None, deployment_id: int | None
    ) -> SandboxSpec:
        """The sandbox that runs a callback of a DAG run pinned to `image_digest` (None: not pinned),
        by `deployment_id` (None: stamped from the digest map)."""
        ...


@attrs.frozen
class FixedSandbox:
    """One spec for every file of the directory; a run's pinned image wins for its callbacks."""

    base: SandboxSpec

    def refresh(self) -> str:
        """Nothing to re-read: the spec is fixed."""
        return ""

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        return self.base

    def for_callback(
        self, relative_fileloc: str, image_digest: str | None, deployment_id: int | None = None
    ) -> SandboxSpec:
        if image_digest and self.base.image is not None:
            return attrs.evolve(self.base, image=image_digest)
        return self.base
