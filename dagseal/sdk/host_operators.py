"""Operators the scheduler carries out itself: no user code, no sandbox, no executor slot.

ExternalTaskSensor reads other DAGs' task states, TriggerDagRunOperator creates a run of another
DAG (and may wait for it), LatestOnlyOperator skips its downstream tasks unless its run is the
latest scheduled one. Each is serialized as a ``host_operator`` spec that
``dagseal.scheduler.host_tasks`` evaluates; calling ``execute`` in a sandbox is an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import DagDefinitionError

__all__ = ["ExternalTaskSensor", "HostOperator", "LatestOnlyOperator", "TriggerDagRunOperator"]

_STATES = frozenset({"success", "failed", "skipped", "upstream_failed", "queued", "running"})


def _states(task_id: str, name: str, values: Iterable[str] | None, default: list[str]) -> list[str]:
    chosen = sorted(set(default if values is None else values))
    unknown = [state for state in chosen if state not in _STATES]
    if unknown:
        raise DagDefinitionError(f"task {task_id!r}: {name} has unknown state {unknown[0]!r}")
    return chosen


def _seconds(task_id: str, name: str, value: timedelta | float) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        raise DagDefinitionError(f"task {task_id!r}: {name} must be a timedelta or seconds, got {value!r}")
    return float(seconds)


class HostOperator(BaseOperator):
    """Base of the operators the scheduler runs; ``host_spec`` is what it needs to know."""

    def host_spec(self) -> dict[str, Any]:
        raise NotImplementedError(f"{self.operator_name} must describe itself in host_spec()")

    def execute(self, context: TaskContext) -> Any:
        raise RuntimeError(f"{self.operator_name} is carried out by the scheduler, never in a sandbox")


class ExternalTaskSensor(HostOperator):
    """Waits for a task (or, without ``external_task_id``, the whole run) of another DAG at the same
    logical date (minus ``execution_delta``) to reach one of ``allowed_states``."""

    def __init__(
        self,
        *,
        task_id: str,
        external_dag_id: str,
        external_task_id: str | None = None,
        allowed_states: Iterable[str] | None = None,
        failed_states: Iterable[str] | None = None,
        execution_delta: timedelta | None = None,
        execution_date_fn: object = None,
        timeout: timedelta | float = 7 * 24 * 3600,
        soft_fail: bool = False,
        poke_interval: timedelta | float = 60,
        mode: str = "poke",
        **kwargs: Any,
    ) -> None:
        if execution_date_fn is not None:
            raise DagDefinitionError(
                f"task {task_id!r}: execution_date_fn is user code, which the scheduler never runs; "
                "use execution_delta"
            )
        if mode not in ("poke", "reschedule"):
            raise DagDefinitionError(f"task {task_id!r}: mode must be 'poke' or 'reschedule', got {mode!r}")
        super().__init__(task_id=task_id, **kwargs)
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.allowed_states = _states(task_id, "allowed_states", allowed_states, ["success"])
        self.failed_states = _states(task_id, "failed_states", failed_states, [])
        self.execution_delta = _seconds(task_id, "execution_delta", execution_delta or timedelta(0))
        self.timeout = _seconds(task_id, "timeout", timeout)
        self.soft_fail = bool(soft_fail)
        self.poke_interval = _seconds(
            task_id, "poke_interval", poke_interval
        )  # the scheduler checks every pass

    def host_spec(self) -> dict[str, Any]:
        return {
            "kind": "external_task",
            "external_dag_id": self.external_dag_id,
            "external_task_id": self.external_task_id,
            "allowed_states": self.allowed_states,
            "failed_states": self.failed_states,
            "execution_delta": self.execution_delta,
            "timeout": self.timeout,
            "soft_fail": self.soft_fail,
        }


class TriggerDagRunOperator(HostOperator):
    """Queues a run of ``trigger_dag_id``; with ``wait_for_completion`` it ends as that run ends."""

    def __init__(
        self,
        *,
        task_id: str,
        trigger_dag_id: str,
        trigger_run_id: str | None = None,
        conf: dict[str, Any] | None = None,
        logical_date: datetime | str | None = None,
        wait_for_completion: bool = False,
        allowed_states: Iterable[str] | None = None,
        failed_states: Iterable[str] | None = None,
        poke_interval: timedelta | float = 60,
        reset_dag_run: bool = False,
        **kwargs: Any,
    ) -> None:
        if reset_dag_run:
            raise DagDefinitionError(f"task {task_id!r}: reset_dag_run=True is not supported")
        if conf is not None and not isinstance(conf, dict):
            raise DagDefinitionError(f"task {task_id!r}: conf must be a dict, got {type(conf).__name__}")
        if isinstance(logical_date, datetime):
            logical_date = (
                logical_date if logical_date.tzinfo else logical_date.replace(tzinfo=UTC)
            ).isoformat()
        super().__init__(task_id=task_id, **kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = dict(conf or {})
        self.logical_date = logical_date
        self.wait_for_completion = bool(wait_for_completion)
        self.allowed_states = _states(task_id, "allowed_states", allowed_states, ["success"])
        self.failed_states = _states(task_id, "failed_states", failed_states, ["failed"])
        self.poke_interval = _seconds(task_id, "poke_interval", poke_interval)

    def host_spec(self) -> dict[str, Any]:
        return {
            "kind": "trigger_dag_run",
            "trigger_dag_id": self.trigger_dag_id,
            "trigger_run_id": self.trigger_run_id,
            "conf": self.conf,
            "logical_date": self.logical_date,
            "wait_for_completion": self.wait_for_completion,
            "allowed_states": self.allowed_states,
            "failed_states": self.failed_states,
        }


class LatestOnlyOperator(HostOperator):
    """Skips its direct downstream tasks unless its run is the DAG's latest scheduled run (manual
    runs always go on), as Airflow's LatestOnlyOperator."""

    def host_spec(self) -> dict[str, Any]:
        return {"kind": "latest_only"}
