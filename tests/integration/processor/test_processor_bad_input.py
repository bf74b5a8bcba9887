"""Every bad input of issue 2 through the full processor, on SQLite and PostgreSQL.

One directory holds all the bad files plus good ones; one loop must store the good DAGs, give each
bad file one import_error row with a useful message, and leave the processor able to loop again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from processor_helpers import FIXTURES, MakeManager, copy_fixture
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, ImportErrorModel, SerializedDagModel

EXPECTED_ERRORS = {
    "syntax_error.py": ["syntax_error.py", "3"],
    "raises_at_import.py": ["KeyError", "missing_key"],
    "sys_exit.py": ["sys_exit.py", "exit"],
    "os_exit.py": ["died", "exit code 7"],
    "infinite_loop.py": ["parse_timeout", "restarted"],
    "two_same_id.py": ["bad.same_id"],
    "cycle.py": ["cycle"],
    "dup_b.py": ["proc.dup", "dup_a.py", "dup_b.py"],
    "unreadable.py": ["cannot read file"],
}
GOOD_DAGS = {"proc.good", "proc.dup", "bad.huge_output", "bad.fake_protocol"}


def import_errors(session_factory: sessionmaker[Session]) -> dict[str, str]:
    with session_factory() as session:
        rows = session.scalars(select(ImportErrorModel)).all()
        return {Path(row.filename).name: row.stacktrace for row in rows}


def active_dags(session_factory: sessionmaker[Session]) -> dict[str, DagModel]:
    with session_factory() as session:
        return {dag.dag_id: dag for dag in session.scalars(select(DagModel).where(DagModel.is_active))}


@pytest.fixture
def bad_folder(dag_folder: Path) -> Path:
    for path in (FIXTURES / "bad_dags").glob("*.py"):
        if path.name != "tasks.py":
            shutil.copyfile(path, dag_folder / path.name)
    copy_fixture(dag_folder, "processor/good_dag.py")
    dup = "from dagseal import DAG\n\ndag = DAG('proc.dup')\n"
    (dag_folder / "dup_a.py").write_text(dup)
    (dag_folder / "dup_b.py").write_text(dup.replace("dag =", "again ="))
    (dag_folder / "unreadable.py").symlink_to(dag_folder / "no_such_target")
    return dag_folder


def test_every_bad_file_gets_an_import_error_and_good_files_parse(
    bad_folder: Path, make_manager: MakeManager, session_factory: sessionmaker[Session]
) -> None:
    manager = make_manager(bad_folder)
    stats = manager.run_once()
    errors = import_errors(session_factory)
    assert set(errors) == set(EXPECTED_ERRORS)
    for name, needles in EXPECTED_ERRORS.items():
        for needle in needles:
            assert needle in errors[name], f"{name}: {needle!r} not in {errors[name]!r}"
        assert errors[name].strip().splitlines()[-1].startswith(name), errors[name]
    dags = active_dags(session_factory)
    assert set(dags) == GOOD_DAGS
    assert dags["proc.dup"].relative_fileloc == "dup_a.py"
    assert dags["proc.good"].fileloc == str(bad_folder.resolve() / "good_dag.py")
    assert dags["proc.good"].processor_subdir == str(bad_folder.resolve())
    assert dags["proc.good"].tags == ["a", "b"]
    assert stats.import_errors == len(EXPECTED_ERRORS)

    # The loop goes on and nothing is lost. Nothing changed, so only dup_b.py, which lost a dag_id
    # to another file, is tried again (after min_file_process_interval, 0 here) in case that frees up.
    again = manager.run_once()
    assert (again.parsed, again.import_errors) == (1, 1)
    assert import_errors(session_factory) == errors
    assert set(active_dags(session_factory)) == GOOD_DAGS


def test_fixing_a_file_clears_its_error_and_breaking_it_keeps_the_dag(
    dag_folder: Path, make_manager: MakeManager, session_factory: sessionmaker[Session]
) -> None:
    good = copy_fixture(dag_folder, "processor/good_dag.py")
    broken = copy_fixture(dag_folder, "bad_dags/syntax_error.py")
    manager = make_manager(dag_folder)
    manager.run_once()
    assert set(import_errors(session_factory)) == {"syntax_error.py"}

    broken.write_text("from dagseal import DAG\n\ndag = DAG('proc.fixed')\n")
    good.write_text(good.read_text() + "raise RuntimeError('oops, a bad edit')\n")
    manager.run_once()
    errors = import_errors(session_factory)
    assert set(errors) == {"good_dag.py"}
    assert "oops, a bad edit" in errors["good_dag.py"]
    # The broken edit did not lose the last good version of proc.good.
    assert set(active_dags(session_factory)) == {"proc.good", "proc.fixed"}


def test_helper_module_stores_nothing(
    dag_folder: Path, make_manager: MakeManager, session_factory: sessionmaker[Session]
) -> None:
    copy_fixture(dag_folder, "bad_dags/helper_no_dag.py")
    stats = make_manager(dag_folder).run_once()
    assert stats.parsed == 1 and stats.import_errors == 0
    with session_factory() as session:
        for model in (DagModel, SerializedDagModel, ImportErrorModel):
            assert session.scalar(select(func.count()).select_from(model)) == 0
