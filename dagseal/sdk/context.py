"""The running task's context: Airflow 3's keys (``ds``, ``ti``, ``params`` …) as a read-only mapping.

Built by the sandbox before it calls user code and reachable through get_current_context().
The date keys are computed on first access, so a task that never looks pays nothing.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from dagseal.sdk.record import Record, factory, replace
from dagseal.sdk.xcom_channel import UpstreamResults, XComChannel


class TaskContext(Record, Mapping[str, Any]):
    """Identity and inputs of one task try; also a mapping of Airflow's context keys."""

    record_uncompared = frozenset({"dag", "task", "xcom", "extra"})

    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    logical_date: str | None = None
    params: dict[str, Any] = factory(dict)
    conf: dict[str, Any] = factory(dict)
    map_index: int = -1
    data_interval_start: str | None = None
    data_interval_end: str | None = None
    run_type: str | None = None
    dag: Any = None
    task: Any = None
    xcom: XComChannel = factory(lambda: UpstreamResults({}))
    sensor_started_at: str | None = None  # reschedule-mode sensors: when the first poke started
    extra: dict[str, Any] = factory(dict)

    def _mapping(self) -> dict[str, Any]:
        """The context keys, computed on first use and kept beside the fields."""
        values = self.__dict__.get("_values")
        if values is None:
            from dagseal.sdk.context_values import airflow_context

            values = self.__dict__["_values"] = {**airflow_context(self), **self.extra}
        return values

    def __getitem__(self, key: str) -> Any:
        return self._mapping()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def with_extra(self, **values: Any) -> "TaskContext":
        """A copy with more keys (e.g. ``templates_dict``), as Airflow operators add them."""
        return replace(self, extra={**self.extra, **values})

    @property
    def logical_datetime(self) -> datetime | None:
        return None if self.logical_date is None else datetime.fromisoformat(self.logical_date)

    @property
    def ti(self) -> Any:
        """``context["ti"]``: ``xcom_push``/``xcom_pull`` through the supervisor."""
        return self["ti"]


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
