"""The fixture DAG of the task-try tests, shared by the process runtime's and the zygote's tests."""

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bad_dags"


@pytest.fixture
def dag_dir(tmp_path: Path) -> Path:
    """A DAG directory holding only the task fixture (test_process_parse overrides it with all of them)."""
    folder = tmp_path / "dags"
    folder.mkdir()
    shutil.copy(FIXTURES / "tasks.py", folder / "tasks.py")
    return folder
