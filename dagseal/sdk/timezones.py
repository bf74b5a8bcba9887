"""Timezone names both sides agree on: an IANA name (``America/New_York``), ``UTC`` or a fixed ``+HH:MM``.

A DAG's timezone travels as a name in the serialized DAG, so the image side turns the tzinfo a
DAG file used (zoneinfo, pendulum, ``datetime.timezone``) into a name here, and the host turns
the name back into a tzinfo with the same function. Standard library only (the image has tzdata).
"""

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from dagseal.sdk.exceptions import InvalidScheduleError

__all__ = ["resolve_timezone", "timezone_name"]

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def resolve_timezone(name: str) -> tzinfo:
    """The tzinfo for ``name``; an unknown name is an InvalidScheduleError naming it."""
    if name in ("UTC", "Z"):
        return UTC
    offset = _OFFSET.match(name)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only for names: not every DAG has a zone

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidScheduleError(
            f"unknown timezone {name!r}: use an IANA name such as 'Europe/Paris'"
        ) from None


def timezone_name(zone: tzinfo | str) -> str:
    """The name of ``zone`` (a name is checked): zoneinfo/pendulum zones by key, fixed offsets ``+HH:MM``."""
    if isinstance(zone, str):
        resolve_timezone(zone)
        return zone
    key = getattr(zone, "key", None) or getattr(zone, "zone", None)  # zoneinfo and pendulum; pytz
    if isinstance(key, str):
        return timezone_name(key)
    sample = datetime(2000, 1, 1)
    offset = zone.utcoffset(sample)
    if offset is None or offset != zone.utcoffset(sample.replace(month=7)):
        raise InvalidScheduleError(f"timezone {zone!r} has no IANA name; use zoneinfo.ZoneInfo or pendulum")
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = int(abs(offset).total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
