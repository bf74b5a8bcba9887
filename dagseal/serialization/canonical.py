"""JSON helpers: deterministic JSON and SHA-256 (the same value always gives the same bytes and
digest), and a JSON reader whose only error is SerializationError."""

import hashlib
import json
from typing import Any

from dagseal.serialization.errors import SerializationError


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text; NaN/Infinity are refused (they are not JSON)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"value is not canonical JSON: {exc}") from None


def sha256_hex(data: bytes | str) -> str:
    """Hex SHA-256 of bytes, or of a string's UTF-8 encoding."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def loads(text: str | bytes) -> Any:
    """json.loads with SerializationError instead of JSONDecodeError."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SerializationError(f"not valid JSON: {exc}") from None
