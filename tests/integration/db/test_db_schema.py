"""Migrations, engine settings and the UTC datetime type, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import StatementError

import dagseal.db.models  # noqa: F401  (all tables on Base.metadata)
from dagseal.db.base import Base
from dagseal.db.models import (
    CallbackRequestModel,
    CallbackType,
    DagCodeModel,
    DagModel,
    DagRunModel,
    SerializedDagModel,
    TaskInstanceModel,
)
from dagseal.db.session import (
    SCHEMA_REVISION,
    SchemaNotCurrentError,
    check_schema_current,
    create_engine_from_conn,
    current_revision,
    head_revision,
    migrate,
    reset,
    session_factory,
    session_scope,
)

CONTRACT_TABLES = {
    "dag",
    "dag_code",
    "serialized_dag",
    "import_error",
    "callback_request",
    "callback_claim",
    "job",
    "deployment",
    "dag_run",
    "task_instance",
    "connection",
    "variable",
    "xcom",
}


def test_migrate_is_idempotent_and_matches_the_models(db_url: str) -> None:
    engine = create_engine_from_conn(db_url)
    assert current_revision(engine) is None  # nothing migrated yet: no alembic_version table
    assert migrate(db_url) == head_revision() == SCHEMA_REVISION  # what the CLI's schema check expects
    assert migrate(db_url) == head_revision()
    try:
        assert current_revision(engine) == SCHEMA_REVISION
        check_schema_current(engine)
        assert set(inspect(engine).get_table_names()) >= CONTRACT_TABLES
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_callback_request_has_exactly_the_seed_columns(migrated_db_url: str) -> None:
    engine = create_engine_from_conn(migrated_db_url)
    try:
        columns = {column["name"] for column in inspect(engine).get_columns("callback_request")}
    finally:
        engine.dispose()
    assert columns == {
        "id",
        "created_at",
        "priority_weight",
        "message",
        "callback_type",
        "callback_data",
        "processor_subdir",
    }


def test_unmigrated_database_is_reported_with_the_fix(db_url: str) -> None:
    engine = create_engine_from_conn(db_url)
    try:
        with pytest.raises(SchemaNotCurrentError, match="run `dagseal db migrate`"):
            check_schema_current(engine)
    finally:
        engine.dispose()


def test_reset_drops_the_data(session_factory, migrated_db_url: str) -> None:
    with session_scope(session_factory) as session:
        session.add(DagModel(dag_id="a", fileloc="/x/a.py", relative_fileloc="a.py"))
    assert reset(migrated_db_url) == head_revision()
    with session_scope(session_factory) as session:
        assert session.scalars(select(DagModel)).all() == []


def test_reset_drops_mapped_tries_and_leaves_other_tables(session_factory, migrated_db_url: str) -> None:
    """Mapped tries share (dag_id, run_id, task_id): a downgrade to the pre-map_index unique key
    failed on them, so a second `tooling/demo.sh` in the same checkout could not reset its database."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope(session_factory) as session:
        session.add(DagCodeModel(source_digest="1" * 64, relative_fileloc="a.py", source="# a"))
        session.add(
            SerializedDagModel(
                dag_hash="0" * 64,
                dag_id="a",
                processor_subdir="/x",
                data="{}",
                source_digest="1" * 64,
                created_at=t0,
            )
        )
        session.flush()
        run = DagRunModel(
            dag_id="a", run_id="r", run_type="manual", logical_date=t0, state="running", dag_hash="0" * 64
        )
        session.add(run)
        session.flush()
        for map_index in (0, 1):
            session.add(
                TaskInstanceModel(
                    dag_run_id=run.id, dag_id="a", run_id="r", task_id="t", map_index=map_index, max_tries=0
                )
            )
    engine = create_engine_from_conn(migrated_db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE not_dagseal (id INTEGER PRIMARY KEY)"))
            # what an interrupted SQLite batch migration leaves behind
            connection.execute(text("CREATE TABLE _alembic_tmp_task_instance (id INTEGER PRIMARY KEY)"))
        assert reset(migrated_db_url) == head_revision()
        tables = inspect(engine).get_table_names()
        assert "not_dagseal" in tables
        assert "_alembic_tmp_task_instance" not in tables
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE not_dagseal"))
    finally:
        engine.dispose()
    with session_scope(session_factory) as session:
        assert session.scalars(select(TaskInstanceModel)).all() == []


def test_datetimes_come_back_aware_utc(session_factory) -> None:
    paris = timezone(timedelta(hours=2))
    parsed = datetime(2026, 5, 1, 14, 30, 15, 123456, tzinfo=paris)
    with session_scope(session_factory) as session:
        session.add(DagModel(dag_id="a", fileloc="/x/a.py", relative_fileloc="a.py", last_parsed_time=parsed))
    with session_scope(session_factory) as session:
        stored = session.scalars(select(DagModel.last_parsed_time)).one()
    assert stored == parsed
    assert stored.tzinfo is UTC


def test_naive_datetimes_are_refused(session_factory) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(session_factory) as session:
        session.add(
            DagModel(
                dag_id="a", fileloc="/x/a.py", relative_fileloc="a.py", last_parsed_time=datetime(2026, 1, 1)
            )
        )


def test_callback_type_is_checked_by_the_database(session_factory) -> None:
    with session_scope(session_factory) as session:
        session.add(CallbackRequestModel(priority_weight=1, callback_type=CallbackType.DAG, callback_data={}))
    with session_scope(session_factory) as session:
        assert session.scalars(select(CallbackRequestModel.callback_type)).one() is CallbackType.DAG


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    db_file = tmp_path / "nested" / "dir" / "dagseal.db"
    engine = create_engine_from_conn(f"sqlite:///{db_file}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert db_file.parent.is_dir()
    finally:
        engine.dispose()


def test_session_scope_rolls_back_on_error(session_factory) -> None:
    with pytest.raises(RuntimeError), session_scope(session_factory) as session:
        session.add(DagModel(dag_id="a", fileloc="/x/a.py", relative_fileloc="a.py"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(session_factory) as session:
        assert session.scalars(select(DagModel)).all() == []


def test_session_factory_keeps_objects_readable_after_commit(migrated_db_url: str) -> None:
    engine = create_engine_from_conn(migrated_db_url)
    try:
        with session_scope(session_factory(engine)) as session:
            dag = DagModel(dag_id="a", fileloc="/x/a.py", relative_fileloc="a.py")
            session.add(dag)
        assert dag.is_active is True
    finally:
        engine.dispose()
