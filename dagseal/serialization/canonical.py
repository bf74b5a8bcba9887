"""JSON helpers: deterministic JSON and SHA-256 (the same value always gives the same bytes and
digest), a JSON reader whose only error is SerializationError, and the class a tagged message names."""

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from dagseal.serialization.errors import SerializationError

T = TypeVar("T")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text; NaN/Infinity are refused (they are not JSON)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"value is not canonical JSON: {exc}") from None


def sha256_hex(data: bytes | str) -> str:
    """Hex SHA-256 of bytes, or of a string's UTF-8 encoding."""
    import hashlib  # here: a task container, which imports this module, never hashes

    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def loads(text: str | bytes) -> Any:
    """json.loads with SerializationError instead of JSONDecodeError."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SerializationError(f"not valid JSON: {exc}") from None


def tagged_class(data: Any, classes: Mapping[str, type[T]]) -> type[T]:
    """The class a message's ``type`` field names among ``classes``; SerializationError otherwise.
    Both decoders use it: the converter's (host) and the classes' own ``__init__`` (sandbox)."""
    if not isinstance(data, dict):
        raise SerializationError(f"expected a JSON object, got {type(data).__name__}")
    tag = data.get("type")
    cls = classes.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise SerializationError(f"unknown message type {tag!r}; expected one of {sorted(classes)}")
    return cls
