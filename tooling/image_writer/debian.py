"""Unpack Debian packages into a layer tree without running maintainer scripts.

Paths are canonicalized to merged-/usr (``/bin`` → ``/usr/bin`` …, with top-level symlinks, as
Debian 12 systems are), documentation is dropped except copyright files, and each package's
control file lands in ``/var/lib/dpkg/status.d/<package>`` so scanners can list the packages
(the layout distroless images use).
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from tooling.image_writer.tarball import LayerError, Tree, normalize_path

MERGED_USR = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
DROPPED_PREFIXES = ("usr/share/man/", "usr/share/info/", "usr/share/lintian/", "usr/share/doc/")
STATUS_DIR = "var/lib/dpkg/status.d"
CA_SOURCE_DIR = "usr/share/ca-certificates/"


def read_ar(data: bytes) -> dict[str, bytes]:
    """Members of an ``ar`` archive (the .deb container) by name."""
    if not data.startswith(b"!<arch>\n"):
        raise LayerError("not a Debian package (missing ar magic)")
    members: dict[str, bytes] = {}
    offset = 8
    while offset + 60 <= len(data):
        header = data[offset : offset + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        members[name] = data[offset + 60 : offset + 60 + size]
        offset += 60 + size + (size % 2)
    return members


def _open_member(members: dict[str, bytes], stem: str) -> tarfile.TarFile:
    for name, payload in members.items():
        if name.startswith(stem + "."):
            if name.endswith(".zst"):
                raise LayerError(f"{name}: zstd-compressed packages are not supported (stdlib has no zstd)")
            return tarfile.open(fileobj=io.BytesIO(payload), mode="r:*")
    raise LayerError(f"package has no {stem}.tar.*")


def canonical_path(path: str) -> str:
    """Map a package path to its merged-/usr location."""
    path = normalize_path(path)
    top = path.split("/", 1)[0]
    return "usr/" + path if top in MERGED_USR else path


def _kept(path: str) -> bool:
    if path.startswith("usr/share/doc/") and path.endswith("/copyright"):
        return True
    return not path.startswith(DROPPED_PREFIXES)


def _control_fields(control: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in control.decode().splitlines():
        if line and not line[0].isspace() and ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def add_deb(tree: Tree, deb: Path) -> str:
    """Unpack ``deb`` into ``tree``; return the package name."""
    members = read_ar(deb.read_bytes())
    with _open_member(members, "control") as control_tar:
        control_member = control_tar.extractfile("./control")
        if control_member is None:
            raise LayerError(f"{deb.name}: no control file")
        control = control_member.read()
        md5 = control_tar.extractfile("./md5sums") if "./md5sums" in control_tar.getnames() else None
        md5sums = md5.read() if md5 is not None else None
    package = _control_fields(control)["Package"]
    tree.add_file(f"{STATUS_DIR}/{package}", control.rstrip(b"\n") + b"\n")
    if md5sums is not None:
        tree.add_file(f"{STATUS_DIR}/{package}.md5sums", md5sums)
    with _open_member(members, "data") as data_tar:
        by_name = {m.name: m for m in data_tar.getmembers()}
        for member in data_tar.getmembers():
            path = canonical_path(member.name)
            if not path or not _kept(path):
                continue
            if member.isdir():
                tree.add_dir(path)
            elif member.issym():
                tree.add_symlink(path, member.linkname)
            elif member.isfile() or member.islnk():
                source = by_name["./" + normalize_path(member.linkname)] if member.islnk() else member
                payload = data_tar.extractfile(source)
                assert payload is not None
                tree.add_file(path, payload.read(), executable=bool(source.mode & 0o111))
            # device files, fifos: never in a layer
    return package


def add_merged_usr_links(tree: Tree) -> None:
    """Add ``/bin -> usr/bin`` and friends for every merged top-level directory in use."""
    for top in MERGED_USR:
        if any(path.startswith(f"usr/{top}/") for path in tree.entries):
            tree.add_symlink(top, f"usr/{top}")


def add_ca_bundle(tree: Tree, bundle_path: str) -> None:
    """Concatenate the packaged CA certificates into ``bundle_path`` (what update-ca-certificates does)."""
    certs = sorted(
        path
        for path, entry in tree.entries.items()
        if path.startswith(CA_SOURCE_DIR) and path.endswith(".crt") and entry.kind == "file"
    )
    if not certs:
        raise LayerError("ca_bundle requested but no certificates under /usr/share/ca-certificates")
    tree.add_file(bundle_path, b"".join(tree.entries[p].data.rstrip(b"\n") + b"\n" for p in certs))
