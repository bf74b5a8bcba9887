"""Normalize a DAG's ``schedule`` argument into a ScheduleSpec without third-party libraries.

The image side may not depend on croniter, so cron strings are only checked for shape here;
the scheduler (host side) computes the actual fire times.
"""

import re
from datetime import timedelta
from typing import Any, Literal

from dagseal.sdk.exceptions import InvalidScheduleError
from dagseal.sdk.record import Record

ScheduleKind = Literal["none", "once", "cron", "timedelta", "assets"]
# "trigger": a run at each tick (Airflow 3's default); "data_interval": a run per [tick, next tick);
# None: a bare cron string or timedelta, which [scheduler] create_*_data_intervals settles on the host.
TimetableKind = Literal["trigger", "data_interval"]

PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

# One cron field: "*", numbers, names (jan, mon), ranges, lists and steps; "?" and "L" are not supported.
_CRON_ITEM = r"(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?"
_CRON_FIELD = re.compile(rf"^{_CRON_ITEM}(,{_CRON_ITEM})*$")


class ScheduleSpec(Record):
    """What a DAG's schedule means: no schedule, run once, a cron expression or a fixed interval."""

    kind: ScheduleKind
    cron: str | None = None
    seconds: float | None = None
    timetable: TimetableKind | None = None
    timezone: str | None = None  # cron only: the zone its fields are read in (timezones.py names)
    interval: float = 0.0  # trigger timetables: data interval length before each tick, seconds
    assets: dict[str, Any] | None = None  # kind "assets": the condition (dagseal.sdk.assets)


def delta_spec(
    delta: object, *, timetable: TimetableKind | None = None, interval: float = 0.0
) -> ScheduleSpec:
    """A positive timedelta schedule."""
    if not isinstance(delta, timedelta) or delta.total_seconds() <= 0:
        raise InvalidScheduleError(f"schedule timedelta must be positive, got {delta!r}")
    return ScheduleSpec(
        kind="timedelta", seconds=delta.total_seconds(), timetable=timetable, interval=interval
    )


def normalize_schedule(schedule: object, timezone: str = "UTC") -> ScheduleSpec:
    """Turn None, a preset, a cron string or a timedelta into a ScheduleSpec, or raise one clear error.

    ``timezone``: the DAG's (its start_date's) zone, in which a bare cron string is read.
    """
    if schedule is None:
        return ScheduleSpec(kind="none")
    if isinstance(schedule, timedelta):
        return delta_spec(schedule)
    if not isinstance(schedule, str):
        raise InvalidScheduleError(
            "schedule must be None, a cron string, a preset, a timedelta or a timetable, "
            f"got {type(schedule).__name__}"
        )
    if schedule.strip() == "@once":
        return ScheduleSpec(kind="once")
    return cron_spec(schedule, timezone=timezone)


def cron_spec(
    schedule: str, *, timezone: str, timetable: TimetableKind | None = None, interval: float = 0.0
) -> ScheduleSpec:
    """A preset or 5-field cron string read in ``timezone``, checked for shape only."""
    if not isinstance(schedule, str):
        raise InvalidScheduleError(f"cron schedule must be a string, got {type(schedule).__name__}")
    text = schedule.strip()
    if text.startswith("@"):
        if text not in PRESETS:
            raise InvalidScheduleError(
                f"unknown schedule preset {text!r}; use one of @once, {', '.join(sorted(PRESETS))}"
            )
        text = PRESETS[text]
    fields = text.split()
    if len(fields) != 5:
        raise InvalidScheduleError(
            f"cron schedule {schedule!r} needs 5 fields (minute hour day month weekday), got {len(fields)}"
        )
    bad = [field for field in fields if not _CRON_FIELD.match(field)]
    if bad:
        raise InvalidScheduleError(f"cron schedule {schedule!r} has an invalid field {bad[0]!r}")
    return ScheduleSpec(
        kind="cron", cron=" ".join(fields), timetable=timetable, timezone=timezone, interval=interval
    )
