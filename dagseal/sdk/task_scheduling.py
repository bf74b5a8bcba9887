"""A task's scheduling settings (Airflow's names and defaults), checked where the DAG file sets them.

Pools, per-task concurrency caps, priority weight rules, ``depends_on_past`` /
``wait_for_downstream`` and exponential retry backoff only steer the host's scheduler; the
sandbox never acts on them.
"""

from datetime import timedelta
from typing import Any

from dagseal.sdk.exceptions import DagDefinitionError

__all__ = ["DEFAULT_POOL", "SCHEDULING_DEFAULTS", "WEIGHT_RULES", "check_scheduling"]

DEFAULT_POOL = "default_pool"
WEIGHT_RULES = ("downstream", "upstream", "absolute")

SCHEDULING_DEFAULTS: dict[str, Any] = {
    "pool": DEFAULT_POOL,
    "pool_slots": 1,
    "max_active_tis_per_dag": None,
    "max_active_tis_per_dagrun": None,
    "weight_rule": "downstream",
    "depends_on_past": False,
    "wait_for_downstream": False,
    "retry_exponential_backoff": False,
    "max_retry_delay": None,
}


def _positive_int(task_id: str, name: str, value: Any, *, optional: bool) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise DagDefinitionError(f"task {task_id!r}: {name} must be an int >= 1, got {value!r}")
    return value


def check_scheduling(task_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The settings, checked and normalized (``wait_for_downstream`` implies ``depends_on_past``)."""
    pool = settings["pool"]
    if not isinstance(pool, str) or not pool:
        raise DagDefinitionError(f"task {task_id!r}: pool must be a non-empty string, got {pool!r}")
    weight_rule = str(getattr(settings["weight_rule"], "value", settings["weight_rule"]))
    if weight_rule not in WEIGHT_RULES:
        raise DagDefinitionError(
            f"task {task_id!r}: unknown weight_rule {weight_rule!r}; use one of {', '.join(WEIGHT_RULES)}"
        )
    max_delay = settings["max_retry_delay"]
    if isinstance(max_delay, int | float) and not isinstance(max_delay, bool):
        max_delay = timedelta(seconds=max_delay)
    if max_delay is not None and (not isinstance(max_delay, timedelta) or max_delay <= timedelta(0)):
        raise DagDefinitionError(
            f"task {task_id!r}: max_retry_delay must be a positive timedelta, got {max_delay!r}"
        )
    wait = bool(settings["wait_for_downstream"])
    return {
        "pool": pool,
        "pool_slots": _positive_int(task_id, "pool_slots", settings["pool_slots"], optional=False),
        "max_active_tis_per_dag": _positive_int(
            task_id, "max_active_tis_per_dag", settings["max_active_tis_per_dag"], optional=True
        ),
        "max_active_tis_per_dagrun": _positive_int(
            task_id, "max_active_tis_per_dagrun", settings["max_active_tis_per_dagrun"], optional=True
        ),
        "weight_rule": weight_rule,
        "depends_on_past": bool(settings["depends_on_past"]) or wait,
        "wait_for_downstream": wait,
        "retry_exponential_backoff": bool(settings["retry_exponential_backoff"]),
        "max_retry_delay": max_delay,
    }
