"""TaskGroup and ``@task_group``: prefixed task ids, per-group default_args, dependencies on whole groups."""

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dagseal.sdk.baseoperator import DependencyOperators
from dagseal.sdk.exceptions import DagDefinitionError

if TYPE_CHECKING:
    from dagseal.sdk.baseoperator import BaseOperator
    from dagseal.sdk.dag import DAG

_group_stack: list["TaskGroup"] = []


def current_group() -> "TaskGroup | None":
    """The innermost ``with TaskGroup(...)`` block, if any."""
    return _group_stack[-1] if _group_stack else None


class TaskGroup(DependencyOperators):
    """A named set of tasks; ids inside become ``group_id.task_id`` (with ``prefix_group_id=True``)."""

    def __init__(
        self,
        group_id: str,
        *,
        prefix_group_id: bool = True,
        default_args: dict[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        parent_group: "TaskGroup | None" = None,
        dag: "DAG | None" = None,
        add_suffix_on_collision: bool = False,
        group_display_name: str | None = None,
    ) -> None:
        from dagseal.sdk.dag import current_dag

        self.parent_group = parent_group if parent_group is not None else current_group()
        owner = dag or (self.parent_group.dag if self.parent_group else None) or current_dag()
        if owner is None:
            raise DagDefinitionError(f"task group {group_id!r} created outside a DAG")
        self.dag = owner
        self.prefix_group_id = prefix_group_id
        self.tooltip = tooltip
        self.group_display_name = group_display_name
        base = self.parent_group.child_id(group_id) if self.parent_group else group_id
        if add_suffix_on_collision:
            base = owner.free_group_id(base)
        if base in owner.task_groups:
            raise DagDefinitionError(f"DAG {owner.dag_id!r}: duplicate task group id {base!r}")
        self.group_id = base
        inherited = self.parent_group.default_args if self.parent_group else {}
        self.default_args: dict[str, Any] = {**inherited, **(default_args or {})}
        self.task_ids: list[str] = []
        self.expand_input: dict[str, Any] | None = None  # set for a mapped group (.expand)
        owner.task_groups[base] = self

    def child_id(self, label: str) -> str:
        """The full id of a task or group created inside this group."""
        return f"{self.group_id}.{label}" if self.prefix_group_id else label

    def __enter__(self) -> "TaskGroup":
        _group_stack.append(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _group_stack.pop()

    def _members(self) -> list["BaseOperator"]:
        prefix = self.group_id + "."
        nested = [gid for gid in self.dag.task_groups if gid.startswith(prefix)]
        ids = set(self.task_ids).union(*(self.dag.task_groups[gid].task_ids for gid in nested))
        return [self.dag.task_dict[task_id] for task_id in sorted(ids)]

    def dependency_roots(self) -> list["BaseOperator"]:
        """Tasks of the group with no upstream inside it (what an edge *into* the group reaches)."""
        members = self._members()
        ids = {task.task_id for task in members}
        return [task for task in members if not task.upstream_task_ids & ids]

    def dependency_leaves(self) -> list["BaseOperator"]:
        """Tasks of the group with no downstream inside it (where an edge *out of* the group starts)."""
        members = self._members()
        ids = {task.task_id for task in members}
        return [task for task in members if not task.downstream_task_ids & ids]

    def __repr__(self) -> str:
        return f"<TaskGroup {self.dag.dag_id}.{self.group_id}>"


class MappedArgument:
    """A mapped task group's argument inside its function: element ``map_index`` at run time."""

    def __init__(self, group: TaskGroup, name: str) -> None:
        self.group = group
        self.name = name

    def __repr__(self) -> str:
        return f"MappedArgument({self.group.group_id!r}, {self.name!r})"


def mapped_group(group: "TaskGroup | None") -> "TaskGroup | None":
    """The innermost enclosing task group that is mapped (``@task_group`` ``.expand``), if any."""
    while group is not None:
        if group.expand_input is not None:
            return group
        group = group.parent_group
    return None


class TaskGroupFunction:
    """A ``@task_group`` function: call it for one group, or ``.expand(...)`` for a mapped group."""

    def __init__(
        self, function: Callable[..., Any], group_kwargs: dict[str, Any], fixed: dict[str, Any]
    ) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.group_kwargs = group_kwargs
        self.fixed = fixed

    def _group(self) -> TaskGroup:
        kw = {"add_suffix_on_collision": True, **self.group_kwargs}
        group_id = kw.pop("group_id", None) or self.function.__name__
        return TaskGroup(group_id, **kw)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._group() as group:
            returned = self.function(*args, **self.fixed, **kwargs)
        # As in Airflow: a returned task/XComArg is what dependencies bind to, else the whole group.
        return returned if returned is not None else group

    def partial(self, **fixed: Any) -> "TaskGroupFunction":
        return TaskGroupFunction(self.function, self.group_kwargs, {**self.fixed, **fixed})

    def expand(self, **mapped: Any) -> Any:
        """Every task of the group is mapped over ``mapped`` (same length, same map indexes)."""
        if not mapped:
            raise DagDefinitionError(f"@task_group {self.function.__name__!r}: expand() needs arguments")
        with self._group() as group:
            group.expand_input = mapped
            arguments = {name: MappedArgument(group, name) for name in mapped}
            returned = self.function(**self.fixed, **arguments)
        return returned if returned is not None else group


def task_group(python_callable: Callable[..., Any] | None = None, **group_kwargs: Any) -> Any:
    """``@task_group`` / ``@task_group(group_id=...)``: calling the function builds its tasks in a group."""

    def decorate(function: Callable[..., Any]) -> TaskGroupFunction:
        return TaskGroupFunction(function, group_kwargs, {})

    return decorate(python_callable) if python_callable is not None else decorate
