"""Which DAG files exist under one directory and which of them need a (re-)parse.

The tracker never imports anything: it only lists, stats and hashes files on the host.

Rules (why each one):
- The directory is re-listed at most every ``dag_dir_list_interval`` seconds (listing a big tree
  is the expensive part); between listings known files are only stat-ed, so an edit is seen at the
  next loop but a brand-new file waits for the next listing.
- ``__pycache__`` and hidden files or folders (a name starting with ``.``) are ignored.
- A file is *due* when it was never parsed, or when its **inputs** changed since its last parse, or
  when its last parse failed for a reason outside the file (no sandbox could be started). A crash or
  a timeout counts as the file's own fault: it is parsed again only when its inputs change.
  An unreadable file is due like any other; the caller records its read error without a sandbox.
  The inputs of a file are its own content digest **and the digests of every listed ``.py`` file**:
  a DAG file that imports a helper module must be parsed again when only the helper changed.
  The directory's ``runtime.yaml`` and every ``<stem>.runtime.yaml`` count too, and so does the
  caller's ``context`` (the directory's deployed image): a file parsed in another image may
  produce other DAGs. Re-parsing unchanged inputs is harmless (same ``dag_hash``, no new rows)
  but wasted work.
- Every re-parse except the first is rate limited by ``min_file_process_interval`` per file.
- mtime and size are a shortcut: a file is hashed again only when one of them changed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

RUNTIME_YAML = "runtime.yaml"


def _is_runtime_yaml(rel: str) -> bool:
    """The directory's runtime.yaml or a ``<stem>.runtime.yaml`` (image resolution reads both)."""
    return rel == RUNTIME_YAML or rel.endswith(f".{RUNTIME_YAML}")


def list_files(root: Path, accept: Callable[[str], bool]) -> list[str]:
    """Relative POSIX paths under ``root`` that ``accept`` takes, sorted, skipping hidden/pycache."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for name in filenames:
            rel = Path(dirpath, name).relative_to(root).as_posix()
            if not name.startswith(".") and accept(rel):
                found.append(rel)
    return sorted(found)


def list_py_files(root: Path) -> list[str]:
    """The DAG files (``.py``) under ``root``."""
    return list_files(root, lambda rel: rel.endswith(".py"))


@dataclass
class _FileState:
    stat_key: tuple[int, int] | None = None  # (mtime_ns, size) when last hashed
    digest: str | None = None  # sha256 of the bytes, None when unreadable
    read_error: str | None = None
    parsed_inputs: str | None = None  # inputs key at the last parse
    last_parsed: float | None = None
    retry: bool = False  # last parse failed outside the file: try again after the interval


@dataclass(frozen=True)
class FileScan:
    """One loop's view of the directory: what to parse, what disappeared, what cannot be read."""

    files: tuple[str, ...]
    due: tuple[str, ...]
    vanished: tuple[str, ...]
    unreadable: dict[str, str] = field(default_factory=dict)  # rel path -> one-line reason
    relisted: bool = False


class FileTracker:
    """Remembers, per file, what was parsed last and when; see the module doc for the rules."""

    def __init__(
        self,
        root: Path,
        *,
        dag_dir_list_interval: float,
        min_file_process_interval: float,
        clock: Callable[[], float],
    ) -> None:
        self.root = root
        self._list_interval = dag_dir_list_interval
        self._min_interval = min_file_process_interval
        self._clock = clock
        self._states: dict[str, _FileState] = {}
        self._runtime_files: dict[str, _FileState] = {}  # runtime.yaml files: inputs, never parsed
        self._context = ""
        self._last_listed: float | None = None

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(self._states)

    def scan(self, context: str = "") -> FileScan:
        """Re-list if the interval elapsed, refresh digests, and decide which files are due.

        ``context`` is an input of every file beside the files themselves (the image they parse in).
        """
        now = self._clock()
        self._context = context
        relisted = self._last_listed is None or now - self._last_listed >= self._list_interval
        vanished: list[str] = []
        if relisted:
            listed = list_py_files(self.root)
            vanished = sorted(set(self._states) - set(listed))
            self._states = {rel: self._states.get(rel, _FileState()) for rel in listed}
            runtime_files = list_files(self.root, _is_runtime_yaml)
            self._runtime_files = {rel: self._runtime_files.get(rel, _FileState()) for rel in runtime_files}
            self._last_listed = now
        for rel in list(self._states):
            if not self._refresh(self._states[rel], rel):
                del self._states[rel]
                vanished.append(rel)
        for rel in list(self._runtime_files):
            if not self._refresh(self._runtime_files[rel], rel):
                del self._runtime_files[rel]
        inputs = self._inputs_key()
        due = [rel for rel, st in self._states.items() if self._is_due(st, inputs, now)]
        unreadable = {rel: st.read_error for rel, st in self._states.items() if st.read_error}
        return FileScan(
            files=tuple(self._states),
            due=tuple(due),
            vanished=tuple(sorted(vanished)),
            unreadable=unreadable,
            relisted=relisted,
        )

    def mark_parsed(self, rel: str, *, retry: bool = False) -> None:
        """Record that ``rel`` was parsed now with the current inputs (``retry``: failed outside it)."""
        state = self._states.get(rel)
        if state is None:
            return
        state.parsed_inputs = self._inputs_key()
        state.last_parsed = self._clock()
        state.retry = retry

    def digest(self, rel: str) -> str | None:
        state = self._states.get(rel)
        return state.digest if state else None

    def _refresh(self, state: _FileState, rel: str) -> bool:
        """Re-hash ``rel`` if its mtime/size changed; False when the file is gone."""
        path = self.root / rel
        try:
            st = path.stat()
        except FileNotFoundError:
            return path.is_symlink() and self._mark_unreadable(state, "broken symbolic link")
        except OSError as exc:
            return self._mark_unreadable(state, exc.strerror or str(exc))
        key = (st.st_mtime_ns, st.st_size)
        if key == state.stat_key and state.read_error is None:
            return True
        try:
            state.digest = _sha256_file(path)
            state.read_error = None
            state.stat_key = key
        except OSError as exc:
            self._mark_unreadable(state, exc.strerror or str(exc))
        return True

    @staticmethod
    def _mark_unreadable(state: _FileState, reason: str) -> bool:
        state.digest, state.stat_key, state.read_error = None, None, f"cannot read file: {reason}"
        return True

    def _inputs_key(self) -> str:
        files = (*self._states.items(), *self._runtime_files.items())
        return _combine([("", self._context), *((rel, st.digest or "") for rel, st in files)])

    def _is_due(self, st: _FileState, inputs: str, now: float) -> bool:
        if st.last_parsed is None:
            return True
        if st.parsed_inputs == inputs and not st.retry:
            return False
        return now - st.last_parsed >= self._min_interval


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _combine(items: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for rel, file_digest in items:
        digest.update(f"{rel}\0{file_digest}\n".encode())
    return digest.hexdigest()
