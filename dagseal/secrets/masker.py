"""The secrets masker: once a try fetched a secret, the try's log shows ``***`` in its place.

The host masks the log stream it writes (the sandbox's output never reaches the file unmasked).
A value may arrive split across writes, so the tail of each write that could be the start of a
secret is held back until the next write (or :meth:`MaskedLog.finish`) shows whether it is one.
Besides the raw value, its JSON-, repr- and URL-quoted forms are masked (they appear in tracebacks,
dumped dicts and ``get_uri()``). Values shorter than ``MIN_LENGTH`` are not masked: masking ``ab`` everywhere
would garble the log and reveal more than it hides (Airflow's ``min_length_masked_secret``).
"""

from __future__ import annotations

import io
import json
import threading
from typing import BinaryIO
from urllib.parse import quote

__all__ = ["MIN_LENGTH", "MaskedLog", "SecretsMasker"]

MIN_LENGTH = 5
MASK = b"***"


class SecretsMasker:
    """The secret values of one try; thread-safe (output readers write while requests add)."""

    def __init__(self) -> None:
        self._secrets: list[bytes] = []
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if len(value) < MIN_LENGTH:
            return
        forms = {value, json.dumps(value)[1:-1], repr(value)[1:-1], quote(value, safe="")}
        with self._lock:
            known = set(self._secrets)
            known.update(form.encode("utf-8", "backslashreplace") for form in forms)
            self._secrets = sorted(known, key=len, reverse=True)  # longest first: no half-masked forms

    def mask_bytes(self, data: bytes) -> bytes:
        with self._lock:
            secrets = self._secrets
        for secret in secrets:
            data = data.replace(secret, MASK)
        return data

    def mask(self, text: str) -> str:
        return self.mask_bytes(text.encode("utf-8", "surrogateescape")).decode("utf-8", "surrogateescape")

    def partial_tail(self, data: bytes) -> int:
        """How many trailing bytes of ``data`` could be the start of a secret (to hold back)."""
        with self._lock:
            secrets = self._secrets
        longest = 0
        for secret in secrets:
            for size in range(min(len(secret) - 1, len(data)), longest, -1):
                if data.endswith(secret[:size]):
                    longest = size
                    break
        return longest

    def wrap(self, log: BinaryIO) -> MaskedLog:
        return MaskedLog(self, log)


class MaskedLog(io.RawIOBase):
    """A binary log file seen through a :class:`SecretsMasker`; call :meth:`finish` at the end."""

    def __init__(self, masker: SecretsMasker, log: BinaryIO) -> None:
        super().__init__()
        self._masker = masker
        self._log = log
        self._pending = b""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        with self._lock:
            data = self._masker.mask_bytes(self._pending + bytes(chunk))
            keep = self._masker.partial_tail(data)
            self._pending = data[len(data) - keep :]
            self._log.write(data[: len(data) - keep])
        return len(chunk)

    def flush(self) -> None:
        self._log.flush()

    def finish(self) -> None:
        """Write what was held back (the output ended: it cannot become a secret any more)."""
        with self._lock:
            self._log.write(self._masker.mask_bytes(self._pending))
            self._pending = b""
        self._log.flush()
