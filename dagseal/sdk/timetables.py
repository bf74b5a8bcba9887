"""Airflow 3's time-based timetables, as values a DAG file passes to ``schedule=``.

A bare cron string or timedelta leaves the choice to the scheduler (``[scheduler]
create_cron_data_intervals`` / ``create_delta_data_intervals``, both False by default as in
Airflow 3, which gives the trigger timetables). These classes make the choice in the DAG file.
They only describe the schedule; the host computes fire times (dagseal.scheduler.timetable).
"""

from datetime import timedelta, tzinfo

from dagseal.sdk.exceptions import InvalidScheduleError
from dagseal.sdk.schedule import ScheduleSpec, cron_spec, delta_spec
from dagseal.sdk.timezones import timezone_name

__all__ = [
    "CronDataIntervalTimetable",
    "CronTriggerTimetable",
    "DeltaDataIntervalTimetable",
    "DeltaTriggerTimetable",
    "Timetable",
]


class Timetable:
    """Base of the timetables a DAG file can pass as ``schedule``."""

    spec: ScheduleSpec

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"


def _interval_seconds(interval: timedelta) -> float:
    if not isinstance(interval, timedelta) or interval < timedelta(0):
        raise InvalidScheduleError(f"timetable interval must be a non-negative timedelta, got {interval!r}")
    return interval.total_seconds()


class CronTriggerTimetable(Timetable):
    """A run at each cron tick (logical date = tick); its data interval is ``[tick - interval, tick]``."""

    def __init__(self, cron: str, *, timezone: str | tzinfo, interval: timedelta = timedelta(0)) -> None:
        self.spec = cron_spec(
            cron, timetable="trigger", timezone=timezone_name(timezone), interval=_interval_seconds(interval)
        )


class CronDataIntervalTimetable(Timetable):
    """Airflow 2's cron meaning: a run covers ``[tick, next tick)`` and starts once it has passed."""

    def __init__(self, cron: str, timezone: str | tzinfo) -> None:
        self.spec = cron_spec(cron, timetable="data_interval", timezone=timezone_name(timezone))


class DeltaTriggerTimetable(Timetable):
    """A run every ``delta`` from ``start_date``; its data interval is ``[tick - interval, tick]``."""

    def __init__(self, delta: timedelta, *, interval: timedelta = timedelta(0)) -> None:
        self.spec = delta_spec(delta, timetable="trigger", interval=_interval_seconds(interval))


class DeltaDataIntervalTimetable(Timetable):
    """Contiguous ``delta``-long data intervals from ``start_date``; a run starts once its interval passed."""

    def __init__(self, delta: timedelta) -> None:
        self.spec = delta_spec(delta, timetable="data_interval")
