"""Airflow 3 timetables: trigger vs data interval, timezones and both DST changes, manual intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_timetable import runs_until

from dagseal.scheduler.timetable import DagRunInfo, Timetable
from dagseal.sdk import (
    DAG,
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DeltaDataIntervalTimetable,
    DeltaTriggerTimetable,
    InvalidScheduleError,
)

NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def timetable_of(dag: DAG, *, data_intervals_by_default: bool = False) -> Timetable:
    return Timetable.from_spec(
        dag.schedule,
        start_date=dag.start_date,
        end_date=dag.end_date,
        catchup=dag.catchup,
        data_intervals_by_default=data_intervals_by_default,
    )


def test_bare_cron_string_is_a_trigger_timetable_by_default() -> None:
    dag = DAG("t.trigger", schedule="@daily", start_date=datetime(2026, 1, 1), catchup=True)
    runs = runs_until(timetable_of(dag), now=utc(2026, 1, 3, 5))
    assert [r.logical_date for r in runs] == [utc(2026, 1, 1), utc(2026, 1, 2), utc(2026, 1, 3)]
    assert all(r.data_interval_start == r.data_interval_end == r.run_after for r in runs)


def test_create_cron_data_intervals_restores_airflow_2_intervals() -> None:
    dag = DAG("t.interval", schedule="@daily", start_date=datetime(2026, 1, 1), catchup=True)
    runs = runs_until(timetable_of(dag, data_intervals_by_default=True), now=utc(2026, 1, 3, 5))
    assert [(r.data_interval_start, r.data_interval_end) for r in runs] == [
        (utc(2026, 1, 1), utc(2026, 1, 2)),
        (utc(2026, 1, 2), utc(2026, 1, 3)),
    ]


def test_explicit_timetables_ignore_the_setting() -> None:
    interval = DAG(
        "t.cdi",
        schedule=CronDataIntervalTimetable("0 0 * * *", "UTC"),
        start_date=datetime(2026, 1, 1),
        catchup=True,
    )
    trigger = DAG(
        "t.ctt",
        schedule=CronTriggerTimetable("0 0 * * *", timezone="UTC", interval=timedelta(hours=6)),
        start_date=datetime(2026, 1, 1),
        catchup=True,
    )
    assert runs_until(timetable_of(interval), utc(2026, 1, 2, 1))[0].data_interval_end == utc(2026, 1, 2)
    runs = runs_until(timetable_of(trigger, data_intervals_by_default=True), utc(2026, 1, 1, 1))
    assert [(r.data_interval_start, r.data_interval_end) for r in runs] == [
        (utc(2025, 12, 31, 18), utc(2026, 1, 1))
    ]


def test_trigger_without_catchup_starts_at_the_latest_past_tick() -> None:
    dag = DAG("t.nocatchup", schedule="0 * * * *", start_date=datetime(2026, 1, 1))
    runs = runs_until(timetable_of(dag), now=utc(2026, 1, 5, 7, 30))
    assert [r.logical_date for r in runs] == [utc(2026, 1, 5, 7)]


def test_trigger_without_start_date_waits_for_the_next_tick() -> None:
    timetable = timetable_of(DAG("t.nostart", schedule="0 * * * *"))
    info = timetable.next_dagrun_info(None, utc(2026, 1, 5, 7, 30))
    assert info is not None and info.run_after == utc(2026, 1, 5, 8)


def test_delta_timetables_trigger_and_interval() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    trigger = DAG(
        "t.dtt", schedule=DeltaTriggerTimetable(timedelta(hours=12)), start_date=start, catchup=True
    )
    interval = DAG(
        "t.ddi", schedule=DeltaDataIntervalTimetable(timedelta(hours=12)), start_date=start, catchup=True
    )
    now = utc(2026, 1, 2, 1)
    assert [r.logical_date for r in runs_until(timetable_of(trigger), now)] == [
        start,
        utc(2026, 1, 1, 12),
        utc(2026, 1, 2),
    ]
    assert [
        (r.data_interval_start, r.data_interval_end) for r in runs_until(timetable_of(interval), now)
    ] == [
        (start, utc(2026, 1, 1, 12)),
        (utc(2026, 1, 1, 12), utc(2026, 1, 2)),
    ]


def test_cron_reads_start_date_timezone() -> None:
    """The issue's report: ``0 2 * * *`` with a New York start_date ran at 02:00 UTC."""
    dag = DAG("t.ny", schedule="0 2 * * *", start_date=datetime(2026, 1, 10, tzinfo=NEW_YORK), catchup=True)
    assert dag.schedule.timezone == "America/New_York"
    runs = runs_until(timetable_of(dag), now=utc(2026, 1, 12))
    assert [r.run_after for r in runs] == [utc(2026, 1, 10, 7), utc(2026, 1, 11, 7)]
    assert runs[0].run_id == "scheduled__2026-01-10T07:00:00+00:00"


def test_daily_cron_across_spring_forward() -> None:
    """2026-03-08: New York skips 02:00-03:00; the 02:00 run fires at 03:00 EDT, then 02:00 EDT again."""
    dag = DAG(
        "t.spring", schedule="0 2 * * *", start_date=datetime(2026, 3, 7, tzinfo=NEW_YORK), catchup=True
    )
    runs = runs_until(timetable_of(dag), now=utc(2026, 3, 10))
    local = [r.run_after.astimezone(NEW_YORK) for r in runs]
    assert [(t.day, t.hour, t.utcoffset()) for t in local] == [
        (7, 2, timedelta(hours=-5)),
        (8, 3, timedelta(hours=-4)),
        (9, 2, timedelta(hours=-4)),
    ]
    assert runs[2].run_after - runs[1].run_after == timedelta(hours=23)


def test_daily_cron_across_fall_back_runs_once() -> None:
    """2026-11-01: New York repeats 01:00-02:00; a daily 01:30 run still fires once, the first time."""
    dag = DAG(
        "t.autumn", schedule="30 1 * * *", start_date=datetime(2026, 10, 31, tzinfo=NEW_YORK), catchup=True
    )
    runs = runs_until(timetable_of(dag), now=utc(2026, 11, 3))
    assert [r.run_after for r in runs] == [
        utc(2026, 10, 31, 5, 30),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 2, 6, 30),
    ]


def test_hourly_cron_runs_in_the_repeated_autumn_hour() -> None:
    dag = DAG(
        "t.hourly", schedule="30 * * * *", start_date=datetime(2026, 11, 1, tzinfo=NEW_YORK), catchup=True
    )
    runs = runs_until(timetable_of(dag), now=utc(2026, 11, 1, 8))
    local = [r.run_after.astimezone(NEW_YORK) for r in runs]
    assert [(t.hour, t.utcoffset()) for t in local] == [
        (0, timedelta(hours=-4)),
        (1, timedelta(hours=-4)),
        (1, timedelta(hours=-5)),
        (2, timedelta(hours=-5)),
    ]


def test_data_interval_across_spring_forward_is_23_hours() -> None:
    dag = DAG(
        "t.spring_interval",
        schedule=CronDataIntervalTimetable("0 0 * * *", NEW_YORK),
        start_date=datetime(2026, 3, 8, tzinfo=NEW_YORK),
        catchup=True,
    )
    (first,) = runs_until(timetable_of(dag), now=utc(2026, 3, 9, 6))
    assert first.data_interval_start == utc(2026, 3, 8, 5)
    assert first.data_interval_end - first.data_interval_start == timedelta(hours=23)


def test_end_date_in_a_timezone_stops_runs() -> None:
    dag = DAG(
        "t.end",
        schedule="0 2 * * *",
        start_date=datetime(2026, 1, 1, tzinfo=NEW_YORK),
        end_date=datetime(2026, 1, 2, 2, tzinfo=NEW_YORK),
        catchup=True,
    )
    assert len(runs_until(timetable_of(dag), now=utc(2026, 2, 1))) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: CronTriggerTimetable("0 2 * * *", timezone="Mars/Olympus_Mons"),
        lambda: CronDataIntervalTimetable("0 2 * * *", "Mars/Olympus_Mons"),
    ],
)
def test_unknown_timezone_is_an_import_error(make: object) -> None:
    with pytest.raises(InvalidScheduleError, match="unknown timezone 'Mars/Olympus_Mons'"):
        make()  # type: ignore[operator]


def test_manual_data_interval() -> None:
    at = utc(2026, 1, 5, 1)
    trigger = timetable_of(DAG("t.m1", schedule="@daily", start_date=datetime(2026, 1, 1)))
    interval = timetable_of(
        DAG("t.m2", schedule=CronDataIntervalTimetable("@daily", "UTC"), start_date=datetime(2026, 1, 1))
    )
    assert trigger.manual_data_interval(at) == DagRunInfo(at, at)
    assert interval.manual_data_interval(at) == DagRunInfo(utc(2026, 1, 4), utc(2026, 1, 5))


def test_ticks_between_lists_a_range_inclusively() -> None:
    dag = DAG("t.range", schedule="0 2 * * *", start_date=datetime(2026, 1, 1, tzinfo=NEW_YORK))
    ticks = timetable_of(dag).ticks_between(utc(2026, 1, 3), utc(2026, 1, 5, 7))
    assert [t.logical_date for t in ticks] == [utc(2026, 1, 3, 7), utc(2026, 1, 4, 7), utc(2026, 1, 5, 7)]
    assert timetable_of(dag).ticks_between(utc(2026, 1, 3, 8), utc(2026, 1, 4, 6)) == []
