"""The single cattrs converter for schema types, callback requests and the host's side of the
protocol (the sandbox decodes its requests without it: see ``dagseal/sandbox/protocol.py``).

Configured by functions (never a mutable global registry); cattrs errors leave this module only
as SerializationError with one readable line.
"""

from collections.abc import Mapping
from types import NoneType, UnionType
from typing import Any, Self, TypeVar, Union, get_args, get_origin

from cattrs import Converter
from cattrs.dispatch import StructureHook
from cattrs.errors import BaseValidationError, ForbiddenExtraKeysError

from dagseal.serialization.canonical import canonical_json, loads, tagged_class
from dagseal.serialization.errors import SerializationError

T = TypeVar("T")


def _is_optional(type_: Any) -> bool:
    """``X | None`` (or ``Optional[X]``) with exactly one other member."""
    origin = get_origin(type_)
    args = get_args(type_)
    return (origin is Union or origin is UnionType) and len(args) == 2 and NoneType in args


def _structure_optional_factory(type_: Any, converter: Converter) -> StructureHook:
    """Structure ``X | None`` with X's hook resolved once, here.

    cattrs' own optional hook looks X up on every call, and only on the first non-None value
    builds X's hook; a fork server warmed with None fields left that work to every child.
    """
    (inner,) = (arg for arg in get_args(type_) if arg is not NoneType)
    inner_hook = converter.get_structure_hook(inner)

    def structure_optional(value: Any, _type: Any) -> Any:
        return None if value is None else inner_hook(value, inner)

    return structure_optional


_JSON_TYPES = (dict[str, Any], list[Any])


def _json_as_is(value: Any) -> Any:
    return value


def make_converter() -> Converter:
    """A strict converter: unknown keys are errors, so a schema drift never passes silently.

    Fields typed ``dict[str, Any]`` / ``list[Any]`` hold JSON values already (serialized DAGs,
    params, contexts) and are passed through: cattrs would otherwise dispatch on every nested value,
    which was most of a DAG file's parse time (a parse result carries whole serialized DAGs).
    """
    converter = Converter(forbid_extra_keys=True)
    converter.register_structure_hook_factory(_is_optional, _structure_optional_factory)
    converter.register_unstructure_hook_func(lambda type_: type_ in _JSON_TYPES, _json_as_is)
    return converter


converter = make_converter()


def _one_line(exc: Exception, cls: type) -> str:
    if isinstance(exc, BaseValidationError):
        from cattrs import transform_error

        return f"invalid {cls.__name__}: " + "; ".join(transform_error(exc))
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"invalid {cls.__name__}: unknown keys {sorted(exc.extra_fields)}"
    return f"invalid {cls.__name__}: {type(exc).__name__}: {exc}"


def structure(data: Any, cls: type[T]) -> T:
    """``data`` (plain JSON values) as an instance of ``cls``, or SerializationError."""
    try:
        return converter.structure(data, cls)
    except (BaseValidationError, ForbiddenExtraKeysError, TypeError, ValueError, KeyError) as exc:
        raise SerializationError(_one_line(exc, cls)) from None


def unstructure(value: Any) -> Any:
    """``value`` as plain JSON values (dicts, lists, str, numbers, bool, None)."""
    return converter.unstructure(value)


def decode_tagged(data: Any, classes: Mapping[str, type[T]]) -> T:
    """Structure a dict into the class named by its ``type`` field."""
    return structure(data, tagged_class(data, classes))


class JsonMessage:
    """Mixin for attrs message classes: canonical ``to_json`` and a checked ``from_json``."""

    def to_json(self) -> str:
        return canonical_json(unstructure(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        return structure(loads(text), cls)
