"""What the rules hand the writer: the protocol-checked labels, settings and symlinks as JSON files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagseal.sandbox.protocol import PROTOCOL_VERSION
from tooling.image_writer import main, oci
from tooling.image_writer.protocol_check import (
    PROTOCOL_LABEL,
    ProtocolMismatch,
    check_labels_file,
    protocol_version,
)
from tooling.image_writer.tarball import Tree

ROOT = Path(__file__).resolve().parents[3]
PROTOCOL_SOURCE = ROOT / "dagseal/sandbox/protocol.py"


def _labels(tmp_path: Path, labels: dict[str, str]) -> Path:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(labels))
    return path


def test_reads_the_constant_the_sandbox_imports() -> None:
    version, line = protocol_version(PROTOCOL_SOURCE)
    assert version == PROTOCOL_VERSION
    assert PROTOCOL_SOURCE.read_text().splitlines()[line - 1].startswith("PROTOCOL_VERSION")


def test_matching_label_is_copied_unchanged(tmp_path: Path) -> None:
    labels = _labels(tmp_path, {PROTOCOL_LABEL: str(PROTOCOL_VERSION), "io.dagseal.dag_dir": "dag_repos/t"})
    check_labels_file(labels, PROTOCOL_SOURCE, tmp_path / "out.json")
    assert (tmp_path / "out.json").read_bytes() == labels.read_bytes()


def test_mismatch_fails_the_command_naming_both_values_and_places(tmp_path: Path) -> None:
    labels = _labels(tmp_path, {PROTOCOL_LABEL: str(PROTOCOL_VERSION + 1)})
    out = tmp_path / "out.json"
    argv = ["check-protocol", "--labels", str(labels), "--protocol-source", str(PROTOCOL_SOURCE)]
    with pytest.raises(SystemExit) as exit_info:
        main.main([*argv, "--out", str(out)])
    message = str(exit_info.value.code)
    assert message.startswith("sandbox protocol check failed: ")
    assert f"{PROTOCOL_LABEL}={PROTOCOL_VERSION + 1}" in message
    assert f"PROTOCOL_VERSION = {PROTOCOL_VERSION} ({PROTOCOL_SOURCE}:" in message
    assert "SANDBOX_PROTOCOL in tooling/bazel/private/dag_repo.bzl" in message
    assert "\n" not in message and not out.exists()


def test_missing_label_or_constant_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProtocolMismatch, match=f"labels.json: no {PROTOCOL_LABEL} label"):
        check_labels_file(_labels(tmp_path, {}), PROTOCOL_SOURCE, tmp_path / "out.json")
    module = tmp_path / "protocol.py"
    module.write_text("PROTOCOL_VERSION = '2'\n")
    with pytest.raises(ProtocolMismatch, match=r"protocol.py:1: PROTOCOL_VERSION must be an int literal"):
        protocol_version(module)
    module.write_text("def f():\n    PROTOCOL_VERSION = 2\n")
    with pytest.raises(ProtocolMismatch, match=r"protocol.py: no top-level PROTOCOL_VERSION = <int>"):
        protocol_version(module)
    module.write_text("PROTOCOL_VERSION: int = 7\n")
    assert protocol_version(module) == (7, 1)


def test_image_settings_are_read_from_the_macro_files(tmp_path: Path) -> None:
    files = {"env": {"A": "1"}, "cmd": ["python3", "-m", "x"], "labels": {"k": "v"}}
    raw: dict[str, str] = {"user": "1000", "workdir": "/w"}
    for key, value in files.items():
        (tmp_path / f"{key}.json").write_text(json.dumps(value))
        raw[f"{key}_file"] = str(tmp_path / f"{key}.json")
    expected = oci.ImageSettings.from_dict({**files, "user": "1000", "workdir": "/w"})
    assert main.settings_from_spec(raw) == expected
    assert main.settings_from_spec({"user": "", "workdir": ""}).entrypoint is None


def test_layer_symlinks_are_read_from_the_macro_file(tmp_path: Path) -> None:
    links = tmp_path / "symlinks.json"
    wanted = {"etc/localtime": "/usr/share/zoneinfo/Etc/UTC", "usr/bin/python": "python3"}
    links.write_text(json.dumps(wanted))
    tree = main.build_tree({"symlinks_file": str(links)})
    expected = Tree()
    for path, target in wanted.items():
        expected.add_symlink(path, target)
    assert tree.entries == expected.entries
    assert main.build_tree({"symlinks_file": None}).entries == {}
