"""Wire a scheduler from config: the LocalExecutor and (when asked) embedded processors it wakes.

Shared by ``dagseal scheduler`` and ``dagseal standalone`` so both behave the same.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import Config
from dagseal.executor.local_executor import LocalExecutor
from dagseal.executor.settings import SupervisorSettings
from dagseal.placement import Placement
from dagseal.scheduler.embedded_processors import EmbeddedProcessors
from dagseal.scheduler.idle import StandaloneMonitor
from dagseal.scheduler.job import SchedulerJob, SchedulerSettings


def run_scheduler(
    config: Config,
    factory: sessionmaker[Session],
    *,
    num_runs: int = 0,
    processor_dirs: list[Path] | None = None,
    triggers: list[str] | None = None,
    until_idle: bool = False,
) -> SchedulerJob:
    """Run the scheduler loop until ``num_runs`` passes, idle (standalone), or a signal."""
    settings = SupervisorSettings.from_config(config)
    placement = Placement(settings.placement)
    processors = EmbeddedProcessors(config, placement, factory, processor_dirs) if processor_dirs else None
    wake = processors.wake if processors else None
    executor = LocalExecutor(config.getint("core", "parallelism"), settings, wake)
    monitor = (
        StandaloneMonitor(factory, executor, processors, triggers or [], until_idle, placement)
        if processors
        else None
    )
    job = SchedulerJob(
        factory, executor, SchedulerSettings.from_config(config), placement, num_runs, monitor, wake
    )
    if processors:
        processors.start()
    try:
        job.run()
    finally:
        if processors:
            processors.stop()
    return job
