"""A try's log file that stops growing at ``[logging] max_try_log_bytes``.

A task that prints 100 GB must not fill the worker's disk: past the limit the rest of its output
is read (the sandbox keeps running, its pipe never blocks) and dropped, after one marker line.
"""

from __future__ import annotations

from typing import BinaryIO

_MARKER = "\n[dagseal] log truncated: the try printed more than {limit} bytes; the rest is dropped\n"


def truncation_marker(limit: int) -> bytes:
    return _MARKER.format(limit=limit).encode()


class CappedLog:
    """Passes writes to ``file`` until ``limit`` bytes went through it (0: no limit), then writes
    the marker once. Only ``write`` and ``flush``: all a sandbox runtime uses of its log sink."""

    def __init__(self, file: BinaryIO, limit: int) -> None:
        if limit < 0:
            raise ValueError(f"max_try_log_bytes must be 0 (no limit) or more, got {limit}")
        self._file = file
        self._limit = limit
        self._written = 0
        self.truncated = False

    def write(self, chunk: bytes) -> int:
        if self.truncated:
            return len(chunk)
        room = self._limit - self._written if self._limit else len(chunk)
        self._file.write(chunk[:room])
        self._written += min(room, len(chunk))
        if len(chunk) > room:
            self._file.write(truncation_marker(self._limit))
            self.truncated = True
        return len(chunk)

    def flush(self) -> None:
        self._file.flush()
