"""Content-addressed versions, vanished files, directory isolation and the host-side DAG policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from processor_helpers import FIXTURES, MakeManager, copy_fixture
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagCodeModel, DagModel, ImportErrorModel, SerializedDagModel
from dagseal.processor.policy import DagPolicy, ReadOnlyView, load_dag_policy


def count(session_factory: sessionmaker[Session], model: type) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def dag_row(session_factory: sessionmaker[Session], dag_id: str) -> DagModel:
    with session_factory() as session:
        row = session.get(DagModel, dag_id)
        assert row is not None
        return row


def errors_by_file(session_factory: sessionmaker[Session]) -> dict[str, str]:
    with session_factory() as session:
        return {Path(e.filename).name: e.stacktrace for e in session.scalars(select(ImportErrorModel))}


def test_unchanged_directory_adds_no_version_and_one_char_adds_one(
    dag_folder: Path, make_manager: MakeManager, session_factory: sessionmaker[Session]
) -> None:
    dag_file = copy_fixture(dag_folder, "processor/good_dag.py")
    copy_fixture(dag_folder, "processor/callbacks_dag.py")
    make_manager(dag_folder).run_once()
    assert count(session_factory, SerializedDagModel) == 2
    first_hash = dag_row(session_factory, "proc.good").latest_dag_hash

    # A second processor (a restart) parses everything again: same hashes, no new rows.
    make_manager(dag_folder).run_once()
    assert count(session_factory, SerializedDagModel) == 2
    assert count(session_factory, DagCodeModel) == 2

    dag_file.write_text(dag_file.read_text().replace('"second"', '"secont"'))
    make_manager(dag_folder).run_once()
    assert count(session_factory, SerializedDagModel) == 3
    assert count(session_factory, DagCodeModel) == 3
    new_hash = dag_row(session_factory, "proc.good").latest_dag_hash
    assert new_hash != first_hash
    with session_factory() as session:
        version = session.get(SerializedDagModel, new_hash)
        assert version is not None and '"secont"' in version.data
        code = session.get(DagCodeModel, version.source_digest)
        assert code is not None and code.source == dag_file.read_text()


def test_vanished_file_deactivates_only_this_directorys_dags(
    tmp_path: Path, make_manager: MakeManager, session_factory: sessionmaker[Session]
) -> None:
    team_a, team_b = tmp_path / "team_a", tmp_path / "team_b"
    team_a.mkdir(), team_b.mkdir()
    copy_fixture(team_a, "processor/good_dag.py")
    (team_a / "broken.py").write_text("raise ValueError('x')\n")
    (team_b / "b.py").write_text("from dagseal import DAG\n\ndag = DAG('team_b.b')\n")
    manager_a, manager_b = make_manager(team_a), make_manager(team_b)
    manager_a.run_once(), manager_b.run_once()
    (team_a / "good_dag.py").unlink()
    (team_a / "broken.py").unlink()
    manager_a.run_once()
    assert not dag_row(session_factory, "proc.good").is_active
    assert dag_row(session_factory, "team_b.b").is_active
    assert errors_by_file(session_factory) == {}
    # It comes back when the file does.
    copy_fixture(team_a, "processor/good_dag.py")
    manager_a.run_once()
    assert dag_row(session_factory, "proc.good").is_active


def test_same_dag_id_in_another_directory_is_refused(
    tmp_path: Path, make_manager: MakeManager, session_factory: sessionmaker[Session]
) -> None:
    team_a, team_b = tmp_path / "team_a", tmp_path / "team_b"
    team_a.mkdir(), team_b.mkdir()
    copy_fixture(team_a, "processor/good_dag.py")
    copy_fixture(team_b, "processor/good_dag.py", "stolen.py")
    make_manager(team_a).run_once()
    make_manager(team_b).run_once()
    assert dag_row(session_factory, "proc.good").processor_subdir == str(team_a.resolve())
    error = errors_by_file(session_factory)["stolen.py"]
    assert str(team_a.resolve() / "good_dag.py") in error and str(team_b.resolve() / "stolen.py") in error


@pytest.fixture
def team_policy(monkeypatch: pytest.MonkeyPatch) -> DagPolicy | None:
    monkeypatch.syspath_prepend(str(FIXTURES / "processor"))
    return load_dag_policy("policy_module")


def test_dag_policy_runs_on_the_host_with_the_current_subdir(
    dag_folder: Path,
    make_manager: MakeManager,
    session_factory: sessionmaker[Session],
    team_policy: DagPolicy | None,
) -> None:
    (dag_folder / "ok.py").write_text("from dagseal import DAG\n\ndag = DAG('team_a.ok')\n")
    (dag_folder / "wrong_team.py").write_text("from dagseal import DAG\n\ndag = DAG('team_b.sneaky')\n")
    (dag_folder / "retries.py").write_text(
        "from dagseal import DAG, EmptyOperator\n\n"
        "with DAG('team_a.retries') as dag:\n    EmptyOperator(task_id='t', retries=9)\n"
    )
    # User code cannot switch the policy off: it runs on the host, after the sandbox answered.
    (dag_folder / "tamper.py").write_text(
        "import dagseal.processor.policy as p\np.check_dag = lambda *a: None\n"
        "from dagseal import DAG\n\ndag = DAG('tamper.dag')\n"
    )
    make_manager(dag_folder, policy=team_policy).run_once()
    errors = errors_by_file(session_factory)
    assert set(errors) == {"wrong_team.py", "retries.py", "tamper.py"}
    assert "must start with 'team_a.'" in errors["wrong_team.py"]
    assert "more than 5 retries" in errors["retries.py"]
    assert "violates the DAG policy" in errors["tamper.py"]
    assert dag_row(session_factory, "team_a.ok").is_active
    with session_factory() as session:
        assert session.get(DagModel, "team_b.sneaky") is None


def test_a_policy_may_not_modify_the_dag(
    dag_folder: Path, make_manager: MakeManager, session_factory: sessionmaker[Session]
) -> None:
    def renaming_policy(dag: ReadOnlyView) -> None:
        dag.dag_id = "renamed"

    copy_fixture(dag_folder, "processor/good_dag.py")
    make_manager(dag_folder, policy=renaming_policy).run_once()
    assert "read-only" in errors_by_file(session_factory)["good_dag.py"]
