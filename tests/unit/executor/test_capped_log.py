"""CappedLog: at most the limit, one marker, and everything passes when the limit is 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagseal.executor.capped_log import CappedLog, truncation_marker


def test_output_past_the_limit_is_dropped_after_one_marker(tmp_path: Path) -> None:
    path = tmp_path / "try.log"
    with path.open("wb") as file:
        log = CappedLog(file, 10)
        assert log.write(b"12345") == 5
        assert log.write(b"6789abcdef") == 10
        assert log.write(b"more and more") == 13
        log.flush()
        assert log.truncated
    assert path.read_bytes() == b"123456789a" + truncation_marker(10)


def test_no_limit_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "try.log"
    with path.open("wb") as file:
        log = CappedLog(file, 0)
        for _ in range(100):
            log.write(b"y" * 1000)
    assert path.stat().st_size == 100_000


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="max_try_log_bytes must be 0"):
        CappedLog(None, -1)  # type: ignore[arg-type]
