"""The metadata database: models (``dagseal.db.models``), sessions and migrations, job heartbeats."""

from dagseal.db.base import Base, UtcDateTime
from dagseal.db.jobs import end_job, heartbeat, start_job
from dagseal.db.session import (
    check_schema_current,
    create_engine_from_conn,
    migrate,
    reset,
    session_factory,
    session_scope,
)

__all__ = [
    "Base",
    "UtcDateTime",
    "check_schema_current",
    "create_engine_from_conn",
    "end_job",
    "heartbeat",
    "migrate",
    "reset",
    "session_factory",
    "session_scope",
    "start_job",
]
