"""Branching and short-circuiting: the task decides which downstream tasks are skipped.

The decision travels back to the host in the task result (``skip_task_ids``); the host marks those
task instances skipped and the scheduler's trigger rules do the rest, as in Airflow.
"""

from collections.abc import Iterable
from typing import Any

from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import TaskError
from dagseal.sdk.operators import PythonOperator


class InvalidBranch(TaskError):
    """A branch callable returned an id that is not a task or task group of the DAG."""


def _downstream_closure(task: BaseOperator) -> set[str]:
    found: set[str] = set()
    stack = list(task.downstream_task_ids)
    while stack:
        task_id = stack.pop()
        if task_id not in found:
            found.add(task_id)
            stack.extend(task.dag.task_dict[task_id].downstream_task_ids)
    return found


class SkipMixin:
    """Records which downstream tasks this try skips; read by the sandbox after ``execute``."""

    skip_task_ids: tuple[str, ...] = ()


class BranchMixIn(SkipMixin):
    """Follow the returned task ids (or task group ids); skip the other direct downstream tasks."""

    def do_branch(self, context: TaskContext, chosen: str | Iterable[str] | None) -> Any:
        task: BaseOperator = context.task
        dag = task.dag
        ids = [] if chosen is None else [chosen] if isinstance(chosen, str) else list(chosen)
        followed: set[str] = set()
        for branch in ids:
            if branch in dag.task_dict:
                followed.add(branch)
            elif branch in dag.task_groups:
                followed.update(op.task_id for op in dag.task_groups[branch].dependency_roots())
            else:
                raise InvalidBranch(
                    f"task {task.task_id!r}: branch {branch!r} is not a task or task group "
                    f"of DAG {dag.dag_id!r}"
                )
        self.skip_task_ids = tuple(sorted(task.downstream_task_ids - followed))
        return chosen


class BranchPythonOperator(BranchMixIn, PythonOperator):
    """``python_callable`` returns the task id(s) to follow (``@task.branch``)."""

    def execute(self, context: TaskContext) -> Any:
        return self.do_branch(context, super().execute(context))


class BaseBranchOperator(BranchMixIn, BaseOperator):
    """Subclasses implement ``choose_branch(context)``, returning the task id(s) to follow."""

    def choose_branch(self, context: TaskContext) -> str | Iterable[str] | None:
        raise NotImplementedError(f"{self.operator_name} must implement choose_branch(context)")

    def execute(self, context: TaskContext) -> Any:
        return self.do_branch(context, self.choose_branch(context))


class ShortCircuitOperator(SkipMixin, PythonOperator):
    """A falsy return value skips the downstream tasks (``@task.short_circuit``).

    With ``ignore_downstream_trigger_rules`` (the default) every task downstream is skipped;
    without it only the direct downstream tasks are, and the rest follow their trigger rules.
    """

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: TaskContext) -> Any:
        condition = super().execute(context)
        if not condition:
            skipped = (
                _downstream_closure(self)
                if self.ignore_downstream_trigger_rules
                else self.downstream_task_ids
            )
            self.skip_task_ids = tuple(sorted(skipped))
        return condition
