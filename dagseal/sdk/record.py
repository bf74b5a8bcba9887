"""Frozen, keyword-only value classes built without code generation, for a task container's path.

Why not attrs there: a task container is a fresh interpreter for every try, and importing attrs
(with ``inspect``, which it needs) and generating each class's methods was about 35 ms of the
~75 ms CPU a no-op try's container spent before its task ran. A Record's fields are its annotated
class attributes, in order; an annotated value is the field's default (``factory(dict)`` builds
one per instance). One shared ``__init__`` checks the names: unknown or missing fields are errors.
The host's cattrs converter structures and unstructures Records with the same checks as attrs
classes (``dagseal/serialization/converter.py``).
"""

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, get_origin

R = TypeVar("R", bound="Record")

REQUIRED: Any = object()
"""The default of a field that has none."""


class Factory:
    """A default built anew for each instance (``factory(dict)``), never shared between them."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def factory(make: Callable[[], Any]) -> Any:
    """A field default made by ``make()`` for each instance."""
    return Factory(make)


def _is_class_var(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or get_origin(annotation) is ClassVar


class Record:
    """Base of frozen keyword-only value classes; see the module docstring.

    ``record_uncompared`` names fields left out of ``==``, ``hash`` and ``repr`` (objects with an
    identity of their own, such as a task or a channel).
    """

    __slots__ = ()
    record_fields: ClassVar[dict[str, Any]] = {}
    record_uncompared: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = dict(cls.record_fields)
        # Not inspect.get_annotations: importing inspect is a cost this module exists to avoid.
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
            if not _is_class_var(annotation):
                fields[name] = cls.__dict__.get(name, REQUIRED)
                if name in cls.__dict__:
                    delattr(cls, name)
        cls.record_fields = fields

    def __init__(self, **values: Any) -> None:
        fields = type(self).record_fields
        unknown = values.keys() - fields.keys()
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected fields {sorted(unknown)}")
        state = self.__dict__
        for name, default in fields.items():
            if name in values:
                state[name] = values[name]
            elif default is REQUIRED:
                raise TypeError(f"{type(self).__name__}() missing required field {name!r}")
            else:
                state[name] = default.make() if isinstance(default, Factory) else default

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def _compared(self) -> tuple[Any, ...]:
        skip = self.record_uncompared
        return tuple(self.__dict__[name] for name in self.record_fields if name not in skip)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._compared() == other._compared()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._compared()))

    def __repr__(self) -> str:
        skip = self.record_uncompared
        shown = ", ".join(
            f"{name}={self.__dict__[name]!r}" for name in self.record_fields if name not in skip
        )
        return f"{type(self).__name__}({shown})"


def asdict(record: Record) -> dict[str, Any]:
    """The record's fields by name, values as they are (not recursive)."""
    return {name: record.__dict__[name] for name in record.record_fields}


def replace(record: R, **changes: Any) -> R:
    """A copy of ``record`` with ``changes`` (checked like the constructor's arguments)."""
    return type(record)(**{**asdict(record), **changes})
