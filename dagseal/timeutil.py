"""Timezone-aware UTC time: every datetime dagseal stores or compares is aware and in UTC."""

from datetime import UTC, datetime

__all__ = ["utcnow"]


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (naive datetimes are refused by the DB layer)."""
    return datetime.now(UTC)
