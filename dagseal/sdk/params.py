"""``Param``: a DAG parameter with a default and a JSON schema (validated on the host at trigger time)."""

from typing import Any

from dagseal.sdk.exceptions import DagDefinitionError


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


class Param:
    """``Param(default, description=None, type=..., enum=..., minimum=..., ...)`` as in Airflow 3.

    The keyword arguments other than ``description`` form the JSON schema of the value.
    """

    def __init__(self, default: Any = NO_DEFAULT, description: str | None = None, **schema: Any) -> None:
        self.value = default
        self.description = description
        self.schema = dict(schema)

    @property
    def has_default(self) -> bool:
        return self.value is not NO_DEFAULT

    def __repr__(self) -> str:
        return f"Param({self.value!r}, schema={self.schema!r})"


def split_params(params: dict[str, Any], owner: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(default values, ``{name: {"schema": ..., "description": ...}}``) from a mix of Params and values.

    A Param without default has no value until a trigger's conf gives one (so it is left out of the
    defaults, and the host's schema check refuses a run that does not give it).
    """
    values: dict[str, Any] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for name, item in params.items():
        if not isinstance(name, str):
            raise DagDefinitionError(f"{owner}: param names must be strings, got {name!r}")
        if isinstance(item, Param):
            schemas[name] = {"schema": item.schema, "description": item.description}
            if item.has_default:
                values[name] = item.value
        else:
            values[name] = item
    return values, schemas
