"""Row locking and conditional updates: how two schedulers (or a restarted one) never act twice.

PostgreSQL: candidate rows are selected ``FOR UPDATE SKIP LOCKED`` so concurrent schedulers split
the work. SQLite has no row locks (one scheduler at a time, enforced in ``job.py``); the same
conditional ``UPDATE ... WHERE state = <expected>`` guards every state change on both backends.
The per-try statements run on the session's connection (same transaction) rather than through the
ORM, whose per-statement and per-row bookkeeping cost more CPU than the statements themselves;
they never need the identity map.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, Update, update
from sqlalchemy.orm import Session

from dagseal.db.models import TaskInstanceModel
from dagseal.lifecycle.states import TaskState

_T = TypeVar("_T", bound=tuple[Any, ...])


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def skip_locked(session: Session, statement: Select[_T], of: Any = None) -> Select[_T]:
    """Lock the selected rows (of table ``of`` in a join) for this transaction, skipping rows another
    scheduler holds (PostgreSQL only)."""
    if is_postgres(session):
        return statement.with_for_update(skip_locked=True, of=of)
    return statement


def db_state(state: TaskState) -> str | None:
    """Task state as stored: NULL means ``none`` (not yet decided)."""
    return None if state is TaskState.NONE else state.value


def task_state(value: str | None) -> TaskState:
    return TaskState.NONE if value is None else TaskState(value)


def state_is(states: Iterable[TaskState]) -> Any:
    """SQL condition ``task_instance.state`` is one of ``states`` (NULL-aware for ``none``)."""
    states = list(states)
    named = [state.value for state in states if state is not TaskState.NONE]
    condition = TaskInstanceModel.state.in_(named)
    if TaskState.NONE in states:
        condition = condition | TaskInstanceModel.state.is_(None)
    return condition


def move_task(
    session: Session, ti_id: int, expected: Iterable[TaskState], target: TaskState, **values: Any
) -> bool:
    """Set a task instance to ``target`` only if it is still in one of ``expected``; True if it moved."""
    result = session.connection().execute(
        update(TaskInstanceModel)
        .where(TaskInstanceModel.id == ti_id, state_is(expected))
        .values(state=db_state(target), **values)
    )
    return result.rowcount == 1


def end_running_try(
    ti_id: int, job_id: int | None, state: TaskState, now: datetime, retry_delay: float, **values: Any
) -> Update:
    """The UPDATE that ends a running try still owned by supervisor job ``job_id`` (no row moves if it
    was taken away): ``state``, ``end_date`` and, for up_for_retry, ``next_retry_at``; plus ``values``.
    The supervisor (its own outcome) and zombie detection (a dead supervisor's) end tries alike."""
    return (
        update(TaskInstanceModel)
        .where(
            TaskInstanceModel.id == ti_id,
            TaskInstanceModel.state == TaskState.RUNNING.value,
            TaskInstanceModel.job_id == job_id,
        )
        .values(
            **{
                "state": db_state(state),
                "end_date": now,
                "next_retry_at": now + timedelta(seconds=retry_delay)
                if state is TaskState.UP_FOR_RETRY
                else None,
                **values,  # up_for_reschedule gives its own next_retry_at: the next poke
            }
        )
    )
