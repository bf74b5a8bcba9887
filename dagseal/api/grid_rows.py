"""The grid's rows: tasks nested under their task groups (a group row first, then its tasks and
inner groups, indented), over every version the shown runs used, the latest version first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dagseal.api.dag_shape import DagShape

Node = tuple[Literal["group", "task"], str]


@dataclass(frozen=True)
class GridRow:
    kind: Literal["group", "task"]
    id: str
    label: str
    depth: int  # how many groups enclose the row
    tasks: tuple[str, ...]  # the task itself, or every task inside the group
    mapped: bool = False


def grid_rows(shapes: Sequence[DagShape]) -> list[GridRow]:
    """Rows for the tasks of ``shapes`` (a task's group comes from the first shape that has it)."""
    children: dict[str | None, list[Node]] = {None: []}
    labels: dict[str, str] = {}
    mapped: dict[str, bool] = {}
    for shape in shapes:
        for task_id, task in shape.tasks.items():
            if task_id in mapped:
                continue
            mapped[task_id] = task.mapped
            path = shape.group_path(task_id)
            for i, group in enumerate(path):
                if group not in labels:
                    labels[group] = shape.groups[group].label if group in shape.groups else group
                    children[path[i - 1] if i else None].append(("group", group))
                    children[group] = []
            children[path[-1] if path else None].append(("task", task_id))
    rows: list[GridRow] = []

    def emit(parent: str | None, depth: int) -> tuple[str, ...]:
        inside: list[str] = []
        for kind, node_id in children[parent]:
            if kind == "task":
                rows.append(GridRow("task", node_id, node_id, depth, (node_id,), mapped[node_id]))
                inside.append(node_id)
                continue
            at = len(rows)
            rows.append(GridRow("group", node_id, labels[node_id], depth, ()))
            members = emit(node_id, depth + 1)
            rows[at] = GridRow("group", node_id, labels[node_id], depth, members)
            inside += members
        return tuple(inside)

    emit(None, 0)
    return rows
