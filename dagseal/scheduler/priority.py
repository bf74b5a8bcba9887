"""Effective priority weights by ``weight_rule``, as Airflow computes them.

``downstream`` (the default): the task's own weight plus that of every task downstream of it, so
the tasks that unblock the most work go first; ``upstream``: plus every task upstream of it, so
runs that are further along finish first; ``absolute``: its own weight only.
"""

from __future__ import annotations

from collections.abc import Mapping

from dagseal.serialization import SerializedTask


def _reach(tasks: Mapping[str, SerializedTask], start: str, downstream: bool) -> set[str]:
    """Every task reachable from ``start`` (excluded) along downstream or upstream edges."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        task = tasks[todo.pop()]
        for other in task.downstream_task_ids if downstream else task.upstream_task_ids:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def priority_weights(tasks: Mapping[str, SerializedTask]) -> dict[str, int]:
    """task_id → the priority_weight its task instances get."""
    weights = {}
    for task_id, task in tasks.items():
        if task.weight_rule == "absolute":
            weights[task_id] = task.priority_weight
        else:
            others = _reach(tasks, task_id, downstream=task.weight_rule == "downstream")
            weights[task_id] = task.priority_weight + sum(tasks[other].priority_weight for other in others)
    return weights
