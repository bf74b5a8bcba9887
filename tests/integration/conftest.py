"""Fixtures shared by the integration folders: the example teams' Bazel images, loaded into the engine.

Without Bazel or the engine the tests that use them fail with the tooling/ script to run.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dagseal.digest_map import load_digest_map

ROOT = Path(__file__).resolve().parents[2]


def _run(*cmd: str) -> None:
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def team_images() -> dict[str, str]:
    """Every team of ``bazel build //:digest_map`` loaded into the engine: dag_dir -> pinned image id."""
    if shutil.which("bazel") is None:
        pytest.fail("bazel is not installed: run tooling/install_bazel.sh")
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode:
        pytest.fail("the Docker engine is not reachable: run tooling/start_docker.sh")
    _run("bazel", "build", "--noshow_progress", "//:digest_map")
    digest_map = load_digest_map(ROOT / "bazel-bin/digest_map.json", ROOT)
    for dag_dir in digest_map.repos:
        _run("bazel", "run", "--noshow_progress", f"//{dag_dir}:load")
    return {dag_dir: entry.image_id for dag_dir, entry in digest_map.repos.items()}
