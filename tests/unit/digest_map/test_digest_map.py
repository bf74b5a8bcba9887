"""dagseal.digest_map: good maps load; missing, malformed, old and stale maps fail clearly."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dagseal.digest_map import DigestMapError, load_digest_map, main

DAG_SOURCE = "print('dag')\n"


def _entry(dag_dir: str = "dag_repos/t") -> dict[str, object]:
    return {
        "dag_dir": dag_dir,
        "container_dag_dir": "/opt/dagseal/dags/t",
        "image": "dagseal/t",
        "bazel_target": f"//{dag_dir}:image",
        "manifest_digest": "sha256:" + "a" * 64,
        "image_id": "sha256:" + "b" * 64,
        "sandbox_protocol": 1,
        "runtime": "python311",
        "layers": [{"digest": "sha256:1", "diff_id": "sha256:2", "size": 3, "role": "dags"}],
        "files": {"dag.py": hashlib.sha256(DAG_SOURCE.encode()).hexdigest()},
    }


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "dag_repos/t").mkdir(parents=True)
    (tmp_path / "dag_repos/t/dag.py").write_text(DAG_SOURCE)
    (tmp_path / "map.json").write_text(json.dumps({"schema_version": 1, "repos": {"dag_repos/t": _entry()}}))
    return tmp_path


def test_loads_entries(workspace: Path) -> None:
    digest_map = load_digest_map(workspace / "map.json", workspace)
    entry = digest_map.entry_for("dag_repos/t/")
    assert entry.pinned_ref == "dagseal/t@sha256:" + "a" * 64
    assert entry.layers[0].role == "dags" and entry.sandbox_protocol == 1


def test_missing_map(tmp_path: Path) -> None:
    with pytest.raises(DigestMapError, match="not found; run `bazel build //:digest_map`"):
        load_digest_map(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a digest map"),
        ('{"schema_version": 2, "repos": {}}', "schema_version 2 is not supported"),
        ('{"schema_version": 1, "repos": {"dag_repos/t": {"dag_dir": "dag_repos/t"}}}', "malformed .* entry"),
    ],
)
def test_malformed_maps(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "map.json").write_text(text)
    with pytest.raises(DigestMapError, match=message):
        load_digest_map(tmp_path / "map.json")


def test_unknown_directory(workspace: Path) -> None:
    with pytest.raises(DigestMapError, match="no digest map entry for 'dag_repos/other'"):
        load_digest_map(workspace / "map.json").entry_for("dag_repos/other")


def _remove_dir(ws: Path) -> None:
    (ws / "dag_repos/t/dag.py").unlink()
    (ws / "dag_repos/t").rmdir()


def _rebuilt_image(ws: Path) -> None:
    (ws / "bazel-bin/dag_repos/t").mkdir(parents=True)
    (ws / "bazel-bin/dag_repos/t/image.digest").write_text("sha256:other")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda ws: (ws / "dag_repos/t/dag.py").write_text("edited"), "dag.py: changed"),
        (lambda ws: (ws / "dag_repos/t/dag.py").unlink(), "dag.py: deleted"),
        (lambda ws: (ws / "dag_repos/t/new.py").write_text(""), "new.py: new"),
        (_remove_dir, "directory does not exist"),
        (_rebuilt_image, "built image sha256:other"),
    ],
)
def test_stale_maps(workspace: Path, change: Callable[[Path], object], message: str) -> None:
    change(workspace)
    with pytest.raises(DigestMapError, match=f"stale digest map .*{message}"):
        load_digest_map(workspace / "map.json", workspace)


def test_cli_prints_pin_or_reason(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--map", str(workspace / "map.json"), "--dag-dir", "dag_repos/t", "--workspace", str(workspace)]
    assert main(args) == 0
    assert "dag_repos/t is pinned to dagseal/t@sha256:aaaa" in capsys.readouterr().out
    (workspace / "dag_repos/t/dag.py").write_text("edited")
    assert main(args) == 1
    assert "stale digest map" in capsys.readouterr().err


@pytest.mark.fresh_interpreter
def test_the_map_loader_needs_only_the_standard_library() -> None:
    """Bazel's `:processor` runs `python3 -m dagseal.digest_map` with whatever python3 is on
    PATH: importing it must not pull in YAML, cattrs, the configuration, placement, deploy or the
    backends."""
    code = (
        "import sys, dagseal.digest_map; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'yaml', 'cattrs'} "
        "or m.startswith(('dagseal.config', 'dagseal.runtime', 'dagseal.placement', 'dagseal.deploy'))))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
