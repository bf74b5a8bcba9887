"""What changed between two versions of a DAG: tasks, edges, images and source (``dag_code``)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import attrs

from dagseal.serialization import SerializedDag, SerializedTask


@dataclass(frozen=True)
class TaskChange:
    task_id: str
    fields: list[str]  # names of the SerializedTask fields that differ


@dataclass(frozen=True)
class VersionDiff:
    tasks_added: list[str]
    tasks_removed: list[str]
    tasks_changed: list[TaskChange]
    edges_added: list[tuple[str, str]]
    edges_removed: list[tuple[str, str]]
    dag_fields_changed: list[str]
    source_diff: list[str]

    @property
    def unchanged(self) -> bool:
        return not (
            self.tasks_added
            or self.tasks_removed
            or self.tasks_changed
            or self.edges_added
            or self.edges_removed
            or self.dag_fields_changed
            or self.source_diff
        )


def _edges(dag: SerializedDag) -> set[tuple[str, str]]:
    return {(task.task_id, down) for task in dag.tasks for down in task.downstream_task_ids}


def _changed_fields(old: object, new: object, skip: frozenset[str]) -> list[str]:
    return [
        field.name
        for field in attrs.fields(type(old))
        if field.name not in skip and getattr(old, field.name) != getattr(new, field.name)
    ]


_EDGE_FIELDS = frozenset({"upstream_task_ids", "downstream_task_ids"})
_DAG_SKIP = frozenset({"tasks", "source_digest"})


def diff_versions(old: SerializedDag, new: SerializedDag, old_source: str, new_source: str) -> VersionDiff:
    before: dict[str, SerializedTask] = {t.task_id: t for t in old.tasks}
    after: dict[str, SerializedTask] = {t.task_id: t for t in new.tasks}
    changed = [
        TaskChange(task_id, fields)
        for task_id in sorted(before.keys() & after.keys())
        if (fields := _changed_fields(before[task_id], after[task_id], _EDGE_FIELDS))
    ]
    source = list(
        difflib.unified_diff(
            old_source.splitlines(), new_source.splitlines(), "older", "newer", lineterm="", n=3
        )
    )
    return VersionDiff(
        tasks_added=sorted(after.keys() - before.keys()),
        tasks_removed=sorted(before.keys() - after.keys()),
        tasks_changed=changed,
        edges_added=sorted(_edges(new) - _edges(old)),
        edges_removed=sorted(_edges(old) - _edges(new)),
        dag_fields_changed=_changed_fields(old, new, _DAG_SKIP),
        source_diff=source,
    )
