"""PythonSensor and ``@task.sensor``: a Python callable is the poke."""

from __future__ import annotations

from dagseal.sdk.context import TaskContext
from dagseal.sdk.operators import PythonCallMixin
from dagseal.sdk.sensors.base import BaseSensorOperator, PokeReturnValue


class PythonSensor(PythonCallMixin, BaseSensorOperator):
    """Pokes with ``python_callable(*op_args, **op_kwargs)``; truthy or a done PokeReturnValue ends it."""

    def poke(self, context: TaskContext) -> bool | PokeReturnValue:
        result = self._call(context)
        return result if isinstance(result, PokeReturnValue) else bool(result)
