"""``[scheduler] create_cron_data_intervals`` / ``create_delta_data_intervals`` as typed settings:
how a bare cron string or timedelta schedule is read (Airflow 3 default: no data interval)."""

from __future__ import annotations

from attrs import frozen

from dagseal.config import Config
from dagseal.sdk.schedule import ScheduleSpec


@frozen(kw_only=True)
class DataIntervalSettings:
    cron: bool = False
    delta: bool = False

    @classmethod
    def from_config(cls, config: Config) -> DataIntervalSettings:
        return cls(
            cron=config.getboolean("scheduler", "create_cron_data_intervals"),
            delta=config.getboolean("scheduler", "create_delta_data_intervals"),
        )

    def by_default(self, schedule: ScheduleSpec) -> bool:
        """Whether ``schedule``, given without an explicit timetable class, has data intervals."""
        return self.delta if schedule.kind == "timedelta" else self.cron


DEFAULT_DATA_INTERVALS = DataIntervalSettings()
"""Both settings at their default (False), as in Airflow 3."""
