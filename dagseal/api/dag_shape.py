"""The shape of one DAG version that the graph and the grid draw: tasks in topological order,
their task groups, edge labels and which tasks are mapped.

Read from the stored JSON (``serialized_dag.data``), not through :class:`SerializedDag`, so the
pages draw groups, labels and mapped tasks from any schema that carries them (``task_groups``,
``edge_labels``, a task's ``task_group`` and ``expand_input``, as the Airflow-compat branch
writes them) and simply draw none from one that does not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any

from sqlalchemy.orm import Session

from dagseal.db.models import SerializedDagModel
from dagseal.scheduler.dag_bag import MissingDagVersionError

__all__ = ["DAG_SHAPES", "DagShape", "ShapeGroup", "ShapeTask"]


@dataclass(frozen=True)
class ShapeTask:
    task_id: str
    operator: str
    upstream: tuple[str, ...]
    downstream: tuple[str, ...]
    group: str | None = None  # innermost task group
    mapped: bool = False  # expanded at run time into map_index 0..n-1


@dataclass(frozen=True)
class ShapeGroup:
    group_id: str
    parent: str | None
    label: str


@dataclass(frozen=True)
class DagShape:
    dag_id: str
    tasks: Mapping[str, ShapeTask]  # in topological order: every task after its upstream tasks
    groups: Mapping[str, ShapeGroup]
    labels: Mapping[tuple[str, str], str]  # (upstream, downstream) → edge label

    @classmethod
    def of_json(cls, dag: Mapping[str, Any]) -> DagShape:
        """From a serialized DAG's ``dag`` object (the envelope's inside)."""
        tasks = {
            task["task_id"]: ShapeTask(
                task_id=task["task_id"],
                operator=task["operator"],
                upstream=tuple(task.get("upstream_task_ids", ())),
                downstream=tuple(task.get("downstream_task_ids", ())),
                group=task.get("task_group"),
                mapped=task.get("expand_input") is not None,
            )
            for task in dag.get("tasks", ())
        }
        order = TopologicalSorter({t: set(task.upstream) for t, task in tasks.items()}).static_order()
        groups = {
            group["group_id"]: ShapeGroup(
                group_id=group["group_id"],
                parent=group.get("parent_group"),
                label=group.get("group_display_name") or group["group_id"].rsplit(".", 1)[-1],
            )
            for group in dag.get("task_groups", ())
        }
        labels = {
            (label["upstream_task_id"], label["downstream_task_id"]): label["label"]
            for label in dag.get("edge_labels", ())
        }
        return cls(dag["dag_id"], {t: tasks[t] for t in order}, groups, labels)

    def group_path(self, task_id: str) -> tuple[str, ...]:
        """The task's groups, outermost first (empty for a task outside every group)."""
        path: list[str] = []
        group = self.tasks[task_id].group
        while group is not None and group not in path:
            path.insert(0, group)
            parent = self.groups.get(group)
            group = parent.parent if parent else None
        return tuple(path)


class DagShapes:
    """Shapes by dag_hash; a ``serialized_dag`` row never changes, so each is read once."""

    def __init__(self) -> None:
        self._by_hash: dict[str, DagShape] = {}

    def get(self, session: Session, dag_hash: str) -> DagShape:
        cached = self._by_hash.get(dag_hash)
        if cached is None:
            row = session.get(SerializedDagModel, dag_hash)
            if row is None:
                raise MissingDagVersionError(f"serialized DAG {dag_hash} is not in the database")
            cached = self._by_hash[dag_hash] = DagShape.of_json(json.loads(row.data)["dag"])
        return cached


DAG_SHAPES = DagShapes()
