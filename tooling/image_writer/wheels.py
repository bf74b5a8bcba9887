"""Unpack wheels straight into a site-packages directory of a layer (no installer, no wheel .pyc)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tooling.image_writer.tarball import Tree

_LIB_SCHEMES = ("purelib", "platlib")


def _install_path(name: str) -> str | None:
    """Where a wheel member goes relative to site-packages; None to leave it out."""
    if name.endswith("/") or name.endswith(".pyc") or "/__pycache__/" in f"/{name}":
        return None
    head, _, rest = name.partition("/")
    if head.endswith(".data"):
        scheme, _, inner = rest.partition("/")
        return inner if scheme in _LIB_SCHEMES else name
    return name


def add_wheel(tree: Tree, wheel: Path, prefix: str) -> None:
    """Unpack ``wheel`` under ``prefix`` in ``tree``."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            target = _install_path(info.filename)
            if target is None:
                continue
            executable = bool((info.external_attr >> 16) & 0o111)
            tree.add_file(f"{prefix}/{target}", archive.read(info), executable=executable)
