"""``@task`` / ``@task.sensor``: turn a function into a PythonOperator (PythonSensor) factory whose
calls return XComArgs."""

import functools
from collections.abc import Callable
from typing import Any, overload

from dagseal.sdk.dag import current_dag
from dagseal.sdk.exceptions import DagDefinitionError
from dagseal.sdk.operators import PythonOperator
from dagseal.sdk.sensors.python import PythonSensor
from dagseal.sdk.xcom import XComArg

__all__ = ["TaskFunction", "XComArg", "task"]


class TaskFunction:
    """A decorated function; calling it inside a DAG adds a task and returns its XComArg."""

    def __init__(
        self,
        function: Callable[..., Any],
        operator_kwargs: dict[str, Any],
        operator_class: type[PythonOperator | PythonSensor] = PythonOperator,
    ) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.operator_kwargs = operator_kwargs
        self.operator_class = operator_class

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        operator_kwargs = dict(self.operator_kwargs)
        task_id = operator_kwargs.pop("task_id", None)
        if task_id is None:
            dag = operator_kwargs.get("dag") or current_dag()
            if dag is None:
                raise DagDefinitionError(
                    f"@task {self.function.__name__!r} called outside a DAG; call it inside `with DAG(...)`"
                )
            task_id = dag.free_task_id(self.function.__name__)
        operator = self.operator_class(
            task_id=task_id, python_callable=self.function, op_args=args, op_kwargs=kwargs, **operator_kwargs
        )
        return XComArg(operator)


@overload
def task(python_callable: Callable[..., Any]) -> TaskFunction: ...
@overload
def task(
    python_callable: None = None, **operator_kwargs: Any
) -> Callable[[Callable[..., Any]], TaskFunction]: ...
def task(
    python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
) -> TaskFunction | Callable[[Callable[..., Any]], TaskFunction]:
    """Use as ``@task`` or ``@task(retries=1, task_id="x", ...)`` with any BaseOperator setting."""
    if python_callable is not None:
        return TaskFunction(python_callable, operator_kwargs)
    return lambda function: TaskFunction(function, operator_kwargs)


def _sensor(
    python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
) -> TaskFunction | Callable[[Callable[..., Any]], TaskFunction]:
    """``@task.sensor`` or ``@task.sensor(poke_interval=..., mode="reschedule", ...)``: the function is
    the poke (return a bool or a PokeReturnValue)."""
    if python_callable is not None:
        return TaskFunction(python_callable, operator_kwargs, PythonSensor)
    return lambda function: TaskFunction(function, operator_kwargs, PythonSensor)


task.sensor = _sensor  # type: ignore[attr-defined]
