"""Checked-hash .pyc: right header, used by the importer, rebuilt on edit, same bytes in any process."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tooling.image_writer import bytecode
from tooling.image_writer.main import build_tree
from tooling.image_writer.tarball import LayerError, Tree

ROOT = Path(__file__).resolve().parents[3]
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
TAG = sys.implementation.cache_tag
# Compiles the given host stdlib packages in a fresh interpreter and prints {path: pyc hex}.
COMPILE_SCRIPT = """
import json, sys
from pathlib import Path
{preload}
sys.path.insert(0, {root!r})
from tooling.image_writer.bytecode import pyc
out = {{}}
for package in {packages!r}:
    for path in sorted(Path({stdlib!r}, package).rglob("*.py")):
        compiled = pyc(path.read_bytes(), str(path))
        out[str(path)] = compiled.hex() if compiled else None
print(json.dumps(out))
"""


def _compiled_elsewhere(hash_seed: str, preload: str) -> dict[str, str | None]:
    script = COMPILE_SCRIPT.format(
        preload=preload,
        root=str(ROOT),
        packages=["json", "email", "asyncio", "importlib"],
        stdlib=sysconfig.get_paths()["stdlib"],
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run([sys.executable, "-I", "-c", script], env=env, capture_output=True, check=True)
    return json.loads(out.stdout)


def test_header_is_checked_hash_with_this_magic() -> None:
    source = b"VALUE = {'a', 'b'}\n"
    compiled = bytecode.pyc(source, "opt/app/mod.py")
    assert compiled is not None
    assert compiled[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(compiled[4:8], "little") == 0b11
    assert compiled[8:16] == importlib.util.source_hash(source)


@pytest.mark.fresh_interpreter
def test_compiled_bytes_do_not_depend_on_process_state_or_hash_seed() -> None:
    bare = _compiled_elsewhere("0", "")
    busy = _compiled_elsewhere("4242", "import tarfile, gzip, argparse, unittest, http.client, decimal")
    assert len(bare) > 50 and all(bare.values())
    assert bare == busy


@pytest.mark.fresh_interpreter
def test_importer_uses_the_pyc_and_rechecks_an_edited_source(tmp_path: Path) -> None:
    tree = Tree()
    tree.add_file("lib/mod.py", b"VALUE = 'from the image'\n")
    assert bytecode.add_pyc(tree, VERSION) == []
    for path, entry in tree.entries.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(entry.data)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "lib"), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-v", "-c", "import mod; print(mod.VALUE)"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert first.stdout == "from the image\n"
    assert f"code object from '{tmp_path}/lib/__pycache__/mod.{TAG}.pyc'" in first.stderr
    (tmp_path / "lib/mod.py").write_text("VALUE = 'bind-mounted over'\n")
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert second.stdout == "bind-mounted over\n"


def test_symlinked_sources_compile_from_their_target_and_bad_ones_are_listed() -> None:
    tree = Tree()
    tree.add_file("etc/python/sitecustomize.py", b"X = 1\n")
    tree.add_symlink("usr/lib/py/sitecustomize.py", "/etc/python/sitecustomize.py")
    tree.add_symlink("usr/lib/py/outside.py", "../../../elsewhere/gone.py")
    tree.add_file("usr/lib/py/py2.py", b"print 'old'\n")
    tree.add_file("usr/lib/py/ok.py", b"Y = 2\n")
    skipped = bytecode.add_pyc(tree, VERSION, under="usr/lib/py")
    assert skipped == ["usr/lib/py/outside.py", "usr/lib/py/py2.py"]
    link_pyc = tree.entries[f"usr/lib/py/__pycache__/sitecustomize.{TAG}.pyc"].data
    assert link_pyc == bytecode.pyc(b"X = 1\n", "usr/lib/py/sitecustomize.py")
    assert f"usr/lib/py/__pycache__/ok.{TAG}.pyc" in tree.entries
    assert not any(p.startswith("etc/python/__pycache__") for p in tree.entries)


def test_another_python_minor_fails_the_build() -> None:
    with pytest.raises(LayerError, match=r"\.pyc for Python 3\.99 need a Python 3\.99 build interpreter"):
        bytecode.add_pyc(Tree(), "3.99")
    tree = Tree()
    tree.add_file("usr/lib/python3.12/os.py", b"")
    with pytest.raises(LayerError, match=r"no \.py files under /usr/lib/python3\.11/"):
        bytecode.add_pyc(tree, VERSION, under=f"usr/lib/python{VERSION}")


def test_layer_spec_adds_pyc_only_when_asked(tmp_path: Path) -> None:
    src = tmp_path / "dag.py"
    src.write_text("X = 1\n")
    spec = {"files": [{"path": "opt/dags/dag.py", "src": str(src)}], "pyc_python": ""}
    assert set(build_tree(spec).entries) == {"opt/dags/dag.py"}
    with_pyc = build_tree({**spec, "pyc_python": VERSION}).entries
    assert set(with_pyc) == {"opt/dags/dag.py", f"opt/dags/__pycache__/dag.{TAG}.pyc"}
