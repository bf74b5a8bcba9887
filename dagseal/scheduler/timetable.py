"""When scheduled DAG runs are due: cron expressions (presets arrive normalized), fixed intervals, @once.

A scheduled run covers the data interval ``[start, end)`` and is created once ``end`` has passed,
as in Airflow. Interval boundaries are a pure function of the schedule and ``start_date`` (a
timedelta grid is anchored at ``start_date``), so two schedulers derive the same ``run_id``
for the same interval and the unique key on ``dag_run`` keeps only one of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta

from attrs import frozen
from croniter import croniter

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@frozen
class DagRunInfo:
    """One scheduled run to create: its logical date (= interval start) and data interval."""

    data_interval_start: datetime
    data_interval_end: datetime

    @property
    def logical_date(self) -> datetime:
        return self.data_interval_start

    @property
    def run_after(self) -> datetime:
        return self.data_interval_end

    @property
    def run_id(self) -> str:
        return f"scheduled__{self.logical_date.isoformat()}"


class _Grid(ABC):
    """The boundaries between consecutive data intervals."""

    @abstractmethod
    def at_or_after(self, moment: datetime) -> datetime:
        """The first boundary at or after ``moment``."""

    @abstractmethod
    def after(self, boundary: datetime) -> datetime:
        """The boundary following ``boundary``."""

    @abstractmethod
    def before(self, boundary: datetime) -> datetime:
        """The boundary preceding ``boundary``."""

    def at_or_before(self, moment: datetime) -> datetime:
        """The last boundary at or before ``moment``."""
        following = self.at_or_after(moment)
        return following if following == moment else self.before(following)


class _CronGrid(_Grid):
    def __init__(self, expression: str) -> None:
        if not croniter.is_valid(expression):
            raise ValueError(f"invalid cron expression {expression!r}")
        self._expression = expression

    def _iter(self, moment: datetime) -> croniter:
        return croniter(self._expression, moment)

    def at_or_after(self, moment: datetime) -> datetime:
        return _utc(self._iter(moment - timedelta(microseconds=1)).get_next(datetime))

    def after(self, boundary: datetime) -> datetime:
        return _utc(self._iter(boundary).get_next(datetime))

    def before(self, boundary: datetime) -> datetime:
        return _utc(self._iter(boundary).get_prev(datetime))


class _DeltaGrid(_Grid):
    def __init__(self, seconds: float, anchor: datetime) -> None:
        if seconds <= 0:
            raise ValueError(f"schedule interval must be positive, got {seconds} s")
        self._step = timedelta(seconds=seconds)
        self._anchor = anchor

    def at_or_after(self, moment: datetime) -> datetime:
        steps = -((self._anchor - moment) // self._step)  # ceiling division on timedeltas
        return self._anchor + steps * self._step

    def after(self, boundary: datetime) -> datetime:
        return boundary + self._step

    def before(self, boundary: datetime) -> datetime:
        return boundary - self._step


@frozen
class Timetable:
    """A DAG's schedule as the scheduler needs it (built from the serialized ScheduleSpec)."""

    kind: str  # "none" | "once" | "cron" | "timedelta"
    cron: str | None = None
    seconds: float | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    catchup: bool = True

    def next_dagrun_info(self, last: DagRunInfo | None, now: datetime) -> DagRunInfo | None:
        """The next scheduled run after ``last`` (the latest scheduled one), or None if there is none yet.

        The returned run may lie in the future: the caller creates it once ``run_after <= now``.
        """
        if self.kind == "none":
            return None
        if self.kind == "once":
            if last is not None:
                return None
            moment = self.start_date or now
            return DagRunInfo(moment, moment)
        grid = self._grid()
        if last is not None:
            start = grid.at_or_after(last.data_interval_end)
        elif self.start_date is not None:
            start = grid.at_or_after(self.start_date)
        else:
            start = None
        if not self.catchup or start is None:
            latest = grid.before(grid.at_or_before(now))
            start = latest if start is None else max(start, latest)
        if self.end_date is not None and start > self.end_date:
            return None
        return DagRunInfo(start, grid.after(start))

    def _grid(self) -> _Grid:
        if self.kind == "cron" and self.cron:
            return _CronGrid(self.cron)
        if self.kind == "timedelta" and self.seconds:
            return _DeltaGrid(self.seconds, self.start_date or _EPOCH)
        raise ValueError(f"schedule kind {self.kind!r} is incomplete or unknown")


def _utc(moment: datetime) -> datetime:
    """croniter may hand back ``fold=1`` or another tz object; the grid speaks plain UTC."""
    return moment.astimezone(UTC).replace(fold=0)


def parse_datetime(text: str | None) -> datetime | None:
    """Parse the serialized ISO-8601 UTC strings (naive values are taken as UTC)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
