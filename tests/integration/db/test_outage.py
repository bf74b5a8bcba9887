"""Loops and supervisors outlive an unreachable database: against a port where nothing listens."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from dagseal.db.outage import retry_until_back, survived
from dagseal.db.session import create_engine_from_conn

NOWHERE = "postgresql+psycopg://dagseal:dagseal@127.0.0.1:1/dagseal?connect_timeout=2"


def _query() -> None:
    engine = create_engine_from_conn(NOWHERE)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def test_a_loop_step_without_its_database_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert survived(_query, "scheduler") is False
    assert "scheduler: database unreachable, retrying on the next loop: connection" in caplog.text
    assert survived(lambda: None, "scheduler") is True


def test_a_write_is_retried_until_the_database_is_back_or_time_is_up() -> None:
    calls = []

    def back_on_third_call() -> str:
        calls.append(1)
        if len(calls) < 3:
            _query()
        return "recorded"

    assert retry_until_back(back_on_third_call, within=30, what="record") == "recorded"
    assert len(calls) == 3
    attempts = []

    def never_back() -> None:
        attempts.append(1)
        _query()

    with pytest.raises(OperationalError):
        retry_until_back(never_back, within=1.5, what="record")
    assert len(attempts) >= 2  # tried again before giving up
