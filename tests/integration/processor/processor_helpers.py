"""Helpers shared by the processor integration tests (a unique module name: conftest.py is not)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from dagseal.processor import DagProcessorManager

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PARSE_TIMEOUT = 5.0

MakeManager = Callable[..., DagProcessorManager]


def copy_fixture(folder: Path, name: str, as_name: str | None = None) -> Path:
    """Copy tests/fixtures/<name> (e.g. ``processor/good_dag.py``) into ``folder``."""
    target = folder / (as_name or Path(name).name)
    shutil.copyfile(FIXTURES / name, target)
    return target
