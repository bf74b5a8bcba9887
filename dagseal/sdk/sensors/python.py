"""PythonSensor and ``@task.sensor``: a Python callable is the poke."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagseal.sdk.context import TaskContext
from dagseal.sdk.operators import PythonCallMixin
from dagseal.sdk.sensors.base import BaseSensorOperator, PokeReturnValue


class PythonSensor(PythonCallMixin, BaseSensorOperator):
    """Pokes with ``python_callable(*op_args, **op_kwargs)``; truthy or a done PokeReturnValue ends it."""

    _upstream: Mapping[str, Any] = {}  # the try's upstream results, set by execute() for poke()

    def execute(self, context: TaskContext, upstream_results: Mapping[str, Any]) -> Any:
        self._upstream = upstream_results
        return super().execute(context, upstream_results)

    def poke(self, context: TaskContext) -> bool | PokeReturnValue:
        result = self._call(self._upstream)
        return result if isinstance(result, PokeReturnValue) else bool(result)
