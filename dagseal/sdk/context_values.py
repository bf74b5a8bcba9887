"""Airflow 3's context keys computed from a TaskContext (dates formatted as Airflow formats them)."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from dagseal.sdk.macros import macros
from dagseal.sdk.task_instance import DagRunView, TaskInstanceView

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


class _NoVariables:
    """``var`` until the Variable channel exists: any use says so instead of rendering nothing."""

    def __getattr__(self, name: str) -> Any:
        raise LookupError(f"context 'var.{name}' needs Variables, which this dagseal build does not serve")


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
        "var": _NoVariables(),
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
