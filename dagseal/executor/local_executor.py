"""LocalExecutor: each try gets its own supervisor process, forked from a warm fork server.

A fresh ``python -m dagseal tasks run --local`` interpreter costs hundreds of milliseconds of
imports (SQLAlchemy, the runtime); forking the supervisor fork server (``fork_server.py``), which
imported the supervisor and compiled its SQL once, costs a few, and handing the try to a supervisor
that ended its last one costs nothing of that (nor a new DB connection). Likewise, with the process
runtime each sandbox is forked by a warm sandbox zygote (``dagseal.runtime.zygote``) instead of
importing the SDK again. A try has a supervisor process to itself while it runs (own pid, own
``LocalTaskJob`` heartbeat, killable alone) and its own fresh sandbox process in its own process group.
Supervisors survive a scheduler that dies: they finish their try and record it, and a restarted
scheduler carries on from the DB.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable

from dagseal.executor.fork_server import SupervisorHandle
from dagseal.executor.settings import SupervisorSettings
from dagseal.executor.warm_supervisors import WarmSupervisors
from dagseal.lifecycle.handoff import BaseExecutor, FinishedTry, QueuedTry

TERMINATE_GRACE_SECONDS = 10.0
PID_TIMEOUT_SECONDS = 5.0


class LocalExecutor(BaseExecutor):
    """Runs up to ``[core] parallelism`` supervisors on this host; ``wake_processors`` is called when
    a supervisor committed a callback request (processors embedded in this process wake at once)."""

    def __init__(
        self,
        parallelism: int,
        settings: SupervisorSettings,
        wake_processors: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parallelism)
        self._supervisors = WarmSupervisors(settings)
        self._wake_processors = wake_processors
        self._running: dict[int, SupervisorHandle] = {}

    @property
    def running_count(self) -> int:
        return len(self._running)

    def start(self) -> None:
        self._supervisors.start()

    def execute(self, item: QueuedTry) -> None:
        self._running[item.ti_id] = self._supervisors.fork(item.ti_id)

    def _take(self, handle: SupervisorHandle, timeout: float | None = 0.0, until_pid: bool = False) -> None:
        """Read what a supervisor reported; a committed callback request wakes the processors (the
        request itself is a row the supervisor wrote with the try's end, durable if we die)."""
        if handle.read(timeout, until_pid) and self._wake_processors is not None:
            self._wake_processors()

    def sync(self) -> list[FinishedTry]:
        finished = []
        for ti_id, handle in list(self._running.items()):
            self._take(handle)
            if handle.finished:
                del self._running[ti_id]
                code = handle.exit_code
                finished.append(FinishedTry(ti_id, code if code is not None and code >= 0 else None))
        self._supervisors.idle(len(self._running))
        return finished

    def wait(self, timeout: float) -> None:
        """Sleep until a supervisor exits or reports a callback request. What arrived since ``sync`` (a new
        supervisor's pid line) is taken first, so it does not cost the scheduler a pass."""
        sentinels = []
        for handle in self._running.values():
            self._take(handle)
            if handle.finished:
                return
            sentinels.append(handle.sentinel)
        if sentinels:
            select.select(sentinels, [], [], timeout)
        else:
            time.sleep(timeout)

    def end(self) -> None:
        for handle in self._running.values():
            self._take(handle, timeout=None)
        self.sync()
        self._supervisors.stop()

    def terminate(self) -> None:
        for handle in self._running.values():
            self._take(handle, PID_TIMEOUT_SECONDS, until_pid=True)
            if handle.pid is not None and not handle.finished:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(handle.pid, signal.SIGTERM)
        deadline = time.monotonic() + TERMINATE_GRACE_SECONDS
        for handle in self._running.values():
            self._take(handle, max(0.0, deadline - time.monotonic()))
            if not handle.finished and handle.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(handle.pid, signal.SIGKILL)
                self._take(handle, timeout=None)
        self.sync()
        self._supervisors.stop()
