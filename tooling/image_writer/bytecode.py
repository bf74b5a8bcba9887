"""Checked-hash ``.pyc`` files (PEP 552) for a layer's Python sources.

Containers run with a read-only root and ``PYTHONDONTWRITEBYTECODE=1``, so every ``.pyc`` the
image needs must be in it. Hash-based pycs hold the source's hash instead of its mtime (layers
have mtime 0), and *checked* ones make the interpreter re-hash the source at import: a derived
image or a bind mount that replaces a ``.py`` gets its new code, never stale bytecode. The pyc
must come from the image's Python minor (same magic number), so the build interpreter must be it.
``compile`` and ``marshal`` give the same bytes whatever this process imported before and
whatever ``PYTHONHASHSEED`` is (frozenset constants are marshalled sorted since 3.11);
tests/unit/image_writer checks that.
"""

from __future__ import annotations

import importlib.util
import marshal
import posixpath
import sys
import warnings

from tooling.image_writer.tarball import LayerError, Tree

MAX_SYMLINKS = 40
CHECKED_HASH_FLAGS = 0b11  # PEP 552: bit 0 = hash-based, bit 1 = check_source


def check_python(version: str) -> None:
    """Fail unless this interpreter is Python ``version`` (``major.minor``), whose magic the image needs."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running != version:
        raise LayerError(
            f".pyc for Python {version} need a Python {version} build interpreter, but "
            f"{sys.executable} is {sys.version.split()[0]} (another bytecode magic): point "
            "//tooling/bazel:python_toolchain at a matching Python or set pyc_python to another minor"
        )


def pyc(source: bytes, path: str) -> bytes | None:
    """The checked-hash ``.pyc`` of ``source`` at image path ``/path``; None if it is not valid Python."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(source, "/" + path, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError):  # templates, Python 2 test data, NUL bytes: compileall skips them too
        return None
    header = importlib.util.MAGIC_NUMBER + CHECKED_HASH_FLAGS.to_bytes(4, "little")
    return header + importlib.util.source_hash(source) + marshal.dumps(code)


def _source(tree: Tree, path: str) -> bytes | None:
    """The bytes of the file at ``path``, following symlinks inside the layer; None if there are none."""
    for _ in range(MAX_SYMLINKS):
        entry = tree.entries.get(path)
        if entry is None or entry.kind == "dir":
            return None
        if entry.kind == "file":
            return entry.data
        target = posixpath.normpath(posixpath.join("/", posixpath.dirname(path), entry.target))
        path = target.lstrip("/")
    return None


def add_pyc(tree: Tree, version: str, under: str = "") -> list[str]:
    """Add ``__pycache__/<stem>.cpython-XY.pyc`` beside every ``.py`` below ``under`` (all if empty).

    A symlinked source (Debian's ``sitecustomize.py``) is compiled from its target in the layer.
    Returns the sources left without a ``.pyc``: they do not compile, or their target is elsewhere.
    """
    check_python(version)
    prefix = under.strip("/") + "/" if under.strip("/") else ""
    sources = sorted(
        path
        for path, entry in tree.entries.items()
        if entry.kind != "dir" and path.endswith(".py") and path.startswith(prefix)
    )
    if prefix and not sources:
        raise LayerError(f"no .py files under /{prefix}: is this the Python {version} the packages ship?")
    skipped = []
    for path in sources:
        source = _source(tree, path)
        compiled = None if source is None else pyc(source, path)
        if compiled is None:
            skipped.append(path)
        else:
            parent, _, name = path.rpartition("/")
            tree.add_file(f"{parent}/__pycache__/{name[:-3]}.{sys.implementation.cache_tag}.pyc", compiled)
    return skipped
