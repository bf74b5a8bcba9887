"""What most command handlers need: the config and a session factory on a migrated database."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dagseal.config import Config, load_config

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["open_database", "parse_cli_datetime"]


def parse_cli_datetime(text: str) -> datetime:
    """An ISO-8601 date or datetime option value as aware UTC (naive = UTC), for argparse ``type=``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 date or datetime") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def open_database(config: Config | None = None) -> sessionmaker[Session]:
    """Sessions on ``[core] sql_alchemy_conn``; fails in one line if the schema is not migrated."""
    from dagseal.db.session import check_schema_current, create_engine_from_conn, session_factory

    config = config or load_config()
    engine = create_engine_from_conn(config.get("core", "sql_alchemy_conn"))
    check_schema_current(engine)
    return session_factory(engine)
