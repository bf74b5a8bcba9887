"""What most command handlers need: the config and a session factory on a migrated database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagseal.config import Config, load_config

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["open_database"]


def open_database(config: Config | None = None) -> sessionmaker[Session]:
    """Sessions on ``[core] sql_alchemy_conn``; fails in one line if the schema is not migrated."""
    from dagseal.db.session import check_schema_current, create_engine_from_conn, session_factory

    config = config or load_config()
    engine = create_engine_from_conn(config.get("core", "sql_alchemy_conn"))
    check_schema_current(engine)
    return session_factory(engine)
