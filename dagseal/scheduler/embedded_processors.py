"""DAG processors run inside the scheduler process, one thread per DAG directory.

Used by ``dagseal standalone`` (always) and by ``dagseal scheduler`` when
``[scheduler] standalone_dag_processor = False``. Callback requests are ``callback_request`` rows
in both modes, committed with the state change that caused them; :meth:`EmbeddedProcessors.wake`
only cuts a processor's sleep short so it claims them at once (a lost wake costs one
``processor_loop_sleep``: the loop polls the table anyway).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import Config
from dagseal.db.models import CallbackRequestModel
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.placement import Placement
from dagseal.processor import DagProcessorManager

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
        self, config: Config, placement: Placement, factory: sessionmaker[Session], directories: list[Path]
    ) -> None:
        self._factory = factory
        self._stop = threading.Event()
        self._managers = [
            DagProcessorManager.from_config(config, placement, directory, factory)
            for directory in directories
        ]
        self._wakes = {manager.processor_subdir: threading.Event() for manager in self._managers}
        self.loops = {manager.processor_subdir: 0 for manager in self._managers}
        self._threads = [
            threading.Thread(
                target=self._loop, args=(manager,), name=f"dagseal-processor-{index}", daemon=True
            )
            for index, manager in enumerate(self._managers)
        ]

    def wake(self) -> None:
        """A callback request was committed: every processor claims this directory's rows now."""
        for event in self._wakes.values():
            event.set()

    def pending_callbacks(self) -> int:
        """Callback requests not yet run and recorded by a processor."""
        with session_scope(self._factory) as session:
            return session.scalar(select(func.count()).select_from(CallbackRequestModel))

    def _loop(self, manager: DagProcessorManager) -> None:
        wake = self._wakes[manager.processor_subdir]
        with manager:
            while not self._stop.is_set():
                wake.clear()  # before the loop claims: a wake set from here on ends the next sleep
                try:
                    manager.run_once()
                except Exception:
                    log.exception("DAG processor loop for %s failed; retrying", manager.processor_subdir)
                self.loops[manager.processor_subdir] += 1
                wake.wait(manager.settings.loop_sleep)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join()
