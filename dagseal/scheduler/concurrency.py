"""Which scheduled tries may be queued now: pools, ``max_active_tasks`` per DAG, and
``max_active_tis_per_dag`` / ``max_active_tis_per_dagrun`` per task (Airflow's limits).

A try holds its pool's ``pool_slots`` and counts against every limit while it is queued or
running. On PostgreSQL the pool rows are locked ``FOR UPDATE`` for the queueing transaction, so
schedulers queue one after another and every count they read is the committed one: two
schedulers never exceed a limit together. A try whose pool does not exist fails at queueing.
"""

from __future__ import annotations

from collections import Counter
from enum import Enum

from attrs import frozen
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dagseal.db.models import SlotPoolModel, TaskInstanceModel
from dagseal.lifecycle.locking import is_postgres
from dagseal.lifecycle.states import TaskState
from dagseal.serialization import SerializedDag, SerializedTask

_HOLDING = (TaskState.QUEUED.value, TaskState.RUNNING.value)


class Verdict(Enum):
    QUEUE = "queue"
    WAIT = "wait"
    FAIL = "fail"


@frozen
class Candidate:
    """A scheduled try, with what the limits need to know about it."""

    ti_id: int
    dag_id: str
    run_id: str
    task_id: str
    dag_run_id: int
    pool: str
    pool_slots: int


class QueueGate:
    """The limits' free capacity for one queueing pass; ``take`` books a queued try against them."""

    def __init__(self, session: Session) -> None:
        query = select(SlotPoolModel.pool, SlotPoolModel.slots).order_by(SlotPoolModel.pool)
        if is_postgres(session):
            query = query.with_for_update()
        self._pool_size = dict(session.execute(query).all())
        self._pool_used = Counter(
            self._grouped(session, TaskInstanceModel.pool, total=TaskInstanceModel.pool_slots)
        )
        self._per_dag = Counter(self._grouped(session, TaskInstanceModel.dag_id))
        self._per_task = Counter(self._grouped(session, TaskInstanceModel.dag_id, TaskInstanceModel.task_id))
        self._per_run_task = Counter(
            self._grouped(session, TaskInstanceModel.dag_run_id, TaskInstanceModel.task_id)
        )

    @staticmethod
    def _grouped(session: Session, *keys: object, total: object = None) -> dict[object, int]:
        """Queued and running tries (or their ``total``) per ``keys``."""
        amount = func.count() if total is None else func.sum(total)
        rows = session.execute(
            select(*keys, amount).where(TaskInstanceModel.state.in_(_HOLDING)).group_by(*keys)  # type: ignore[arg-type]
        ).all()
        return {(row[0] if len(keys) == 1 else tuple(row[:-1])): int(row[-1]) for row in rows}

    def verdict(self, candidate: Candidate, dag: SerializedDag, task: SerializedTask) -> tuple[Verdict, str]:
        """Whether ``candidate`` may be queued now, and if not, why (for the log or the failed try)."""
        size = self._pool_size.get(candidate.pool)
        if size is None:
            return Verdict.FAIL, f"pool {candidate.pool!r} does not exist; create it with `dagseal pools set`"
        if size >= 0 and self._pool_used[candidate.pool] + candidate.pool_slots > size:
            return Verdict.WAIT, f"pool {candidate.pool!r} is full ({size} slots)"
        if self._per_dag[candidate.dag_id] >= dag.max_active_tasks:
            return Verdict.WAIT, f"DAG {candidate.dag_id!r} is at max_active_tasks={dag.max_active_tasks}"
        limit = task.max_active_tis_per_dag
        if limit is not None and self._per_task[(candidate.dag_id, candidate.task_id)] >= limit:
            return Verdict.WAIT, f"task {candidate.task_id!r} is at max_active_tis_per_dag={limit}"
        limit = task.max_active_tis_per_dagrun
        if limit is not None and self._per_run_task[(candidate.dag_run_id, candidate.task_id)] >= limit:
            return Verdict.WAIT, f"task {candidate.task_id!r} is at max_active_tis_per_dagrun={limit}"
        return Verdict.QUEUE, ""

    def take(self, candidate: Candidate) -> None:
        self._pool_used[candidate.pool] += candidate.pool_slots
        self._per_dag[candidate.dag_id] += 1
        self._per_task[(candidate.dag_id, candidate.task_id)] += 1
        self._per_run_task[(candidate.dag_run_id, candidate.task_id)] += 1
