"""Which Celery queue a try is sent to: its task's ``queue`` in the run's pinned DAG version.

``queue=`` on a task (or in ``default_args``) sends its tries to that queue, so a team can have
worker hosts of its own (``dagseal celery worker -q team_x``); tasks without one go to ``[celery]
default_queue``. The queue comes from the run's serialized DAG (``dag_hash``), never from an image
digest: digests change with every deploy, queues are stable names.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.scheduler.dag_bag import SerializedDagBag


class TaskQueues:
    """Looks a try's queue up (one query per try; each DAG version is structured once)."""

    def __init__(self, factory: sessionmaker[Session], default_queue: str) -> None:
        self._factory = factory
        self._default = default_queue
        self._bag = SerializedDagBag()

    def queue_of(self, ti_id: int) -> str:
        with session_scope(self._factory) as session:
            dag_hash, task_id = session.execute(
                select(DagRunModel.dag_hash, TaskInstanceModel.task_id)
                .join(DagRunModel, DagRunModel.id == TaskInstanceModel.dag_run_id)
                .where(TaskInstanceModel.id == ti_id)
            ).one()
            task = self._bag.get(session, dag_hash).get_task(task_id)
        return task.queue or self._default
