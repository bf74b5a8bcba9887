"""The single cattrs converter for schema types, callback requests and the host's side of the
protocol (the sandbox decodes its requests without it: see ``dagseal/sandbox/protocol.py``).

Configured by functions (never a mutable global registry); cattrs errors leave this module only
as SerializationError with one readable line.
"""

from collections.abc import Mapping
from types import NoneType, UnionType
from typing import Any, Self, TypeVar, Union, get_args, get_origin, get_type_hints

from cattrs import Converter
from cattrs.dispatch import StructureHook, UnstructureHook
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
)

from dagseal.sdk.record import REQUIRED, Record
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


def _is_record(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, Record)


def _field_note(cls: type, name: str, type_: Any) -> AttributeValidationNote:
    return AttributeValidationNote(f"Structuring class {cls.__qualname__} @ attribute {name}", name, type_)


def _structure_record_factory(cls: type[Record], converter: Converter) -> StructureHook:
    """Structure a Record as cattrs does an attrs class: every field by its annotation, unknown
    keys refused, errors collected with the field they belong to."""
    hints = get_type_hints(cls)
    hooks = {name: (converter.get_structure_hook(hints[name]), hints[name]) for name in cls.record_fields}
    required = [name for name, default in cls.record_fields.items() if default is REQUIRED]

    def structure_record(data: Any, _type: Any) -> Record:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected an object, got {type(data).__name__}")
        extra = set(data) - hooks.keys()
        if extra:
            raise ForbiddenExtraKeysError("", cls, extra)
        values: dict[str, Any] = {}
        errors: list[Exception] = []
        for name, value in data.items():
            hook, type_ = hooks[name]
            try:
                values[name] = hook(value, type_)
            except Exception as exc:
                exc.__notes__ = [*getattr(exc, "__notes__", []), _field_note(cls, name, type_)]
                errors.append(exc)
        for name in required:
            if name not in data:
                missing = KeyError(name)
                missing.__notes__ = [_field_note(cls, name, hints[name])]
                errors.append(missing)
        if errors:
            raise ClassValidationError(f"While structuring {cls.__name__}", errors, cls)
        return cls(**values)

    return structure_record


def _unstructure_record_factory(cls: type[Record], converter: Converter) -> UnstructureHook:
    hints = get_type_hints(cls)
    hooks = {name: converter.get_unstructure_hook(hints[name]) for name in cls.record_fields}

    def unstructure_record(record: Record) -> dict[str, Any]:
        return {name: hook(getattr(record, name)) for name, hook in hooks.items()}

    return unstructure_record


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
    converter.register_structure_hook_factory(_is_record, _structure_record_factory)
    converter.register_unstructure_hook_factory(_is_record, _unstructure_record_factory)
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
