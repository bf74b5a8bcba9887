"""Which context keys a Python callable gets: those its signature names, or all with ``**kwargs``.

Airflow's rule (PythonOperator and ``@task``): positional ``op_args`` fill parameters first, then
``op_kwargs``, then context keys matching the remaining parameter names.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def call_with_context(
    function: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any], context: Mapping[str, Any]
) -> Any:
    import inspect  # here, not at the top: a try that calls no Python callable never needs it

    parameters = list(inspect.signature(function).parameters.values())
    if any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters):
        return function(*args, **{**context, **kwargs})
    filled = {
        parameter.name
        for parameter in parameters[: len(args)]
        if parameter.kind is not inspect.Parameter.VAR_POSITIONAL
    }
    extra = {
        parameter.name: context[parameter.name]
        for parameter in parameters
        if parameter.name in context
        and parameter.name not in filled
        and parameter.name not in kwargs
        and parameter.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    return function(*args, **kwargs, **extra)
