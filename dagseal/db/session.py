"""Engines, sessions and schema migration for the metadata DB (SQLite WAL by default, or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from dagseal.errors import DagsealError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

__all__ = [
    "SchemaNotCurrentError",
    "check_schema_current",
    "create_engine_from_conn",
    "head_revision",
    "migrate",
    "reset",
    "session_factory",
    "session_scope",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: The newest migration's revision (a unit test holds it to Alembic's head). Every CLI command that
#: opens the database compares the schema with it, without importing Alembic (~170 ms).
SCHEMA_REVISION = "0008_compat"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class SchemaNotCurrentError(DagsealError):
    """The database exists but its schema is not at the revision this dagseal expects."""


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside one writer; busy_timeout makes writers wait instead of failing.

    ``synchronous=NORMAL`` is the setting SQLite recommends with WAL: a commit no longer waits for
    an fsync (several ms each, several commits per task try); the database stays consistent after
    a crash, and only the last commits before a power loss (not a process kill) may be lost.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine_from_conn(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with dagseal's settings; a SQLite file's directory is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (callers often return them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with factory() as session, session.begin():
        yield session


# Alembic is imported by the functions that use it: it is ~150 ms of imports that a supervisor,
# the fork server and ``tasks test`` never need.


def _alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration revision shipped with this dagseal."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "dagseal ships at least one migration"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision in Alembic's ``alembic_version`` table; None before the first migration."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(url: str) -> str:
    """Bring the database at ``url`` to the newest schema (idempotent); returns the revision."""
    from alembic import command

    engine = create_engine_from_conn(url)
    try:
        command.upgrade(_alembic_config(engine), "head")
        return head_revision()
    finally:
        engine.dispose()


def reset(url: str) -> str:
    """Drop every dagseal table (and Alembic's version table) and migrate again: all data is lost.
    Returns the revision.

    Not a downgrade through the migrations: a downgrade restores older constraints, which rows
    written since can break (mapped tries share a task id that the pre-``map_index`` unique key
    refuses). A ``_alembic_tmp_*`` table that an interrupted SQLite batch migration left is dropped
    too. Other tables in the same database are left alone.
    """
    from sqlalchemy import MetaData

    import dagseal.db.models  # noqa: F401  (every table on Base.metadata)
    from dagseal.db.base import Base

    names = {*Base.metadata.tables, "alembic_version"}
    engine = create_engine_from_conn(url)
    try:
        tables = MetaData()
        tables.reflect(engine, only=lambda name, _metadata: name in names or name.startswith("_alembic_tmp_"))
        tables.drop_all(engine)
    finally:
        engine.dispose()
    return migrate(url)


def check_schema_current(engine: Engine) -> None:
    """Fail with a one-line hint when the DB has not been migrated to this dagseal's schema."""
    revision = current_revision(engine)
    if revision != SCHEMA_REVISION:
        where = engine.url.render_as_string(hide_password=True)
        state = "has no dagseal schema" if revision is None else f"is at revision {revision}"
        raise SchemaNotCurrentError(f"database {where} {state}; run `dagseal db migrate`")
