"""``@setup`` and ``@teardown``: TaskFlow functions whose tasks are setup / teardown tasks."""

from collections.abc import Callable
from typing import Any

from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.decorators import TaskFunction


def setup(python_callable: Callable[..., Any]) -> TaskFunction:
    """``@setup``: every call adds a setup task."""
    return TaskFunction(python_callable, {}, role=BaseOperator.as_setup)


def teardown(
    python_callable: Callable[..., Any] | None = None, *, on_failure_fail_dagrun: bool = False
) -> Any:
    """``@teardown`` / ``@teardown(on_failure_fail_dagrun=True)``: every call adds a teardown task."""

    def mark(operator: BaseOperator) -> None:
        operator.as_teardown(on_failure_fail_dagrun=on_failure_fail_dagrun)

    def decorate(function: Callable[..., Any]) -> TaskFunction:
        return TaskFunction(function, {}, role=mark)

    return decorate(python_callable) if python_callable is not None else decorate
