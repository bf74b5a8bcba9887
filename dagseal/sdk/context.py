"""The running task's context, reachable from user code through get_current_context()."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from attrs import field, frozen

from dagseal.sdk.task_instance import RuntimeTaskInstance


@frozen
class TaskContext:
    """Identity and inputs of one task try; built by the sandbox before it calls user code."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    logical_date: str | None = None
    params: dict[str, Any] = field(factory=dict)
    conf: dict[str, Any] = field(factory=dict)

    @property
    def ti(self) -> RuntimeTaskInstance:
        """The try's task instance: ``xcom_push``/``xcom_pull`` through the supervisor."""
        return RuntimeTaskInstance(self.dag_id, self.task_id, self.run_id, self.try_number)


_current: ContextVar[TaskContext | None] = ContextVar("dagseal_task_context", default=None)


def get_current_context() -> TaskContext:
    """Return the context of the task being executed; only valid inside a running task."""
    context = _current.get()
    if context is None:
        raise RuntimeError("get_current_context() called outside a running task")
    return context


@contextmanager
def task_context(context: TaskContext) -> Iterator[TaskContext]:
    """Make ``context`` current while a task's code runs (used by the sandbox)."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
