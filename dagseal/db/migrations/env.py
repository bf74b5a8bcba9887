"""Alembic environment: runs dagseal's migrations on the engine handed in by dagseal.db.session."""

from alembic import context
from sqlalchemy import text

import dagseal.db.models  # noqa: F401  (registers every table on Base.metadata)
from dagseal.db.base import Base

# An arbitrary constant: concurrent `db migrate` runs on PostgreSQL queue behind this lock.
_PG_MIGRATION_LOCK = 0x6461_6773_6561_6C  # "dagseal"


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        is_postgres = connection.dialect.name == "postgresql"
        if is_postgres:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=True,  # SQLite can only ALTER tables by copying them
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if is_postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_MIGRATION_LOCK})
                connection.commit()


if context.is_offline_mode():
    raise SystemExit("dagseal migrations run online only: use `dagseal db migrate`")
run_migrations_online()
