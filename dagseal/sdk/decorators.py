"""``@task`` (and ``@task.python``, ``@task.bash``, ``@task.sensor`` …): functions become operator
factories whose calls return XComArgs."""

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

from dagseal.sdk.branching import BranchPythonOperator, ShortCircuitOperator
from dagseal.sdk.callable_args import call_with_context
from dagseal.sdk.context import TaskContext
from dagseal.sdk.dag import current_dag
from dagseal.sdk.exceptions import DagDefinitionError
from dagseal.sdk.mapping import EXPAND, EXPAND_KWARGS, MappedOperator, substitute_mapped_arguments
from dagseal.sdk.operators import BashOperator, PythonOperator
from dagseal.sdk.sensors.python import PythonSensor
from dagseal.sdk.task_group import current_group, mapped_group
from dagseal.sdk.xcom import XComArg, find_xcom_args, resolve_xcom_args

__all__ = ["TaskFunction", "XComArg", "task"]


class BashFunctionOperator(BashOperator):
    """``@task.bash``: the function's return value (rendered as a template) is the bash command."""

    def __init__(
        self,
        *,
        task_id: str,
        python_callable: Callable[..., Any],
        op_args: Any,
        op_kwargs: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(task_id=task_id, bash_command=f"@task.bash {python_callable.__name__}", **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args)
        self.op_kwargs = dict(op_kwargs)
        for arg in find_xcom_args([self.op_args, self.op_kwargs]):
            arg.operator.set_downstream(self)

    def execute(self, context: TaskContext) -> str | None:
        from dagseal.sdk.templating import render_template_fields

        args = resolve_xcom_args(self.op_args, context.xcom)
        kwargs = resolve_xcom_args(self.op_kwargs, context.xcom)
        command = call_with_context(self.python_callable, args, kwargs, context)
        if not isinstance(command, str) or not command.strip():
            raise DagDefinitionError(f"task {self.task_id!r}: @task.bash must return a non-empty string")
        self.bash_command = command
        render_template_fields(self, context)
        return super().execute(context)


def _returns_dict(function: Callable[..., Any]) -> bool:
    """Airflow infers ``multiple_outputs`` from a ``dict`` return annotation."""
    try:
        returned = typing.get_type_hints(function).get("return")
    except Exception:  # unresolvable annotations: no inference, as in Airflow
        return False
    return returned is dict or typing.get_origin(returned) is dict


class TaskFunction:
    """A decorated function; calling it inside a DAG adds a task and returns its XComArg."""

    def __init__(
        self,
        function: Callable[..., Any],
        operator_kwargs: dict[str, Any],
        operator: type = PythonOperator,
        role: Callable[[Any], Any] | None = None,
    ) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.operator_kwargs = operator_kwargs
        self.operator = operator
        self.role = role  # marks each new task a setup or teardown (@setup / @teardown)

    def override(self, **operator_kwargs: Any) -> "TaskFunction":
        """A copy with other operator settings (``task_id``, ``retries`` …), as Airflow's ``.override()``."""
        merged = {**self.operator_kwargs, **operator_kwargs}
        return TaskFunction(self.function, merged, self.operator, self.role)

    def _operator_kwargs(self) -> tuple[str, dict[str, Any]]:
        """(a free task id in the current DAG and group, the other operator settings)."""
        operator_kwargs = dict(self.operator_kwargs)
        operator_kwargs.setdefault("multiple_outputs", _returns_dict(self.function))
        label = operator_kwargs.pop("task_id", None) or self.function.__name__
        dag = operator_kwargs.get("dag") or current_dag()
        if dag is None:
            raise DagDefinitionError(
                f"@task {self.function.__name__!r} called outside a DAG; call it inside `with DAG(...)`"
            )
        group = current_group()
        full = dag.free_task_id(group.child_id(label) if group else label)
        task_id = full[len(group.group_id) + 1 :] if group and group.prefix_group_id else full
        return task_id, operator_kwargs

    def _finish(self, operator: Any) -> XComArg:
        if self.function.__doc__ and not operator.docs:
            operator.docs["doc_md"] = self.function.__doc__
        if self.role is not None:
            self.role(operator)
        return XComArg(operator)

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        group = mapped_group(current_group())
        if group is not None:
            return self._in_mapped_group(group, args, kwargs)
        task_id, operator_kwargs = self._operator_kwargs()
        operator = self.operator(
            task_id=task_id, python_callable=self.function, op_args=args, op_kwargs=kwargs, **operator_kwargs
        )
        return self._finish(operator)

    def _in_mapped_group(self, group: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> XComArg:
        """A call inside a mapped task group: one task instance per map index of the group."""
        try:
            bound = inspect.signature(self.function).bind(*args, **kwargs).arguments
        except TypeError as exc:
            raise DagDefinitionError(f"@task {self.function.__name__!r}: {exc}") from None
        return MappedTaskFunction(self, dict(bound))._mapped(EXPAND, group.expand_input, {}, group=group)

    def partial(self, **fixed: Any) -> "MappedTaskFunction":
        """``f.partial(x=1).expand(y=[...])``: fixed function arguments for every map index."""
        return MappedTaskFunction(self, fixed)

    def expand(self, **mapped: Any) -> XComArg:
        return self.partial().expand(**mapped)

    def expand_kwargs(self, rows: Any) -> XComArg:
        return self.partial().expand_kwargs(rows)


class MappedTaskFunction:
    """A @task function with some arguments fixed; ``expand`` adds one mapped task."""

    def __init__(self, task_function: TaskFunction, fixed: dict[str, Any]) -> None:
        self.task_function = task_function
        self.fixed = fixed

    def _mapped(self, kind: str, expand_input: Any, names: dict[str, Any], group: Any = None) -> XComArg:
        function = self.task_function.function
        overlap = sorted(set(self.fixed) & set(names))
        if overlap:
            raise DagDefinitionError(
                f"@task {function.__name__!r}: {', '.join(overlap)} given to both partial() and expand()"
            )
        try:
            inspect.signature(function).bind_partial(**self.fixed, **names)
        except TypeError as exc:
            raise DagDefinitionError(f"@task {function.__name__!r}: {exc}") from None
        task_id, operator_kwargs = self.task_function._operator_kwargs()
        operator_class = self.task_function.operator
        fixed = self.fixed
        settings = {key: value for key, value in operator_kwargs.items() if key not in ("dag", "task_group")}

        def build(full_id: str, dag: Any, values: dict[str, Any]) -> Any:
            arguments = (
                substitute_mapped_arguments(fixed, values) if group is not None else {**fixed, **values}
            )
            return operator_class(
                task_id=full_id,
                dag=dag,
                python_callable=function,
                op_args=[],
                op_kwargs=arguments,
                **settings,
            )

        operator = MappedOperator(
            task_id=task_id,
            operator_name=operator_class.__name__,
            build=build,
            kind=kind,
            expand_input=expand_input,
            **operator_kwargs,
        )
        for arg in find_xcom_args(fixed):
            arg.operator.set_downstream(operator)
        if group is not None:
            operator.index_upstreams = frozenset(
                arg.task_id for arg in find_xcom_args(fixed) if mapped_group(arg.operator.task_group) is group
            )
        return self.task_function._finish(operator)

    def expand(self, **mapped: Any) -> XComArg:
        return self._mapped(EXPAND, mapped, mapped)

    def expand_kwargs(self, rows: Any) -> XComArg:
        return self._mapped(EXPAND_KWARGS, rows, {})


def _decorator(operator: type) -> Callable[..., Any]:
    def decorate(python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any) -> Any:
        if python_callable is not None:
            return TaskFunction(python_callable, operator_kwargs, operator)
        return lambda function: TaskFunction(function, operator_kwargs, operator)

    return decorate


class _TaskDecorators:
    """``task`` itself: ``@task``, ``@task(...)``, ``.python``, ``.bash``, ``.branch``, ``.short_circuit``,
    ``.sensor`` (the function is the poke: return a bool or a PokeReturnValue).

    Other Airflow flavours (``@task.virtualenv``, ``@task.docker`` …) are refused by name.
    """

    python = staticmethod(_decorator(PythonOperator))
    bash = staticmethod(_decorator(BashFunctionOperator))
    branch = staticmethod(_decorator(BranchPythonOperator))
    short_circuit = staticmethod(_decorator(ShortCircuitOperator))
    sensor = staticmethod(_decorator(PythonSensor))

    def __call__(self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any) -> Any:
        return self.python(python_callable, **operator_kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise DagDefinitionError(f"@task.{name} is not supported by dagseal yet (see docs/authoring.md)")


task = _TaskDecorators()
