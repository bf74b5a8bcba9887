"""DAG processors run inside the scheduler process, one thread per DAG directory.

Used by ``dagseal standalone`` (always) and by ``dagseal scheduler`` when
``[scheduler] standalone_dag_processor = False``. In that mode callback requests travel through a
``PipeCallbackSink`` routed by ``processor_subdir`` to the owning processor's queue; otherwise
they are ``callback_request`` rows the processors claim.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.callbacks.base import BaseCallbackSink
from dagseal.callbacks.database_sink import DatabaseCallbackSink
from dagseal.callbacks.pipe_sink import PipeCallbackSink
from dagseal.config import Config
from dagseal.db.models import CallbackRequestModel
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.placement import Placement
from dagseal.processor import DagProcessorManager, QueueCallbackSource
from dagseal.serialization import CallbackRequest

log = logging.getLogger(__name__)


def processor_directories(dags_folder: str | Path) -> list[Path]:
    """Every team folder under ``dags_folder`` (e.g. ``dag_repos/team_x``), or the folder itself."""
    root = Path(dags_folder).resolve()
    if not root.is_dir():
        raise DagsealError(f"DAG folder {dags_folder} does not exist or is not a directory")
    children = sorted(
        child
        for child in root.iterdir()
        if child.is_dir() and not child.name.startswith((".", "_", "bazel-"))
    )
    return children or [root]


class EmbeddedProcessors:
    """One processor thread per directory; ``loops`` counts finished loops (for until-idle checks)."""

    def __init__(
        self,
        config: Config,
        placement: Placement,
        factory: sessionmaker[Session],
        directories: list[Path],
        use_pipe: bool,
    ) -> None:
        self._factory = factory
        self._stop = threading.Event()
        self._queues: dict[str, queue.Queue[CallbackRequest]] = {}
        self._managers: list[DagProcessorManager] = []
        for directory in directories:
            requests: queue.Queue[CallbackRequest] = queue.Queue()
            source = QueueCallbackSource(requests) if use_pipe else None
            manager = DagProcessorManager.from_config(config, placement, directory, factory, callbacks=source)
            self._managers.append(manager)
            if use_pipe:
                self._queues[manager.processor_subdir] = requests
        self.loops = {manager.processor_subdir: 0 for manager in self._managers}
        self._threads = [
            threading.Thread(
                target=self._loop, args=(manager,), name=f"dagseal-processor-{index}", daemon=True
            )
            for index, manager in enumerate(self._managers)
        ]

    def callback_sink(self) -> BaseCallbackSink:
        """Where the scheduler's executor sends callback requests for these processors."""
        if self._queues:
            return PipeCallbackSink(self._route)
        return DatabaseCallbackSink(self._factory)

    def _route(self, request: CallbackRequest) -> None:
        target = self._queues.get(request.processor_subdir or "")
        if target is None:
            log.warning(
                "callback for DAG %s dropped: no embedded processor for %s",
                request.dag_id,
                request.processor_subdir,
            )
            return
        target.put(request)

    def pending_callbacks(self) -> int:
        """Callback requests not yet taken by a processor (queued in memory or as rows)."""
        if self._queues:
            return sum(q.qsize() for q in self._queues.values())
        with session_scope(self._factory) as session:
            return session.scalar(select(func.count()).select_from(CallbackRequestModel))

    def _loop(self, manager: DagProcessorManager) -> None:
        with manager:
            while not self._stop.is_set():
                try:
                    manager.run_once()
                except Exception:
                    log.exception("DAG processor loop for %s failed; retrying", manager.processor_subdir)
                self.loops[manager.processor_subdir] += 1
                self._stop.wait(manager.settings.loop_sleep)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
