"""Which Celery queue a try is sent to: its task's ``queue`` in the run's pinned DAG version.

``queue=`` on a task (or in ``default_args``) sends its tries to that queue, so a team can have
worker hosts of its own (``dagseal celery worker -q team_x``); tasks without one go to ``[celery]
default_queue``. The queue comes from the run's serialized DAG (``dag_hash``), never from an image
digest: digests change with every deploy, queues are stable names.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, SerializedDagModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.serialization import dag_from_envelope


class TaskQueues:
    """Looks a try's queue up (one query per try; each DAG version is structured once). It reads the
    serialized DAG itself rather than through the scheduler's DAG bag: the executor never imports
    the scheduler."""

    def __init__(self, factory: sessionmaker[Session], default_queue: str) -> None:
        self._factory = factory
        self._default = default_queue
        self._by_hash: dict[str, dict[str, str | None]] = {}  # dag_hash -> task_id -> queue

    def queue_of(self, ti_id: int) -> str:
        with session_scope(self._factory) as session:
            dag_hash, task_id = session.execute(
                select(DagRunModel.dag_hash, TaskInstanceModel.task_id)
                .join(DagRunModel, DagRunModel.id == TaskInstanceModel.dag_run_id)
                .where(TaskInstanceModel.id == ti_id)
            ).one()
            queues = self._by_hash.get(dag_hash)
            if queues is None:
                queues = self._by_hash[dag_hash] = self._queues_of_version(session, dag_hash)
        return queues[task_id] or self._default

    @staticmethod
    def _queues_of_version(session: Session, dag_hash: str) -> dict[str, str | None]:
        data = session.execute(
            select(SerializedDagModel.data).where(SerializedDagModel.dag_hash == dag_hash)
        ).scalar_one()
        return {task.task_id: task.queue for task in dag_from_envelope(json.loads(data)).tasks}
