"""Callbacks run user code in the sandbox, on the source their DAG run was pinned to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
from processor_helpers import MakeManager, copy_fixture
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import CallbackClaimModel, CallbackRequestModel, DagModel, DagRunModel
from dagseal.serialization import DagCallbackRequest, TaskCallbackRequest
from dagseal.timeutil import utcnow


def task_failure(subdir: Path, run_id: str) -> TaskCallbackRequest:
    return TaskCallbackRequest(
        full_filepath=str(subdir / "callbacks_dag.py"),
        dag_id="proc.callbacks",
        run_id=run_id,
        task_id="work",
        try_number=1,
        msg="task failed",
        processor_subdir=str(subdir),
    )


def dag_failure(subdir: Path, run_id: str) -> DagCallbackRequest:
    return DagCallbackRequest(
        full_filepath=str(subdir / "callbacks_dag.py"),
        dag_id="proc.callbacks",
        run_id=run_id,
        msg="run failed",
        processor_subdir=str(subdir),
    )


def pin_run(session_factory: sessionmaker[Session], run_id: str) -> None:
    """A DAG run pinned to the DAG's current version."""
    with session_factory.begin() as session:
        dag = session.get(DagModel, "proc.callbacks")
        assert dag is not None and dag.latest_dag_hash
        session.add(
            DagRunModel(
                dag_id="proc.callbacks",
                run_id=run_id,
                run_type="manual",
                state="failed",
                dag_hash=dag.latest_dag_hash,
                created_at=utcnow(),
            )
        )


def callback_lines(folder: Path) -> list[str]:
    log = folder / "callbacks.log"
    return sorted(log.read_text().splitlines()) if log.exists() else []


def pending_rows(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(CallbackRequestModel)) or 0


def test_callbacks_run_on_the_pinned_source_then_their_rows_go(
    dag_folder: Path,
    make_manager: MakeManager,
    session_factory: sessionmaker[Session],
    enqueue_callback: Callable[..., None],
) -> None:
    dag_file = copy_fixture(dag_folder, "processor/callbacks_dag.py")
    subdir = dag_folder.resolve()
    manager = make_manager(dag_folder)
    manager.run_once()
    pin_run(session_factory, "run_v1")
    dag_file.write_text(dag_file.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
    manager.run_once()

    enqueue_callback(dag_failure(subdir, "run_v1"))  # pinned: runs v1 although the file is now v2
    enqueue_callback(task_failure(subdir, "unknown_run"))  # no such run: the DAG's latest version
    enqueue_callback(task_failure(Path("/elsewhere"), "run_v1"))  # another directory's: not ours
    stats = manager.run_once()

    assert stats.callbacks_run == 2
    assert callback_lines(dag_folder) == [
        "v1 dag_failure proc.callbacks run_v1",
        "v2 task_failure proc.callbacks unknown_run",
    ]
    assert pending_rows(session_factory) == 1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CallbackClaimModel)) == 0
    manager.run_once()
    assert len(callback_lines(dag_folder)) == 2  # ran once


def test_callbacks_that_can_never_run_are_dropped_and_failing_ones_done(
    dag_folder: Path,
    make_manager: MakeManager,
    session_factory: sessionmaker[Session],
    enqueue_callback: Callable[..., None],
) -> None:
    copy_fixture(dag_folder, "processor/callbacks_dag.py")
    subdir = dag_folder.resolve()
    manager = make_manager(dag_folder)
    manager.run_once()
    unknown = DagCallbackRequest(
        full_filepath="x.py", dag_id="no.such.dag", run_id="r", processor_subdir=str(subdir)
    )
    enqueue_callback(unknown)
    enqueue_callback(attrs.evolve(task_failure(subdir, "r"), task_id="nope"))
    with session_factory.begin() as session:
        session.add(
            CallbackRequestModel(
                priority_weight=1,
                message="garbage",
                callback_type="TaskCallback",
                callback_data={"type": "TaskCallback", "unexpected": True},
                processor_subdir=str(subdir),
                created_at=utcnow(),
            )
        )
    stats = manager.run_once()
    assert stats.callbacks_run == 1  # the missing task: it ran and reported an error
    assert pending_rows(session_factory) == 0
    assert callback_lines(dag_folder) == []
