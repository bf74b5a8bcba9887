"""A JSON schema for a DAG's ``params`` (JSON defaults), for trigger forms and conf checks.

Serialized params are plain JSON defaults (schema v1 carries no ``Param`` schema), so each key's
type is the type of its default; a conf may set fewer or more keys, as in Airflow.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: bool is an int in Python
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _type_of(value: Any) -> str | None:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), None)


def params_schema(params: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for key, default in params.items():
        prop: dict[str, Any] = {"default": default}
        kind = _type_of(default)
        if kind is not None:
            prop["type"] = kind
        properties[key] = prop
    return {"type": "object", "properties": properties}


def conf_error(params: dict[str, Any], conf: dict[str, Any]) -> str | None:
    """The first way ``conf`` breaks the params' schema, as one line naming the key; None if it fits."""
    validator = Draft202012Validator(params_schema(params))
    error = next(iter(sorted(validator.iter_errors(conf), key=lambda e: list(e.path))), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.path) or "conf"
    return f"conf field {where!r}: {error.message}"
