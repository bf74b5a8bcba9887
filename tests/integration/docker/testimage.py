"""A small sandbox image assembled from this host's Debian Python, for tests and benchmarks.

Why: the integration suite must exercise the real engine even before (or without) the Bazel
images, and it must test the *working tree's* sandbox code. The image holds Debian's
python3.11 with its stdlib, the shared libraries `ldd` names, a few coreutils the security tests
use (sh, sleep, setsid), attrs/cattrs, and the image side of dagseal (sdk, serialization,
sandbox). It carries `io.dagseal.test=1` so the session fixture removes it by label, and the
sandbox protocol label like the Bazel images. Built with `docker import`, so no registry and no
network are needed; the content hash of the dagseal sources is a label, so an unchanged tree
reuses the image.
"""

from __future__ import annotations

import hashlib
import io
import py_compile
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

import docker

REPO_ROOT = Path(__file__).resolve().parents[3]
TEST_LABEL = "io.dagseal.test"
CONTENT_LABEL = "io.dagseal.test.content"
TEAM_DAGS = "/opt/dagseal/dags"
PYTHON = Path("/usr/bin/python3.11")
STDLIB = Path("/usr/lib/python3.11")
TOOLS = (
    "/bin/sh",
    "/usr/bin/bash",
    "/usr/bin/sleep",
    "/usr/bin/setsid",
    "/usr/bin/cat",
    "/usr/bin/id",
    "/usr/bin/true",
    # used by Airflow's example DAGs (tests/integration/compat/airflow_examples.py)
    "/usr/bin/date",
    "/usr/bin/find",
    "/usr/bin/wc",
)
STDLIB_SKIP = {
    "test",
    "idlelib",
    "tkinter",
    "turtledemo",
    "ensurepip",
    "lib2to3",
    "pydoc_data",
    "config-3.11-x86_64-linux-gnu",
}
SITE = "/usr/lib/python3/dist-packages"
IMAGE_SIDE = ("dagseal/__init__.py", "dagseal/sdk", "dagseal/serialization", "dagseal/sandbox")
THIRD_PARTY = (
    "attr",
    "attrs",
    "cattr",
    "cattrs",
    "typing_extensions.py",
    "jinja2",
    "markupsafe",
    "pendulum",
    "dateutil",
    "six.py",  # the host's python-dateutil (2.9, pinned by celery) imports it; the SDK lock's 4.0 does not
    "tzdata",
)


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path


def _content_hash(protocol: str, source_root: Path) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes() + protocol.encode())
    for rel in IMAGE_SIDE:
        for path in _files(source_root / rel):
            digest.update(str(path.relative_to(source_root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def _shared_libraries(binaries: Iterable[Path]) -> set[Path]:
    libs: set[Path] = set()
    for binary in binaries:
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            parts = line.split()
            candidates = [p for p in parts if p.startswith("/")]
            libs.update(Path(p) for p in candidates)
    return libs


def _add(tar: tarfile.TarFile, source: Path, arcname: str) -> None:
    info = tar.gettarinfo(str(source.resolve()), arcname=arcname.lstrip("/"))
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    with source.open("rb") as handle:
        tar.addfile(info, handle)


def _add_text(tar: tarfile.TarFile, arcname: str, text: str, mode: int = 0o644) -> None:
    data = text.encode()
    info = tarfile.TarInfo(arcname.lstrip("/"))
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def _add_python(tar: tarfile.TarFile, source: Path, arcname: str) -> None:
    """Add a file; a .py also gets its bytecode (unchecked-hash), as the rootfs is read-only."""
    _add(tar, source, arcname)
    if source.suffix != ".py":
        return
    with tempfile.TemporaryDirectory() as tmp:
        cfile = Path(tmp) / "compiled.pyc"
        py_compile.compile(
            str(source),
            cfile=str(cfile),
            dfile=arcname,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        cached = (
            PurePosixPath(arcname).parent
            / "__pycache__"
            / f"{source.stem}.{sys.implementation.cache_tag}.pyc"
        )
        _add(tar, cfile, str(cached))


def _add_dir(tar: tarfile.TarFile, arcname: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(arcname.lstrip("/"))
    info.type, info.mode = tarfile.DIRTYPE, mode
    tar.addfile(info)


def _python_package_root(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name.removesuffix(".py"))
    assert spec is not None and spec.origin is not None, name
    origin = Path(spec.origin)
    return origin if name.endswith(".py") else origin.parent


def _rootfs_tar(source_root: Path) -> bytes:
    dynload = sorted((STDLIB / "lib-dynload").glob("*.so"))
    tools = [Path(t) for t in TOOLS]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in ("/tmp", "/etc", "/usr/bin", "/bin", "/home/dagseal", TEAM_DAGS):
            _add_dir(tar, directory, 0o1777 if directory == "/tmp" else 0o755)
        _add(tar, PYTHON, str(PYTHON))
        tar.addfile(_symlink("usr/bin/python3", "python3.11"))
        for tool in tools:
            _add(tar, tool, str(tool))
        for lib in sorted(_shared_libraries([PYTHON, *dynload, *tools])):
            _add(tar, lib, str(lib))
        for path in sorted(STDLIB.rglob("*")):  # Debian's own .pyc files included: a fast start
            rel = path.relative_to(STDLIB)
            if path.is_file() and rel.parts[0] not in STDLIB_SKIP and rel.name != "EXTERNALLY-MANAGED":
                _add(tar, path, f"{STDLIB}/{rel}")
        for name in THIRD_PARTY:
            root = _python_package_root(name)
            for path in _files(root):
                _add_python(tar, path, f"{SITE}/{path.relative_to(root.parent)}")
        for rel in IMAGE_SIDE:
            for path in _files(source_root / rel):
                _add_python(tar, path, f"{SITE}/{path.relative_to(source_root)}")
        _add_text(
            tar, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\ndagseal:x:1000:1000::/home/dagseal:/bin/sh\n"
        )
        _add_text(tar, "/etc/group", "root:x:0:\ndagseal:x:1000:\n")
    return buffer.getvalue()


def _symlink(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


def protocol_version() -> str:
    """The working tree's sandbox protocol version (the image label must match it)."""
    from dagseal.sandbox.protocol import PROTOCOL_VERSION

    return str(PROTOCOL_VERSION)


def previous_protocol_tree(dest: Path) -> str:
    """Extract the image side of the last commit before ``PROTOCOL_VERSION`` last changed into
    ``dest`` (from git: no checked-in copy of old code); returns that commit."""
    changed = subprocess.run(
        [
            "git",
            "-C",
            str(REPO_ROOT),
            "log",
            "-1",
            "--format=%H",
            "-G",
            "^PROTOCOL_VERSION = ",
            "--",
            "dagseal/sandbox/protocol.py",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", f"{changed}^", *IMAGE_SIDE], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return f"{changed}^"


def build_test_image(
    client: docker.APIClient, protocol: str | None = None, source_root: Path | None = None
) -> str:
    """Return the id of the test image for the working tree, importing it when missing.

    `protocol` overrides the protocol label (to test that the host refuses a mismatch);
    `source_root` takes the image side from another tree (an older dagseal, see
    :func:`previous_protocol_tree`).
    """
    protocol = protocol or protocol_version()
    source_root = source_root or REPO_ROOT
    content = _content_hash(protocol, source_root)
    existing = client.images(filters={"label": [f"{CONTENT_LABEL}={content}"]}, quiet=True)
    if existing:
        return existing[0]
    changes = [
        f"LABEL {TEST_LABEL}=1",
        f"LABEL {CONTENT_LABEL}={content}",
        f"LABEL io.dagseal.sandbox.protocol={protocol}",
        "ENV PATH=/usr/bin:/bin",
        "ENV HOME=/home/dagseal",
        "USER 1000",
        'ENTRYPOINT ["python3", "-m", "dagseal.sandbox"]',
    ]
    result = client.import_image_from_data(_rootfs_tar(source_root), changes=changes)
    return _imported_id(result)


def _imported_id(result: str) -> str:
    import json

    for line in reversed(result.strip().splitlines()):
        status = json.loads(line).get("status", "")
        if status.startswith("sha256:"):
            return status
    raise RuntimeError(f"docker import gave no image id: {result!r}")
