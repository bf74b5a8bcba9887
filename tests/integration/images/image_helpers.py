"""Helpers the image tests import (a conftest cannot be imported by name: several exist)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TEST_LABEL = "io.dagseal.test=images"
# What a checkout copy leaves out: build symlinks, git, the virtualenv, local state and caches.
LOCAL_STATE = (
    "bazel-*",
    ".git",
    ".venv",
    ".dagseal",
    ".pytest_cache",
    ".hypothesis",
    "__pycache__",
    "*.egg-info",
)


def run(*cmd: str, cwd: Path = ROOT, stdin: str | None = None) -> str:
    """Run ``cmd``; fail the test with its output if it fails."""
    result = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def docker_run(image: str, *args: str, stdin: str | None = None) -> str:
    """``docker run`` as the sandbox does: no network, uid 1000, labeled for cleanup."""
    return run(
        "docker",
        "run",
        "--rm",
        "-i",
        "--network",
        "none",
        "--user",
        "1000",
        "--label",
        TEST_LABEL,
        image,
        *args,
        stdin=stdin,
    )


def inspect(image: str) -> dict:
    """``docker image inspect`` of one image."""
    return json.loads(run("docker", "image", "inspect", image))[0]


def copy_checkout(dest: Path) -> None:
    """A copy of the checkout's sources at ``dest`` (no Bazel symlinks, git, caches or virtualenv)."""
    shutil.copytree(
        ROOT,
        dest,
        symlinks=True,
        ignore=shutil.ignore_patterns(*LOCAL_STATE),
    )
