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
        self._pool_used: Counter[str] = Counter()
        self._per_dag: Counter[str] = Counter()
        self._per_task: Counter[tuple[str, str]] = Counter()
        self._per_run_task: Counter[tuple[int, str]] = Counter()
        # one grouped read of the holding tries feeds every limit (only the tries in flight)
        keys = (
            TaskInstanceModel.pool,
            TaskInstanceModel.dag_id,
            TaskInstanceModel.dag_run_id,
            TaskInstanceModel.task_id,
        )
        rows = session.execute(
            select(*keys, func.count(), func.sum(TaskInstanceModel.pool_slots))
            .where(TaskInstanceModel.state.in_(_HOLDING))
            .group_by(*keys)
        )
        for pool, dag_id, dag_run_id, task_id, count, slots in rows:
            self._pool_used[pool] += int(slots)
            self._per_dag[dag_id] += count
            self._per_task[(dag_id, task_id)] += count
            self._per_run_task[(dag_run_id, task_id)] += count

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
