"""Values read from small files (runtime.yaml, the digest map, volume_mount_yaml), kept per process.

Why: pinning a new run or resolving a try's sandbox used to re-read and re-validate the digest
map and every runtime.yaml each time. A file is read again only when its stat (inode, size,
mtime in ns) changes, so an edit is seen at the next use and an unchanged file costs one stat.
A file that fails to load is not cached: its error is raised again at each use until it is fixed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["FileCache"]

T = TypeVar("T")


class FileCache(Generic[T]):
    """`get(path)`: `load(path)` once per version of the file; None when there is no such file."""

    def __init__(self, load: Callable[[Path], T]) -> None:
        self._load = load
        self._values: dict[Path, tuple[tuple[int, int, int], T]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> T | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._values.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        value = self._load(path)
        with self._lock:
            self._values[path] = (key, value)
        return value
