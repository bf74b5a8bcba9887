"""PythonSensor and ``@task.sensor``: a Python callable is the poke."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagseal.sdk.context import TaskContext
from dagseal.sdk.operators import PythonCallMixin, check_callable
from dagseal.sdk.sensors.base import BaseSensorOperator, PokeReturnValue


class PythonSensor(PythonCallMixin, BaseSensorOperator):
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
        check_callable(task_id, python_callable)
        super().__init__(task_id=task_id, **kwargs)
        self._bind_call(python_callable, op_args, op_kwargs)
        self._upstream: Mapping[str, Any] = {}

    def execute(self, context: TaskContext, upstream_results: Mapping[str, Any]) -> Any:
        self._upstream = upstream_results
        return super().execute(context, upstream_results)

    def poke(self, context: TaskContext) -> bool | PokeReturnValue:
        result = self._call(self._upstream)
        return result if isinstance(result, PokeReturnValue) else bool(result)
