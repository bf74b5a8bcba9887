"""``ti`` / ``task_instance`` and ``dag_run`` as the context gives them to user code."""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dagseal.sdk.xcom_channel import RETURN_VALUE

if TYPE_CHECKING:
    from dagseal.sdk.context import TaskContext


def _datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class DagRunView:
    """The running DAG run: ids, dates, trigger conf."""

    def __init__(self, context: "TaskContext") -> None:
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

    def __init__(self, context: "TaskContext") -> None:
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
        key: str = RETURN_VALUE,
        default: Any = None,
        **airflow_options: Any,
    ) -> Any:
        """One value for one task id, a list for a list of ids (Airflow's shape); default for None."""
        for option, value in airflow_options.items():
            if option == "dag_id" and value in (None, self.dag_id):
                continue
            if option == "run_id" and value in (None, self.run_id):
                continue
            if option in ("include_prior_dates", "map_indexes") and value in (None, False):
                continue
            raise TypeError(f"xcom_pull: option {option}={value!r} is not supported by dagseal")
        if task_ids is None:
            raise TypeError("xcom_pull: give task_ids (dagseal has no 'all tasks' pull)")
        if isinstance(task_ids, str):
            value = self._xcom.pull(task_ids, key)
            return default if value is None else value
        return [self._xcom.pull(task_id, key) for task_id in task_ids]

    def xcom_push(self, key: str, value: Any) -> None:
        self._xcom.push(key, value)

    def __repr__(self) -> str:
        return f"<TaskInstance {self.dag_id}.{self.task_id} {self.run_id} try {self.try_number}>"
