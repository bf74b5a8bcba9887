"""``@dag``: a function whose call builds a DAG named after it (Airflow's TaskFlow style)."""

import functools
from collections.abc import Callable
from typing import Any

from dagseal.sdk.dag import DAG
from dagseal.sdk.exceptions import DagDefinitionError


def dag(python_callable: Callable[..., Any] | None = None, **dag_kwargs: Any) -> Any:
    """``@dag`` or ``@dag(schedule=..., ...)``; ``dag_id`` defaults to the function's name."""
    import inspect  # here, not at the top: every DAG file imports this module (dagseal.sdk)

    def decorate(function: Callable[..., Any]) -> Callable[..., DAG]:
        dag_id = dag_kwargs.get("dag_id") or function.__name__
        required = [
            name
            for name, parameter in inspect.signature(function).parameters.items()
            if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        ]
        if required:
            raise DagDefinitionError(
                f"@dag {dag_id!r}: function arguments as DAG params ({', '.join(required)}) are not "
                f"supported by dagseal; use params={{...}} and read them from the context"
            )

        @functools.wraps(function)
        def build(*args: Any, **kwargs: Any) -> DAG:
            options = {key: value for key, value in dag_kwargs.items() if key != "dag_id"}
            if "doc_md" not in options and function.__doc__:
                options["doc_md"] = inspect.cleandoc(function.__doc__)
            with DAG(dag_id, **options) as built:
                function(*args, **kwargs)
            return built

        return build

    return decorate(python_callable) if python_callable is not None else decorate
