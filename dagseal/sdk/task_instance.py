"""``ti`` / ``task_instance`` and ``dag_run`` as the context gives them to user code.

``RuntimeTaskInstance`` asks the supervisor (the task <-> supervisor channel): it knows which DAG,
run, task and map index is asking, so the values here only name what to push or pull. Values
travel as JSON. ``TaskInstanceView`` is the Airflow-shaped object in the context; its XCom calls
go through the context's channel, which answers direct upstreams' values from the run_task
request and asks the supervisor for everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dagseal.sdk.record import Record
from dagseal.sdk.supervisor_comms import ask
from dagseal.sdk.xcom import ensure_json_serializable
from dagseal.sdk.xcom_channel import RETURN_VALUE

if TYPE_CHECKING:
    from dagseal.sdk.context import TaskContext

__all__ = ["XCOM_RETURN_KEY", "DagRunView", "RuntimeTaskInstance", "TaskInstanceView"]

XCOM_RETURN_KEY = RETURN_VALUE


class RuntimeTaskInstance(Record):
    """The running try's XCom calls, answered by the supervisor."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    map_index: int = -1

    def xcom_push(self, key: str, value: Any) -> None:
        ensure_json_serializable(value, self.task_id)
        ask({"type": "xcom_push", "key": key, "value": value})

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        key: str = XCOM_RETURN_KEY,
        include_prior_dates: bool = False,
    ) -> Any:
        """One task id → its value (None if it pushed none); several → a list in that order.

        ``task_ids=None`` pulls this task's own value. ``include_prior_dates`` also looks at earlier
        runs of this DAG (latest first) when this run has no value.
        """
        single = task_ids is None or isinstance(task_ids, str)
        ids = [self.task_id if task_ids is None else task_ids] if single else list(task_ids)  # type: ignore[arg-type]
        reply = ask(
            {"type": "xcom_pull", "task_ids": ids, "key": key, "include_prior_dates": include_prior_dates}
        )
        values = reply["values"]
        return values[0] if single else values


def _datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class DagRunView:
    """The running DAG run: ids, dates, trigger conf."""

    def __init__(self, context: TaskContext) -> None:
        self.dag_id = context.dag_id
        self.run_id = context.run_id
        self.run_type = context.run_type
        self.logical_date = _datetime(context.logical_date)
        self.data_interval_start = _datetime(context.data_interval_start)
        self.data_interval_end = _datetime(context.data_interval_end)
        self.conf = context.conf

    def __repr__(self) -> str:
        return f"<DagRun {self.dag_id} @ {self.run_id}>"


class TaskInstanceView:
    """The running try: ids, ``try_number``, ``map_index``, and XCom through the context's channel."""

    def __init__(self, context: TaskContext) -> None:
        self.dag_id = context.dag_id
        self.task_id = context.task_id
        self.run_id = context.run_id
        self.try_number = context.try_number
        self.map_index = context.map_index
        self.task = context.task
        self.logical_date = _datetime(context.logical_date)
        self._xcom = context.xcom

    def xcom_pull(
        self,
        task_ids: str | Sequence[str] | None = None,
        key: str = XCOM_RETURN_KEY,
        default: Any = None,
        include_prior_dates: bool = False,
        **airflow_options: Any,
    ) -> Any:
        """One value for one task id (``None``: this task), a list for a list of ids (Airflow's
        shape); default for None. ``include_prior_dates`` asks the supervisor for earlier runs."""
        for option, value in airflow_options.items():
            if option == "dag_id" and value in (None, self.dag_id):
                continue
            if option == "run_id" and value in (None, self.run_id):
                continue
            if option == "map_indexes" and value is None:
                continue
            raise TypeError(f"xcom_pull: option {option}={value!r} is not supported by dagseal")
        if task_ids is None or isinstance(task_ids, str):
            value = self._xcom.pull(task_ids or self.task_id, key, include_prior_dates)
            return default if value is None else value
        return [self._xcom.pull(task_id, key, include_prior_dates) for task_id in task_ids]

    def xcom_push(self, key: str, value: Any) -> None:
        self._xcom.push(key, value)

    def __repr__(self) -> str:
        return f"<TaskInstance {self.dag_id}.{self.task_id} {self.run_id} try {self.try_number}>"
