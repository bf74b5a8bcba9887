"""Which Celery queue a try is sent to: its task's ``queue``, else its file's runtime.yaml ``queue:``.

``queue=`` on a task (or in ``default_args``) sends its tries to that queue; a DAG file whose
runtime.yaml (the directory's, then ``<stem>.runtime.yaml``) says ``queue: team_x`` sends the tries
of its tasks without one there, so a team can have worker hosts of its own (``dagseal celery
worker -q team_x``); everything else goes to ``[celery] default_queue``. The task's queue comes
from the run's serialized DAG (``dag_hash``); runtime.yaml is read on this (the scheduler's) host,
where the DAG folders are. Never a queue per image digest: digests change with every deploy,
queues are stable names.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, DagRunModel, SerializedDagModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.placement import Placement, dag_folder_of
from dagseal.serialization import dag_from_envelope

log = logging.getLogger(__name__)


class TaskQueues:
    """Looks a try's queue up (one query per try; each DAG version is structured once, runtime.yaml
    files are re-read only when they change). It reads the serialized DAG itself rather than through
    the scheduler's DAG bag: the executor never imports the scheduler."""

    def __init__(self, factory: sessionmaker[Session], default_queue: str, placement: Placement) -> None:
        self._factory = factory
        self._default = default_queue
        self._placement = placement
        self._by_hash: dict[str, dict[str, str | None]] = {}  # dag_hash -> task_id -> queue

    def queue_of(self, ti_id: int) -> str:
        with session_scope(self._factory) as session:
            dag_hash, task_id, dag = session.execute(
                select(DagRunModel.dag_hash, TaskInstanceModel.task_id, DagModel)
                .join(DagRunModel, DagRunModel.id == TaskInstanceModel.dag_run_id)
                .join(DagModel, DagModel.dag_id == TaskInstanceModel.dag_id)
                .where(TaskInstanceModel.id == ti_id)
            ).one()
            queues = self._by_hash.get(dag_hash)
            if queues is None:
                queues = self._by_hash[dag_hash] = self._queues_of_version(session, dag_hash)
            folder, relative_fileloc = dag_folder_of(dag), dag.relative_fileloc
        return queues[task_id] or self._file_queue(folder, relative_fileloc) or self._default

    def _file_queue(self, folder: str, relative_fileloc: str) -> str | None:
        try:
            return self._placement.task_queue(folder, relative_fileloc)
        except DagsealError as exc:  # the try goes to the default queue, where its sandbox says why
            log.warning("runtime.yaml queue of %s/%s not read: %s", folder, relative_fileloc, exc)
            return None

    @staticmethod
    def _queues_of_version(session: Session, dag_hash: str) -> dict[str, str | None]:
        data = session.execute(
            select(SerializedDagModel.data).where(SerializedDagModel.dag_hash == dag_hash)
        ).scalar_one()
        return {task.task_id: task.queue for task in dag_from_envelope(json.loads(data)).tasks}
