"""Airflow 3's context keys computed from a TaskContext (dates formatted as Airflow formats them)."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from dagseal.sdk.connection import Connection
from dagseal.sdk.macros import macros
from dagseal.sdk.task_instance import DagRunView, TaskInstanceView
from dagseal.sdk.variable import Variable

if TYPE_CHECKING:
    from dagseal.sdk.context import TaskContext


def date_keys(logical_date: datetime) -> dict[str, Any]:
    """``ds``, ``ds_nodash``, ``ts``, ``ts_nodash``, ``ts_nodash_with_tz`` of a logical date."""
    ts = logical_date.isoformat()
    ds = logical_date.strftime("%Y-%m-%d")
    return {
        "ds": ds,
        "ds_nodash": ds.replace("-", ""),
        "ts": ts,
        "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": ts.replace("-", "").replace(":", ""),
    }


class _VariableValues:
    """``var.value.<key>`` / ``var.json.<key>``: the team's Variables, asked of the supervisor."""

    def __init__(self, deserialize_json: bool) -> None:
        self._json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        return Variable.get(key, deserialize_json=self._json)

    def get(self, key: str, default: Any = None) -> Any:
        return Variable.get(key, default=default, deserialize_json=self._json)


class _VariableAccessor:
    """Airflow's ``var`` context key."""

    value = _VariableValues(deserialize_json=False)
    json = _VariableValues(deserialize_json=True)


class _ConnectionAccessor:
    """Airflow's ``conn`` context key: ``conn.<conn_id>`` is ``Connection.get(conn_id)``."""

    def __getattr__(self, conn_id: str) -> Connection:
        return Connection.get(conn_id)

    def get(self, conn_id: str) -> Connection:
        return Connection.get(conn_id)


def airflow_context(context: "TaskContext") -> dict[str, Any]:
    """Every key this build provides; date keys only when the run has a logical date (as in Airflow 3)."""
    ti = TaskInstanceView(context)
    dag_run = DagRunView(context)
    values: dict[str, Any] = {
        "dag": context.dag,
        "task": context.task,
        "ti": ti,
        "task_instance": ti,
        "dag_run": dag_run,
        "run_id": context.run_id,
        "params": context.params,
        "conf": context.conf,
        "macros": macros,
        "var": _VariableAccessor(),
        "conn": _ConnectionAccessor(),
        "map_index": context.map_index,
        "logical_date": context.logical_datetime,
        "data_interval_start": dag_run.data_interval_start,
        "data_interval_end": dag_run.data_interval_end,
    }
    logical = context.logical_datetime
    if logical is not None:
        values.update(date_keys(logical))
        values["task_instance_key_str"] = f"{context.dag_id}__{context.task_id}__{values['ds_nodash']}"
    return values
