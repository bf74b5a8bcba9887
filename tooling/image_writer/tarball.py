"""Deterministic layer tarballs: sorted entries, explicit parents, zeroed metadata, gzip mtime 0."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

GZIP_LEVEL = 6
DIR_MODE = 0o755
FILE_MODE = 0o644
EXEC_MODE = 0o755


class LayerError(ValueError):
    """Raised for inputs that cannot become a deterministic layer."""


@dataclass(frozen=True)
class Entry:
    """One tar member: a regular file (``data``), a directory or a symlink (``target``)."""

    kind: str  # "file" | "dir" | "symlink"
    data: bytes = b""
    executable: bool = False
    target: str = ""


@dataclass(frozen=True)
class LayerDescriptor:
    """What the image needs to know about a written layer."""

    digest: str
    diff_id: str
    size: int

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form for JSON."""
        return {"digest": self.digest, "diff_id": self.diff_id, "size": self.size}


def normalize_path(path: str) -> str:
    """Return ``path`` relative to the root, without ``./`` or trailing slashes."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise LayerError(f"path escapes the root: {path!r}")
    return "/".join(parts)


class Tree:
    """A file tree being assembled for one layer."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def add(self, path: str, entry: Entry) -> None:
        """Add ``entry`` at ``path``; identical duplicates are fine, conflicting ones are errors."""
        path = normalize_path(path)
        if not path:
            return
        previous = self.entries.get(path)
        if previous is not None and previous != entry:
            if previous.kind == entry.kind == "dir":
                return
            raise LayerError(f"conflicting entries for /{path}")
        self.entries[path] = entry

    def add_file(self, path: str, data: bytes, executable: bool = False) -> None:
        """Add a regular file."""
        self.add(path, Entry("file", data=data, executable=executable))

    def add_symlink(self, path: str, target: str) -> None:
        """Add a symbolic link."""
        self.add(path, Entry("symlink", target=target))

    def add_dir(self, path: str) -> None:
        """Add an (empty) directory."""
        self.add(path, Entry("dir"))

    def with_parents(self) -> dict[str, Entry]:
        """All entries plus every missing parent directory."""
        full = dict(self.entries)
        for path in self.entries:
            parent = PurePosixPath(path).parent
            while str(parent) != ".":
                full.setdefault(str(parent), Entry("dir"))
                parent = parent.parent
        return full


def _tarinfo(path: str, entry: Entry) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path + "/" if entry.kind == "dir" else path)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if entry.kind == "dir":
        info.type, info.mode = tarfile.DIRTYPE, DIR_MODE
    elif entry.kind == "symlink":
        info.type, info.mode, info.linkname = tarfile.SYMTYPE, 0o777, entry.target
    else:
        info.type, info.size = tarfile.REGTYPE, len(entry.data)
        info.mode = EXEC_MODE if entry.executable else FILE_MODE
    return info


def write_tar(entries: dict[str, Entry], sink: BinaryIO) -> None:
    """Write ``entries`` as an uncompressed, byte-sorted GNU tar to ``sink``."""
    with tarfile.open(fileobj=sink, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for path in sorted(entries, key=lambda p: p.encode()):
            entry = entries[path]
            info = _tarinfo(path, entry)
            archive.addfile(info, io.BytesIO(entry.data) if entry.kind == "file" else None)


def write_layer(tree: Tree, out: BinaryIO) -> LayerDescriptor:
    """Write ``tree`` as a gzipped layer to ``out`` and describe it."""
    raw = io.BytesIO()
    write_tar(tree.with_parents(), raw)
    blob = gzip.compress(raw.getvalue(), compresslevel=GZIP_LEVEL, mtime=0)
    out.write(blob)
    return LayerDescriptor(
        digest="sha256:" + hashlib.sha256(blob).hexdigest(),
        diff_id="sha256:" + hashlib.sha256(raw.getvalue()).hexdigest(),
        size=len(blob),
    )
