"""The build-time check that an image's protocol label is the protocol its SDK layer speaks.

``dag_repo`` labels every image ``io.dagseal.sandbox.protocol=<SANDBOX_PROTOCOL>`` (Starlark);
the sandbox in the image speaks ``PROTOCOL_VERSION`` of dagseal/sandbox/protocol.py, and hosts
trust the label. The constant is read with ``ast`` (never imported: the build's Python need not
have the SDK's dependencies), so a mismatch fails the build instead of a container at run time.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

PROTOCOL_LABEL = "io.dagseal.sandbox.protocol"
CONSTANT = "PROTOCOL_VERSION"
STARLARK_ORIGIN = "SANDBOX_PROTOCOL in tooling/bazel/private/dag_repo.bzl"


class ProtocolMismatch(Exception):
    """The labels and the Python constant disagree, or one of them is missing; one-line message."""


def protocol_version(source: Path) -> tuple[int, int]:
    """``PROTOCOL_VERSION`` assigned an int literal at the top level of ``source``, and its line."""
    for node in ast.parse(source.read_text(), filename=str(source)).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == CONSTANT for t in targets):
            if isinstance(value, ast.Constant) and type(value.value) is int:
                return value.value, node.lineno
            raise ProtocolMismatch(f"{source}:{node.lineno}: {CONSTANT} must be an int literal")
    raise ProtocolMismatch(f"{source}: no top-level {CONSTANT} = <int>")


def check_labels(labels: dict[str, str], labels_path: str, source: Path) -> None:
    """Raise ProtocolMismatch unless ``labels`` carry the protocol label equal to the constant."""
    version, line = protocol_version(source)
    label = labels.get(PROTOCOL_LABEL)
    if label is None:
        raise ProtocolMismatch(f"{labels_path}: no {PROTOCOL_LABEL} label ({source}:{line} says {version})")
    if label != str(version):
        raise ProtocolMismatch(
            f"image label {PROTOCOL_LABEL}={label} ({STARLARK_ORIGIN}) differs from "
            f"{CONSTANT} = {version} ({source}:{line}): set SANDBOX_PROTOCOL = {version}"
        )


def check_labels_file(labels_path: Path, source: Path, out: Path) -> None:
    """Check a labels JSON file against ``source``; copy it to ``out`` when it passes."""
    data = labels_path.read_bytes()
    check_labels(json.loads(data), str(labels_path), source)
    out.write_bytes(data)
