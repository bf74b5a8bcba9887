"""Normalize a DAG's ``schedule`` argument into a ScheduleSpec without third-party cron libraries.

The image side may not depend on croniter, so cron strings are only checked for shape here;
the scheduler (host side) computes the actual fire times.
"""

import re
from datetime import timedelta
from typing import Literal

from attrs import frozen

from dagseal.sdk.exceptions import InvalidScheduleError

ScheduleKind = Literal["none", "once", "cron", "timedelta"]

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


@frozen
class ScheduleSpec:
    """What a DAG's schedule means: no schedule, run once, a cron expression or a fixed interval."""

    kind: ScheduleKind
    cron: str | None = None
    seconds: float | None = None


def normalize_schedule(schedule: object) -> ScheduleSpec:
    """Turn None, a preset, a cron string or a timedelta into a ScheduleSpec, or raise one clear error."""
    if schedule is None:
        return ScheduleSpec(kind="none")
    if isinstance(schedule, timedelta):
        if schedule.total_seconds() <= 0:
            raise InvalidScheduleError(f"schedule timedelta must be positive, got {schedule!r}")
        return ScheduleSpec(kind="timedelta", seconds=schedule.total_seconds())
    if not isinstance(schedule, str):
        raise InvalidScheduleError(
            f"schedule must be None, a cron string, a preset or a timedelta, got {type(schedule).__name__}"
        )
    text = schedule.strip()
    if text == "@once":
        return ScheduleSpec(kind="once")
    if text.startswith("@"):
        if text not in PRESETS:
            raise InvalidScheduleError(
                f"unknown schedule preset {text!r}; use one of @once, {', '.join(sorted(PRESETS))}"
            )
        return ScheduleSpec(kind="cron", cron=PRESETS[text])
    fields = text.split()
    if len(fields) != 5:
        raise InvalidScheduleError(
            f"cron schedule {schedule!r} needs 5 fields (minute hour day month weekday), got {len(fields)}"
        )
    bad = [field for field in fields if not _CRON_FIELD.match(field)]
    if bad:
        raise InvalidScheduleError(f"cron schedule {schedule!r} has an invalid field {bad[0]!r}")
    return ScheduleSpec(kind="cron", cron=" ".join(fields))
