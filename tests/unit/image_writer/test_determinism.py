"""The image writer's outputs depend only on content: order, mtimes and owners never leak in."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from tooling.image_writer import debian, oci, wheels
from tooling.image_writer.digest_map import build_digest_map
from tooling.image_writer.tarball import LayerError, Tree, write_layer

FILES = {"opt/app/b.py": b"print('b')\n", "opt/app/a.py": b"print('a')\n", "etc/x.conf": b"x=1\n"}


def _layer(tree: Tree) -> tuple[bytes, oci.Layer]:
    out = io.BytesIO()
    desc = write_layer(tree, out)
    return out.getvalue(), desc


def _tree(order: list[str]) -> Tree:
    tree = Tree()
    for path in order:
        tree.add_file(path, FILES[path])
    tree.add_symlink("usr/bin/python", "python3")
    return tree


def test_insertion_order_does_not_matter() -> None:
    first, d1 = _layer(_tree(sorted(FILES)))
    second, d2 = _layer(_tree(sorted(FILES, reverse=True)))
    assert first == second
    assert d1 == d2


def test_tar_metadata_is_normalized_and_sorted_with_parents() -> None:
    blob, desc = _layer(_tree(list(FILES)))
    raw = gzip.decompress(blob)
    with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
        members = archive.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names, key=str.encode)
    assert {"opt", "opt/app", "etc", "usr", "usr/bin"} <= set(names)
    for m in members:
        assert (m.mtime, m.uid, m.gid, m.uname, m.gname) == (0, 0, 0, "", "")
        assert m.mode in (0o644, 0o755, 0o777)
    assert desc.diff_id == oci.sha256_digest(raw)
    assert desc.digest == oci.sha256_digest(blob) and desc.size == len(blob)


def test_gzip_header_has_no_mtime_or_name() -> None:
    blob, _ = _layer(_tree(list(FILES)))
    flags, mtime = blob[3], int.from_bytes(blob[4:8], "little")
    assert flags & 0x08 == 0  # FNAME
    assert mtime == 0


def test_conflicting_files_are_rejected_and_paths_cannot_escape() -> None:
    tree = Tree()
    tree.add_file("a", b"1")
    with pytest.raises(LayerError):
        tree.add_file("a", b"2")
    with pytest.raises(LayerError):
        tree.add_file("../etc/passwd", b"")


def test_image_digests_are_stable_and_config_is_canonical(tmp_path: Path) -> None:
    blob, desc = _layer(_tree(list(FILES)))
    path = tmp_path / "layer.tar.gz"
    path.write_bytes(blob)
    layer = oci.Layer(path, desc.digest, desc.diff_id, desc.size, "dags")
    settings = oci.ImageSettings.from_dict({"env": {"A": "1"}, "cmd": ["python3"], "labels": {"k": "v"}})
    one, two = oci.build_image([layer], settings), oci.build_image([layer], settings)
    assert one.manifest_digest == two.manifest_digest and one.image_id == two.image_id
    config = json.loads(one.config)
    assert one.config == oci.canonical_json(config)
    assert config["created"] == oci.CREATED
    assert config["rootfs"]["diff_ids"] == [desc.diff_id]
    assert all(set(h) == {"created", "created_by"} for h in config["history"])


def test_settings_merge_over_base() -> None:
    base = oci.ImageSettings.from_dict({"env": {"PATH": "/bin", "A": "1"}, "user": "1", "labels": {"x": "1"}})
    child = oci.ImageSettings.from_dict({"env": {"A": "2"}, "labels": {"y": "2"}, "workdir": "/w"})
    merged = child.over(base)
    assert merged.env == {"PATH": "/bin", "A": "2"}
    assert (merged.user, merged.workdir, merged.labels) == ("1", "/w", {"x": "1", "y": "2"})


def test_layout_and_docker_tar(tmp_path: Path) -> None:
    blob, desc = _layer(_tree(list(FILES)))
    (tmp_path / "l.tgz").write_bytes(blob)
    image = oci.build_image(
        [oci.Layer(tmp_path / "l.tgz", desc.digest, desc.diff_id, desc.size, "dags")], oci.EMPTY_SETTINGS
    )
    oci.write_layout(image, tmp_path / "layout")
    index = json.loads((tmp_path / "layout/index.json").read_bytes())
    assert index["manifests"][0]["digest"] == image.manifest_digest
    for blob_path in (tmp_path / "layout/blobs/sha256").iterdir():
        assert oci.sha256_digest(blob_path.read_bytes()) == "sha256:" + blob_path.name
    oci.write_docker_tar(tmp_path / "layout", ["dagseal/t:latest"], tmp_path / "a.tar")
    oci.write_docker_tar(tmp_path / "layout", ["dagseal/t:latest"], tmp_path / "b.tar")
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    with tarfile.open(tmp_path / "a.tar") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest[0]["Config"] == "blobs/sha256/" + image.image_id.removeprefix("sha256:")
    assert manifest[0]["RepoTags"] == ["dagseal/t:latest"]


def test_wheel_unpacking_skips_bytecode_and_maps_purelib(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo/__init__.py", "x = 1\n")
        archive.writestr("demo/__pycache__/__init__.cpython-311.pyc", b"\0")
        archive.writestr("demo-1.0.data/purelib/extra.py", "y = 2\n")
        archive.writestr("demo-1.0.dist-info/METADATA", "Name: demo\n")
    tree = Tree()
    wheels.add_wheel(tree, wheel, "opt/site")
    assert set(tree.entries) == {
        "opt/site/demo/__init__.py",
        "opt/site/extra.py",
        "opt/site/demo-1.0.dist-info/METADATA",
    }


def _tar_gz(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 12345, 0o755
            archive.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def _deb(path: Path, package: str, data: dict[str, bytes]) -> None:
    members = {
        "debian-binary": b"2.0\n",
        "control.tar.gz": _tar_gz({"./control": f"Package: {package}\nVersion: 1\n".encode()}),
        "data.tar.gz": _tar_gz(data),
    }
    out = io.BytesIO()
    out.write(b"!<arch>\n")
    for name, payload in members.items():
        out.write(f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(payload):<10}`\n".encode())
        out.write(payload + (b"\n" if len(payload) % 2 else b""))
    path.write_bytes(out.getvalue())


def test_deb_unpacking_merges_usr_and_records_status(tmp_path: Path) -> None:
    _deb(
        tmp_path / "p.deb",
        "p",
        {
            "./bin/tool": b"#!/bin/sh\n",
            "./usr/share/doc/p/copyright": b"MIT\n",
            "./usr/share/doc/p/README": b"drop me\n",
            "./usr/share/man/man1/tool.1": b"drop me\n",
        },
    )
    tree = Tree()
    assert debian.add_deb(tree, tmp_path / "p.deb") == "p"
    debian.add_merged_usr_links(tree)
    assert tree.entries["usr/bin/tool"].executable
    assert tree.entries["bin"].target == "usr/bin"
    assert "usr/share/doc/p/copyright" in tree.entries
    assert "usr/share/doc/p/README" not in tree.entries and "usr/share/man/man1/tool.1" not in tree.entries
    assert tree.entries["var/lib/dpkg/status.d/p"].data == b"Package: p\nVersion: 1\n"


def test_digest_map_is_sorted_and_records_file_hashes(tmp_path: Path) -> None:
    image_json = tmp_path / "image.json"
    image_json.write_text(json.dumps({"manifest_digest": "sha256:m", "image_id": "sha256:c", "layers": []}))
    (tmp_path / "a.py").write_text("x")
    repo = {
        "dag_dir": "dag_repos/t",
        "container_dag_dir": "/opt/dagseal/dags/t",
        "image": "dagseal/t",
        "bazel_target": "//dag_repos/t:image",
        "runtime": "python311",
        "sandbox_protocol": 1,
        "image_json": str(image_json),
        "files": [{"path": "a.py", "src": str(tmp_path / "a.py")}],
    }
    document = json.loads(build_digest_map([repo]))
    assert document["schema_version"] == 1
    entry = document["repos"]["dag_repos/t"]
    assert entry["files"] == {"a.py": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}
    assert build_digest_map([repo]) == build_digest_map([repo])
