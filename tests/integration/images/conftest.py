"""Fixtures for the image checks: Bazel builds every image, the real Docker engine loads them.

No silent skips: without Bazel or the engine the tests fail and say which tooling/ script to run.
Containers carry the label ``io.dagseal.test=images``; images this session loaded that were not
in the engine before are removed at the end (the images' own labels are part of their digest).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from image_helpers import ROOT, TEST_LABEL, run

from dagseal.digest_map import DigestMap, load_digest_map


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.bazel)
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def digest_map() -> DigestMap:
    """``bazel build //...`` once; the resulting digest map, checked fresh against the checkout."""
    if shutil.which("bazel") is None:
        pytest.fail("bazel is not installed: run tooling/install_bazel.sh")
    run("bazel", "build", "--noshow_progress", "//...")
    return load_digest_map(ROOT / "bazel-bin/digest_map.json", ROOT)


@pytest.fixture(scope="session")
def engine() -> None:
    """The Docker engine must be up."""
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode:
        pytest.fail("the Docker engine is not reachable: run tooling/start_docker.sh")


@pytest.fixture(scope="session")
def loaded(digest_map: DigestMap, engine: None) -> Iterator[dict[str, str]]:
    """Each repo's image loaded with ``docker load``: dag_dir -> image id."""
    before = set(run("docker", "images", "-q", "--no-trunc").split())
    for entry in digest_map.repos.values():
        run("docker", "load", "--input", str(ROOT / "bazel-bin" / entry.dag_dir / "load.tar"))
    yield {dag_dir: entry.image_id for dag_dir, entry in digest_map.repos.items()}
    containers = run("docker", "ps", "-aq", "--filter", f"label={TEST_LABEL}").split()
    if containers:
        run("docker", "rm", "-f", *containers)
    new = {entry.image_id for entry in digest_map.repos.values()} - before
    if new:
        subprocess.run(["docker", "rmi", "--force", *new], capture_output=True, check=False)
