"""Which SandboxRuntime runs task tries: ``[core] task_execution_runtime`` (or ``tasks run --docker``).

The supervisor only talks to ``SandboxRuntime.run_task``; a backend slots in here and nowhere else.
"""

from __future__ import annotations

from dagseal.errors import DagsealError
from dagseal.runtime.base import SandboxRuntime


class RuntimeUnavailableError(DagsealError):
    """The configured task runtime cannot be used on this host (yet)."""


def docker_task_runtime() -> SandboxRuntime:
    """The container backend for task tries (AIP-46 ``--docker``); filled in by the Docker runtime work."""
    raise RuntimeUnavailableError(
        "docker runtime not available yet: set [core] task_execution_runtime = process and drop --docker"
    )


def task_runtime(kind: str) -> SandboxRuntime:
    if kind == "docker":
        return docker_task_runtime()
    from dagseal.runtime.process import ProcessRuntime

    return ProcessRuntime()
