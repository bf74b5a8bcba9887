"""Fixtures of the Airflow-compatibility tests (helpers live in sandbox_harness.py)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from dagseal.sdk import compat
from tests.integration.compat.sandbox_harness import DagFolder


@pytest.fixture(autouse=True)
def _no_compat_leftovers() -> Iterator[None]:
    yield
    compat.uninstall()


@pytest.fixture
def dag_folder(tmp_path: Path) -> DagFolder:
    return DagFolder(tmp_path)
