"""A warm supervisor fork server (and, with the process runtime, a sandbox zygote) for one host.

Both the LocalExecutor and each ``dagseal celery worker`` start tries the same way: one supervisor
per try, forked from a server that imported and compiled everything once, or an idle one that
ended its last try. A server that died is replaced on the next fork (the supervisors it forked
still run to their end).
"""

from __future__ import annotations

import logging
import threading
import time

import attrs

from dagseal.executor.fork_server import ForkServerUnavailable, SupervisorForkServer, SupervisorHandle
from dagseal.executor.settings import SupervisorSettings
from dagseal.runtime.environment import compile_sandbox_bytecode
from dagseal.runtime.zygote import SandboxZygote

log = logging.getLogger(__name__)

#: With no try running for this long, the executor stops its supervisor fork server.
IDLE_SERVER_SECONDS = 60.0


class WarmSupervisors:
    """Owns the fork server and the zygote; ``fork(ti_id)`` starts one supervisor. Thread-safe
    for ``fork`` (one socket connection per call) once ``start`` returned. ``idle`` stops the
    server once no try ran for ``idle_server_seconds``: an idle scheduler keeps no supervisor
    processes, and the next try starts a new server (about half a second)."""

    def __init__(
        self, settings: SupervisorSettings, idle_server_seconds: float = IDLE_SERVER_SECONDS
    ) -> None:
        self._settings = settings
        self._idle_server_seconds = idle_server_seconds
        self._server: SupervisorForkServer | None = None
        self._zygote: SandboxZygote | None = None
        self._started = False
        self._idle_since: float | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        compile_sandbox_bytecode()
        if self._settings.placement.task_execution_runtime == "process":
            self._zygote = SandboxZygote()
            self._settings = attrs.evolve(self._settings, sandbox_zygote=self._zygote.start())
        self._server = self._new_server()  # now: a server that cannot start fails the executor's start
        self._started = True

    def _new_server(self) -> SupervisorForkServer:
        server = SupervisorForkServer(self._settings)
        server.start()
        return server

    def fork(self, ti_id: int) -> SupervisorHandle:
        assert self._started, "start() first"
        with self._lock:
            self._idle_since = None
            if self._server is None:  # stopped while idle
                self._server = self._new_server()
            server = self._server
        try:
            return server.fork(ti_id)
        except ForkServerUnavailable as exc:  # it died: its running supervisors still report
            log.warning("%s; starting a new supervisor fork server", exc)
            with self._lock:
                if self._server is server:
                    server.stop()
                    self._server = self._new_server()
                server = self._server
            return server.fork(ti_id)

    def idle(self, running: int) -> None:
        """Told the executor's running tries at each sync: with none for ``idle_server_seconds``,
        stop the fork server (its idle supervisors exit with it)."""
        with self._lock:
            if running or self._server is None:
                self._idle_since = None
                return
            now = time.monotonic()
            if self._idle_since is None:
                self._idle_since = now
            elif now - self._idle_since >= self._idle_server_seconds:
                self._server.stop()
                self._server = None
                self._idle_since = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._zygote is not None:
            self._zygote.stop()
            self._zygote = None
