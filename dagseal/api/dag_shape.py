"""The shape of one DAG version that the graph and the grid draw: tasks in topological order,
their task groups, edge labels and which tasks are mapped, taken from the decoded
:class:`SerializedDag` (the server's one :data:`~dagseal.api.serialized.DAG_BAG`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dagseal.api.serialized import DAG_BAG
from dagseal.scheduler.dag_bag import DagVersion

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
    def of(cls, version: DagVersion) -> DagShape:
        """From a decoded DAG version (its topological order is already computed)."""
        tasks = {
            task_id: ShapeTask(
                task_id=task_id,
                operator=task.operator,
                upstream=tuple(task.upstream_task_ids),
                downstream=tuple(task.downstream_task_ids),
                group=task.task_group,
                mapped=task.expand_input is not None,
            )
            for task_id, task in ((t, version.tasks[t]) for t in version.order)
        }
        groups = {
            group.group_id: ShapeGroup(
                group_id=group.group_id,
                parent=group.parent_group,
                label=group.group_display_name or group.group_id.rsplit(".", 1)[-1],
            )
            for group in version.dag.task_groups
        }
        labels = {
            (label.upstream_task_id, label.downstream_task_id): label.label
            for label in version.dag.edge_labels
        }
        return cls(version.dag.dag_id, tasks, groups, labels)

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
    """Shapes by dag_hash; a ``serialized_dag`` row never changes, so each is derived once."""

    def __init__(self) -> None:
        self._by_hash: dict[str, DagShape] = {}

    def get(self, session: Session, dag_hash: str) -> DagShape:
        cached = self._by_hash.get(dag_hash)
        if cached is None:
            cached = self._by_hash[dag_hash] = DagShape.of(DAG_BAG.version(session, dag_hash))
        return cached


DAG_SHAPES = DagShapes()
