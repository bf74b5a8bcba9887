"""Reading a try's log file in pieces, for a viewer that tails it while the try runs.

The continuation token is the byte offset already read, base64url-encoded JSON (opaque to clients,
as in Airflow). A piece ends at the last complete line, so a line still being written is sent
whole in a later piece; an offset at or past the end gives an empty piece, not an error.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path

from dagseal.errors import DagsealError

MAX_PIECE = 256 * 1024


class BadContinuationToken(DagsealError):
    """A token this server did not make."""


@dataclass(frozen=True)
class LogPiece:
    lines: list[str]
    next_offset: int
    exists: bool


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = value["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise BadContinuationToken("token is not a continuation_token this server returned") from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise BadContinuationToken("token is not a continuation_token this server returned")
    return offset


def read_piece(path: Path, offset: int, final: bool) -> LogPiece:
    """Lines from ``offset``; ``final`` (the try has ended) also returns a last unterminated line."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(MAX_PIECE)
    except FileNotFoundError:
        return LogPiece(lines=[], next_offset=offset, exists=False)
    if not final and len(data) < MAX_PIECE:
        data = data[: data.rfind(b"\n") + 1]
    text = data.decode("utf-8", errors="replace")
    return LogPiece(lines=text.splitlines(), next_offset=offset + len(data), exists=True)
