"""LocalExecutor: each try gets its own supervisor process, forked from a warm fork server.

A fresh ``python -m dagseal tasks run --local`` interpreter costs hundreds of milliseconds of
imports (SQLAlchemy, the runtime); forking a server that imported the supervisor once costs a
few. Likewise, with the process runtime each sandbox is forked by a warm sandbox zygote
(``dagseal.runtime.zygote``) instead of importing the SDK again. Each try still has its own
supervisor process (own pid, own ``LocalTaskJob`` heartbeat, own new session, killable alone)
and its own sandbox process in its own process group. Supervisors survive a scheduler that
dies: they finish their try and record it, and a restarted scheduler carries on from the DB.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from multiprocessing.connection import wait as wait_for
from multiprocessing.process import BaseProcess

import attrs

from dagseal.callbacks.base import BaseCallbackSink
from dagseal.executor.base import BaseExecutor, FinishedTry
from dagseal.executor.settings import SupervisorSettings
from dagseal.executor.supervisor import supervise_in_new_process
from dagseal.runtime.environment import compile_sandbox_bytecode
from dagseal.runtime.zygote import SandboxZygote
from dagseal.scheduler.task_scheduling import QueuedTry
from dagseal.serialization import CallbackRequest, callback_request_from_json

TERMINATE_GRACE_SECONDS = 10.0


class _Forward:
    """Picklable callable a supervisor uses to hand task callbacks back to the executor's sink."""

    def __init__(self, queue: multiprocessing.SimpleQueue) -> None:
        self._queue = queue

    def __call__(self, request: CallbackRequest) -> None:
        self._queue.put(request.to_json())


class LocalExecutor(BaseExecutor):
    """Runs up to ``[core] parallelism`` supervisors on this host."""

    def __init__(
        self, parallelism: int, callback_sink: BaseCallbackSink, settings: SupervisorSettings
    ) -> None:
        super().__init__(parallelism, callback_sink)
        self._settings = settings
        self._context = multiprocessing.get_context("forkserver")
        self._running: dict[int, BaseProcess] = {}
        self._zygote: SandboxZygote | None = None
        # Database sink: supervisors write callback rows themselves (durable even if we die).
        # Pipe sink: they report back here and we forward to the embedded processor.
        self._reports = None if settings.standalone_dag_processor else self._context.SimpleQueue()

    @property
    def running_count(self) -> int:
        return len(self._running)

    def start(self) -> None:
        self._context.set_forkserver_preload(["dagseal.executor.forkserver_preload"])
        compile_sandbox_bytecode()
        if self._settings.task_execution_runtime == "process":
            self._zygote = SandboxZygote()
            self._settings = attrs.evolve(self._settings, sandbox_zygote=self._zygote.start())

    def execute(self, item: QueuedTry) -> None:
        forward = None if self._reports is None else _Forward(self._reports)
        process = self._context.Process(
            target=supervise_in_new_process,
            args=(self._settings, item.ti_id, forward),
            name=f"dagseal-supervisor-{item.dag_id}.{item.task_id}",
        )
        process.start()
        self._running[item.ti_id] = process

    def _forward_reports(self) -> None:
        while self._reports is not None and not self._reports.empty():
            self.send_callback_to_execute(callback_request_from_json(self._reports.get()))

    def sync(self) -> list[FinishedTry]:
        self._forward_reports()
        finished = []
        for ti_id, process in list(self._running.items()):
            if process.exitcode is None:
                continue
            process.join()
            del self._running[ti_id]
            code = process.exitcode
            finished.append(FinishedTry(ti_id, code if code >= 0 else None))
        if finished:
            self._forward_reports()  # a supervisor reports before it exits
        return finished

    def wait(self, timeout: float) -> None:
        handles: list = [process.sentinel for process in self._running.values()]
        if self._reports is not None:
            handles.append(self._reports._reader)  # type: ignore[attr-defined]
        wait_for(handles, timeout)  # with no handles: a plain sleep

    def _stop_zygote(self) -> None:
        if self._zygote is not None:
            self._zygote.stop()
            self._zygote = None

    def end(self) -> None:
        for process in self._running.values():
            process.join()
        self.sync()
        self._stop_zygote()

    def terminate(self) -> None:
        for process in self._running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
        for process in self._running.values():
            process.join(TERMINATE_GRACE_SECONDS)
            if process.exitcode is None:
                process.kill()
                process.join()
        self.sync()
        self._stop_zygote()
