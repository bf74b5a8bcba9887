"""When scheduled DAG runs are due, with Airflow 3's trigger and data-interval timetables.

* Trigger (``CronTriggerTimetable``, ``DeltaTriggerTimetable``; Airflow 3's default for a bare cron
  string or timedelta): a run at each tick; logical date = tick - interval (the interval is 0
  unless the timetable sets one) and the data interval is ``[tick - interval, tick]``.
* Data interval (``CronDataIntervalTimetable``, ``DeltaDataIntervalTimetable``): a run covers
  ``[tick, next tick)``, has logical date = its start, and is created once its end has passed.

Cron fields are read in the schedule's timezone, so ``0 2 * * *`` in New York fires at 02:00 New
York time in winter and in summer. A wall time skipped by a spring DST change fires at the first
instant after the gap; a wall time repeated in autumn fires once (the first occurrence), except
for schedules that fire every hour, which also fire in the repeated hour (as Airflow does).

Ticks are a pure function of the schedule and ``start_date`` (a timedelta grid is anchored at
``start_date``), so two schedulers derive the same ``run_id`` for the same run and the unique key
on ``dag_run`` keeps only one of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta, tzinfo

from attrs import frozen
from croniter import croniter

from dagseal.sdk.schedule import ScheduleSpec
from dagseal.sdk.timezones import resolve_timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


@frozen
class DagRunInfo:
    """One run to create: its data interval; it is due at ``run_after`` (= interval end)."""

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
    """The ticks of a schedule, as aware UTC datetimes."""

    @abstractmethod
    def after(self, moment: datetime) -> datetime:
        """The first tick strictly after ``moment``."""

    @abstractmethod
    def before(self, moment: datetime) -> datetime:
        """The last tick strictly before ``moment``."""

    def at_or_after(self, moment: datetime) -> datetime:
        return self.after(moment - _TICK)

    def at_or_before(self, moment: datetime) -> datetime:
        return self.before(moment + _TICK)


class _CronGrid(_Grid):
    """Cron ticks read in ``zone``: croniter walks naive wall time, which is then placed in the zone."""

    def __init__(self, expression: str, zone: tzinfo) -> None:
        if not croniter.is_valid(expression):
            raise ValueError(f"invalid cron expression {expression!r}")
        self._expression = expression
        self._zone = zone
        # Every-hour schedules step by the wall-clock distance in real time, so the hour an autumn
        # change repeats gets its ticks too (Airflow's "fold hour" rule).
        self._hourly = croniter(expression).expanded[1] == ["*"]

    def _wall(self, moment: datetime) -> datetime:
        return moment.astimezone(self._zone).replace(tzinfo=None)

    def _placed(self, wall: datetime) -> datetime:
        """Wall time → UTC; zoneinfo's fold=0 puts a skipped time after the gap, a repeated one first."""
        return wall.replace(tzinfo=self._zone, fold=0).astimezone(UTC)

    def after(self, moment: datetime) -> datetime:
        wall = self._wall(moment)
        tick = croniter(self._expression, wall).get_next(datetime)
        if self._hourly:
            return moment.astimezone(UTC) + (tick - wall)
        return self._placed(tick)

    def before(self, moment: datetime) -> datetime:
        wall = self._wall(moment)
        tick = croniter(self._expression, wall).get_prev(datetime)
        if self._hourly:
            return moment.astimezone(UTC) - (wall - tick)
        return self._placed(tick)


class _DeltaGrid(_Grid):
    """``anchor + k * step`` in real time (a timedelta schedule does not follow the wall clock)."""

    def __init__(self, seconds: float, anchor: datetime) -> None:
        if seconds <= 0:
            raise ValueError(f"schedule interval must be positive, got {seconds} s")
        self._step = timedelta(seconds=seconds)
        self._anchor = anchor

    def after(self, moment: datetime) -> datetime:
        steps = (moment - self._anchor) // self._step + 1
        return self._anchor + steps * self._step

    def before(self, moment: datetime) -> datetime:
        steps = -((self._anchor - moment) // self._step) - 1  # ceiling division, minus one
        return self._anchor + steps * self._step


@frozen
class Timetable:
    """A DAG's schedule as the scheduler needs it (built from the serialized ScheduleSpec)."""

    kind: str  # "none" | "once" | "cron" | "timedelta" | "assets" (no ticks: runs on asset updates)
    cron: str | None = None
    seconds: float | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    catchup: bool = True
    trigger: bool = False  # a run at each tick, not one per [tick, next tick)
    zone: tzinfo = UTC
    interval: timedelta = timedelta(0)  # trigger timetables: data interval length before a tick

    @classmethod
    def from_spec(
        cls,
        spec: ScheduleSpec,
        *,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        data_intervals_by_default: bool,
    ) -> Timetable:
        """``data_intervals_by_default``: how a bare cron string or timedelta is read
        (``[scheduler] create_cron_data_intervals`` / ``create_delta_data_intervals``)."""
        trigger = spec.timetable == "trigger" if spec.timetable else not data_intervals_by_default
        return cls(
            kind=spec.kind,
            cron=spec.cron,
            seconds=spec.seconds,
            start_date=start_date,
            end_date=end_date,
            catchup=catchup,
            trigger=trigger,
            zone=resolve_timezone(spec.timezone or "UTC"),
            interval=timedelta(seconds=spec.interval),
        )

    def next_dagrun_info(self, last: DagRunInfo | None, now: datetime) -> DagRunInfo | None:
        """The next scheduled run after ``last`` (the latest scheduled one), or None if there is none.

        The returned run may lie in the future: the caller creates it once ``run_after <= now``.
        """
        if self.kind in ("none", "assets"):
            return None
        if self.kind == "once":
            if last is not None:
                return None
            moment = self.start_date or now
            return DagRunInfo(moment, moment)
        grid = self._grid()
        info = self._next_trigger(grid, last, now) if self.trigger else self._next_interval(grid, last, now)
        last_allowed = info.run_after if self.trigger else info.logical_date
        if self.end_date is not None and last_allowed > self.end_date:
            return None
        return info

    def _next_interval(self, grid: _Grid, last: DagRunInfo | None, now: datetime) -> DagRunInfo:
        if last is not None:
            start: datetime | None = grid.at_or_after(last.data_interval_end)
        elif self.start_date is not None:
            start = grid.at_or_after(self.start_date)
        else:
            start = None
        if not self.catchup or start is None:
            latest = grid.before(grid.at_or_before(now))  # start of the latest complete interval
            start = latest if start is None else max(start, latest)
        return DagRunInfo(start, grid.after(start))

    def _next_trigger(self, grid: _Grid, last: DagRunInfo | None, now: datetime) -> DagRunInfo:
        if last is not None:
            tick = grid.after(last.data_interval_end)
        elif self.start_date is not None:
            tick = grid.at_or_after(self.start_date)
        else:
            tick = grid.at_or_after(now)  # no start_date: wait for the next tick
        if not self.catchup:
            tick = max(tick, grid.at_or_before(now))  # skip to the latest past tick
        return DagRunInfo(tick - self.interval, tick)

    def manual_data_interval(self, logical_date: datetime) -> DagRunInfo:
        """A manual run's data interval (Airflow's ``infer_manual_data_interval``): for a data-interval
        timetable the last complete interval at ``logical_date``, else ``[logical_date - interval,
        logical_date]``."""
        if self.kind not in ("cron", "timedelta"):
            return DagRunInfo(logical_date, logical_date)
        if self.trigger:
            return DagRunInfo(logical_date - self.interval, logical_date)
        grid = self._grid()
        end = grid.at_or_before(logical_date)
        return DagRunInfo(grid.before(end), end)

    def ticks_between(self, start: datetime, end: datetime) -> list[DagRunInfo]:
        """Every run whose logical date lies in ``[start, end]`` (a backfill's range), oldest first."""
        if self.kind not in ("cron", "timedelta"):
            return []
        grid = self._grid()
        runs: list[DagRunInfo] = []
        tick = grid.at_or_after(start + self.interval if self.trigger else start)
        while True:
            info = (
                DagRunInfo(tick - self.interval, tick) if self.trigger else DagRunInfo(tick, grid.after(tick))
            )
            if info.logical_date > end:
                return runs
            runs.append(info)
            tick = grid.after(tick)

    def _grid(self) -> _Grid:
        if self.kind == "cron" and self.cron:
            return _CronGrid(self.cron, self.zone)
        if self.kind == "timedelta" and self.seconds:
            return _DeltaGrid(self.seconds, self.start_date or _EPOCH)
        raise ValueError(f"schedule kind {self.kind!r} is incomplete or unknown")


def parse_datetime(text: str | None) -> datetime | None:
    """Parse the serialized ISO-8601 UTC strings (naive values are taken as UTC)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
