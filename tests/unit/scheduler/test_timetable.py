"""Timetables: cron, presets (arrive as cron), fixed intervals, @once, catchup and end_date."""

from datetime import UTC, datetime, timedelta

import pytest

from dagseal.scheduler.timetable import DagRunInfo, Timetable, parse_datetime


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def runs_until(timetable: Timetable, now: datetime, limit: int = 50) -> list[DagRunInfo]:
    """Every run a scheduler would create by ``now``, in order."""
    created: list[DagRunInfo] = []
    last = None
    while len(created) < limit:
        info = timetable.next_dagrun_info(last, now)
        if info is None or info.run_after > now:
            break
        created.append(info)
        last = info
    return created


def test_daily_cron_with_catchup_creates_every_complete_interval() -> None:
    runs = runs_until(Timetable("cron", "0 0 * * *", start_date=at(1), catchup=True), now=at(4, 5))
    assert [r.logical_date for r in runs] == [at(1), at(2), at(3)]
    assert runs[0].data_interval_end == at(2)
    assert runs[0].run_id == "scheduled__2026-01-01T00:00:00+00:00"


def test_without_catchup_only_the_latest_interval_runs() -> None:
    runs = runs_until(Timetable("cron", "0 0 * * *", start_date=at(1), catchup=False), now=at(4, 5))
    assert [r.logical_date for r in runs] == [at(3)]


def test_without_catchup_a_later_start_date_wins() -> None:
    timetable = Timetable("cron", "0 * * * *", start_date=at(4, 5, 10), catchup=False)
    assert runs_until(timetable, now=at(4, 6, 30)) == []
    assert [r.logical_date for r in runs_until(timetable, now=at(4, 7, 30))] == [at(4, 6)]


def test_start_date_off_the_grid_aligns_to_the_next_tick() -> None:
    timetable = Timetable("cron", "0 0 * * *", start_date=at(1, 7), catchup=True)
    assert timetable.next_dagrun_info(None, at(9)).logical_date == at(2)


def test_next_run_may_be_in_the_future() -> None:
    info = Timetable("cron", "0 0 * * *", start_date=at(1)).next_dagrun_info(None, at(1, 12))
    assert info.run_after == at(2)
    assert info.run_after > at(1, 12)


def test_timedelta_grid_is_anchored_at_start_date() -> None:
    timetable = Timetable("timedelta", seconds=3600, start_date=at(1, 0, 30), catchup=False)
    info = timetable.next_dagrun_info(None, at(1, 5, 10))
    assert (info.data_interval_start, info.data_interval_end) == (at(1, 3, 30), at(1, 4, 30))
    assert timetable.next_dagrun_info(info, at(1, 5, 10)).logical_date == at(1, 4, 30)


def test_timedelta_with_catchup() -> None:
    timetable = Timetable("timedelta", seconds=timedelta(hours=12).total_seconds(), start_date=at(1))
    assert [r.logical_date for r in runs_until(timetable, now=at(2, 13))] == [at(1), at(1, 12), at(2)]


def test_end_date_stops_runs() -> None:
    timetable = Timetable("cron", "0 0 * * *", start_date=at(1), end_date=at(2), catchup=True)
    assert [r.logical_date for r in runs_until(timetable, now=at(9))] == [at(1), at(2)]


def test_once_runs_exactly_once() -> None:
    timetable = Timetable("once", start_date=at(1))
    first = timetable.next_dagrun_info(None, at(5))
    assert first.logical_date == at(1)
    assert timetable.next_dagrun_info(first, at(5)) is None


def test_no_schedule_never_runs() -> None:
    assert Timetable("none").next_dagrun_info(None, at(5)) is None


def test_without_start_date_the_latest_interval_runs() -> None:
    info = Timetable("cron", "*/10 * * * *").next_dagrun_info(None, at(3, 1, 25))
    assert (info.data_interval_start, info.data_interval_end) == (at(3, 1, 10), at(3, 1, 20))


def test_grid_boundaries_are_plain_utc() -> None:
    info = Timetable("cron", "0 0 * * *", start_date=at(1), catchup=False).next_dagrun_info(None, at(4, 5))
    assert info.logical_date.fold == 0
    assert info.logical_date.tzinfo is UTC


def test_bad_cron_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="invalid cron"):
        Timetable("cron", "61 * * * *").next_dagrun_info(None, at(2))


def test_parse_datetime_treats_naive_as_utc() -> None:
    assert parse_datetime("2026-01-01T00:00:00") == at(1)
    assert parse_datetime(None) is None
