"""Host side of the sandbox contract: runtimes that start, watch and stop sandboxes.

Import backends from their modules (``dagseal.runtime.process``, ``dagseal.runtime.docker``) so
that using one never imports another's dependencies.
"""

from dagseal.runtime.base import (
    SandboxCrashed,
    SandboxError,
    SandboxProtocolError,
    SandboxRequestError,
    SandboxRuntime,
    SandboxSpec,
    SandboxTimeout,
    TaskHandle,
    TaskOutcome,
    WarmSandbox,
)

__all__ = [
    "SandboxCrashed",
    "SandboxError",
    "SandboxProtocolError",
    "SandboxRequestError",
    "SandboxRuntime",
    "SandboxSpec",
    "SandboxTimeout",
    "TaskHandle",
    "TaskOutcome",
    "WarmSandbox",
]
