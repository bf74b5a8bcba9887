"""A scheduler pass without an executor, for tests that start tries themselves (importable from
any test: pytest puts this folder, the root conftest's, on ``sys.path``)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import start_queued_runs
from dagseal.scheduler.host_tasks import NewRuns
from dagseal.scheduler.task_scheduling import queue_scheduled, schedule_running_runs
from dagseal.timeutil import utcnow


def queue_ready(factory: sessionmaker[Session]) -> dict[str, int]:
    """Start queued runs, decide their tasks and queue what is ready: task_id → ti id queued."""
    bag, now = SerializedDagBag(), utcnow()
    with session_scope(factory) as session:
        start_queued_runs(session, bag, now)
    with session_scope(factory) as session:
        schedule_running_runs(session, bag, now, NewRuns(Placement(PlacementSettings())))
    with session_scope(factory) as session:
        return {item.task_id: item.ti_id for item in queue_scheduled(session, 10, now)}
