"""Shared fixtures: a fresh, real metadata DB per test — a SQLite file, and a PostgreSQL database.

PostgreSQL comes from ``DAGSEAL_TEST_PG_URL`` (default: the server ``tooling/start_postgres.sh``
starts). Each test gets its own throwaway database, created from that URL and dropped afterwards.
An unreachable server fails the test (never skips): run ``tooling/start_postgres.sh``.
Deselect PostgreSQL with ``-m "not postgres"``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.session import create_engine_from_conn, migrate, session_scope
from dagseal.db.session import session_factory as make_session_factory
from dagseal.serialization import CallbackRequest

DEFAULT_PG_URL = "postgresql+psycopg://dagseal:dagseal@127.0.0.1:54329/dagseal"


TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder: ``unit`` under tests/unit, ``integration`` under tests/integration."""
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else None
        if folder in ("unit", "integration"):
            item.add_marker(folder)


def pg_server_url() -> str:
    return os.environ.get("DAGSEAL_TEST_PG_URL", DEFAULT_PG_URL)


@pytest.fixture(scope="session")
def _pg_admin_engine() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the server's own database, for CREATE/DROP DATABASE."""
    url = pg_server_url()
    engine = create_engine_from_conn(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        pytest.fail(
            f"PostgreSQL at {shown} is unreachable ({reason}). Start it with `tooling/start_postgres.sh` "
            "or point DAGSEAL_TEST_PG_URL at a server whose role may CREATE DATABASE.",
            pytrace=False,
        )
    yield engine
    engine.dispose()


def _fresh_pg_database(admin: Engine) -> Iterator[str]:
    name = f"dagseal_test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_server_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_pg_database(admin, name)


def _drop_pg_database(admin: Engine, name: str, attempts: int = 50) -> None:
    """DROP ... WITH (FORCE), retried: it may not terminate an autovacuum worker that is busy with
    the new database (a superuser process), but such a worker finishes within moments."""
    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (not migrated), on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'dagseal.db'}"
    else:
        yield from _fresh_pg_database(request.getfixturevalue("_pg_admin_engine"))


@pytest.fixture
def migrated_db_url(db_url: str) -> str:
    """Like ``db_url``, with the schema migrated to head."""
    migrate(db_url)
    return db_url


@pytest.fixture
def new_migrated_db_url(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path
) -> Iterator[Callable[[], str]]:
    """Make further empty, migrated databases on ``db_url``'s backend, for scenarios run side by side."""
    admin = None if db_url.startswith("sqlite") else request.getfixturevalue("_pg_admin_engine")
    with ExitStack() as stack:

        def new() -> str:
            if admin is None:
                url = f"sqlite:///{tmp_path / f'dagseal-{uuid.uuid4().hex[:8]}.db'}"
            else:
                url = stack.enter_context(contextmanager(_fresh_pg_database)(admin))
            migrate(url)
            return url

        yield new


@pytest.fixture
def enqueue_callback(session_factory: sessionmaker[Session]) -> Callable[..., None]:
    """Commit one ``callback_request`` row, as the state change that causes it would."""
    from dagseal.callbacks import DEFAULT_CALLBACK_PRIORITY, add_callback_request

    def enqueue(request: CallbackRequest, priority_weight: int = DEFAULT_CALLBACK_PRIORITY) -> None:
        with session_scope(session_factory) as session:
            add_callback_request(session, request, priority_weight)

    return enqueue


@pytest.fixture
def session_factory(migrated_db_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a freshly migrated database; the engine is disposed after the test."""
    engine = create_engine_from_conn(migrated_db_url)
    yield make_session_factory(engine)
    engine.dispose()
