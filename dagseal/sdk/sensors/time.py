"""Sensors that wait for a time: TimeDeltaSensor, DateTimeSensor, DayOfWeekSensor (Airflow's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import DagDefinitionError
from dagseal.sdk.sensors.base import BaseSensorOperator

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class TimeDeltaSensor(BaseSensorOperator):
    """Waits until ``delta`` after the run's data interval end (its logical date if it has none)."""

    def __init__(self, *, task_id: str, delta: timedelta, **kwargs: Any) -> None:
        if not isinstance(delta, timedelta):
            raise DagDefinitionError(f"task {task_id!r}: delta must be a timedelta, got {delta!r}")
        super().__init__(task_id=task_id, **kwargs)
        self.delta = delta

    def poke(self, context: TaskContext) -> bool:
        anchor = context.data_interval_end or context.logical_date
        if anchor is None:
            raise DagDefinitionError(
                f"task {self.task_id!r}: TimeDeltaSensor needs a run with a logical date"
            )
        return datetime.now(UTC) >= _aware(anchor) + self.delta


class DateTimeSensor(BaseSensorOperator):
    """Waits until ``target_time`` (a datetime, or an ISO-8601 string; naive means UTC)."""

    def __init__(self, *, task_id: str, target_time: datetime | str, **kwargs: Any) -> None:
        super().__init__(task_id=task_id, **kwargs)
        if isinstance(target_time, str):
            try:
                target_time = _aware(target_time)
            except ValueError:
                raise DagDefinitionError(
                    f"task {task_id!r}: target_time {target_time!r} is not ISO-8601"
                ) from None
        if not isinstance(target_time, datetime):
            raise DagDefinitionError(f"task {task_id!r}: target_time must be a datetime, got {target_time!r}")
        self.target_time = target_time if target_time.tzinfo else target_time.replace(tzinfo=UTC)

    def poke(self, context: TaskContext) -> bool:
        return datetime.now(UTC) >= self.target_time


class DayOfWeekSensor(BaseSensorOperator):
    """Waits until today (UTC; the run's logical date with ``use_task_logical_date``) is in ``week_day``."""

    def __init__(
        self,
        *,
        task_id: str,
        week_day: str | set[str] | list[str],
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        days = {week_day} if isinstance(week_day, str) else set(week_day)
        names = {str(getattr(day, "value", day)).upper() for day in days}
        unknown = sorted(names - set(WEEKDAYS))
        if unknown or not names:
            raise DagDefinitionError(
                f"task {task_id!r}: unknown week_day {unknown[0] if unknown else week_day!r}"
            )
        super().__init__(task_id=task_id, **kwargs)
        self.week_day = names
        self.use_task_logical_date = bool(use_task_logical_date)

    def poke(self, context: TaskContext) -> bool:
        if self.use_task_logical_date and context.logical_date:
            day = _aware(context.logical_date)
        else:
            day = datetime.now(UTC)
        return WEEKDAYS[day.weekday()] in self.week_day
