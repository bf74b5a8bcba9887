"""PythonSensor and ``@task.sensor``: a Python callable is the poke."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import DagDefinitionError
from dagseal.sdk.sensors.base import BaseSensorOperator, PokeReturnValue
from dagseal.sdk.xcom import find_xcom_args, resolve_xcom_args


class PythonSensor(BaseSensorOperator):
    """Pokes with ``python_callable(*op_args, **op_kwargs)``; truthy or a done PokeReturnValue ends it."""

    def __init__(
        self,
        *,
        task_id: str,
        python_callable: Callable[..., Any],
        op_args: list[Any] | tuple[Any, ...] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not callable(python_callable):
            raise DagDefinitionError(f"task {task_id!r}: python_callable is not callable")
        super().__init__(task_id=task_id, **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self._upstream: Mapping[str, Any] = {}
        for arg in find_xcom_args([self.op_args, self.op_kwargs]):
            arg.operator.set_downstream(self)

    def execute(self, context: TaskContext, upstream_results: Mapping[str, Any]) -> Any:
        self._upstream = upstream_results
        return super().execute(context, upstream_results)

    def poke(self, context: TaskContext) -> bool | PokeReturnValue:
        result = self.python_callable(
            *resolve_xcom_args(self.op_args, self._upstream),
            **resolve_xcom_args(self.op_kwargs, self._upstream),
        )
        return result if isinstance(result, PokeReturnValue) else bool(result)
