"""A warm supervisor fork server (and, with the process runtime, a sandbox zygote) for one host.

Both the LocalExecutor and each ``dagseal celery worker`` start tries the same way: one supervisor
per try, forked from a server that imported and compiled everything once, or an idle one that
ended its last try. A server that died is replaced on the next fork (the supervisors it forked
still run to their end).
"""

from __future__ import annotations

import logging

import attrs

from dagseal.executor.fork_server import ForkServerUnavailable, SupervisorForkServer, SupervisorHandle
from dagseal.executor.settings import SupervisorSettings
from dagseal.runtime.environment import compile_sandbox_bytecode
from dagseal.runtime.zygote import SandboxZygote

log = logging.getLogger(__name__)


class WarmSupervisors:
    """Owns the fork server and the zygote; ``fork(ti_id)`` starts one supervisor. Thread-safe
    for ``fork`` (one socket connection per call) once ``start`` returned."""

    def __init__(self, settings: SupervisorSettings) -> None:
        self._settings = settings
        self._server: SupervisorForkServer | None = None
        self._zygote: SandboxZygote | None = None

    def start(self) -> None:
        compile_sandbox_bytecode()
        if self._settings.placement.task_execution_runtime == "process":
            self._zygote = SandboxZygote()
            self._settings = attrs.evolve(self._settings, sandbox_zygote=self._zygote.start())
        self._server = SupervisorForkServer(self._settings)
        self._server.start()

    def fork(self, ti_id: int) -> SupervisorHandle:
        assert self._server is not None, "start() first"
        try:
            return self._server.fork(ti_id)
        except ForkServerUnavailable as exc:  # it died: its running supervisors still report
            log.warning("%s; starting a new supervisor fork server", exc)
            self._server.stop()
            self._server = SupervisorForkServer(self._settings)
            self._server.start()
            return self._server.fork(ti_id)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._zygote is not None:
            self._zygote.stop()
            self._zygote = None
