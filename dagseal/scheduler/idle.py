"""``standalone --trigger DAG --until-idle``: trigger DAGs once parsed, stop once all work is done.

Idle means: every processor finished a loop (DAGs are parsed), no DAG run is queued or running,
no supervisor is running, no callback request is pending, and every processor has completed
one more loop since that was first seen (so callbacks it had fetched have run).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, DagRunModel
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.lifecycle.handoff import BaseExecutor
from dagseal.placement import Placement
from dagseal.scheduler.dagrun_creation import ACTIVE_RUN_STATES, trigger_dag
from dagseal.scheduler.embedded_processors import EmbeddedProcessors
from dagseal.timeutil import utcnow


class StandaloneMonitor:
    """The scheduler's ``after_pass`` hook in standalone mode; returns True to stop."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        executor: BaseExecutor,
        processors: EmbeddedProcessors,
        triggers: list[str],
        until_idle: bool,
        placement: Placement,
    ) -> None:
        self._factory = factory
        self._placement = placement
        self._executor = executor
        self._processors = processors
        self._triggers = list(triggers)
        self._until_idle = until_idle
        self._idle_since: dict[str, int] | None = None
        self.triggered: list[str] = []

    def _parsed_once(self) -> bool:
        return all(count > 0 for count in self._processors.loops.values())

    def _trigger_pending(self) -> None:
        with session_scope(self._factory) as session:
            for dag_id in list(self._triggers):
                dag = session.get(DagModel, dag_id)
                if dag is None or not dag.is_active:
                    raise DagsealError(
                        f"--trigger {dag_id}: no such active DAG after parsing; see `dagseal dags list`"
                    )
                run = trigger_dag(session, dag_id, {}, utcnow(), self._placement)
                self.triggered.append(f"{dag_id} {run.run_id}")
                self._triggers.remove(dag_id)

    def _busy(self) -> bool:
        if self._executor.running_count or self._processors.pending_callbacks():
            return True
        with session_scope(self._factory) as session:
            active = session.scalar(
                select(func.count()).select_from(DagRunModel).where(DagRunModel.state.in_(ACTIVE_RUN_STATES))
            )
        return bool(active)

    def __call__(self) -> bool:
        if not self._parsed_once():
            return False
        if self._triggers:
            self._trigger_pending()
            return False
        if not self._until_idle:
            return False
        if self._busy():
            self._idle_since = None
            return False
        loops = dict(self._processors.loops)
        if self._idle_since is None:
            self._idle_since = loops
            return False
        return all(loops[subdir] > seen for subdir, seen in self._idle_since.items())
