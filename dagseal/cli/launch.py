"""Wire a scheduler from config: the executor and (when asked) embedded processors it wakes.

Shared by ``dagseal scheduler`` and ``dagseal standalone`` so both behave the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import Config, ConfigError
from dagseal.executor.local_executor import LocalExecutor
from dagseal.executor.settings import SupervisorSettings
from dagseal.lifecycle.handoff import BaseExecutor
from dagseal.placement import Placement
from dagseal.scheduler.embedded_processors import EmbeddedProcessors
from dagseal.scheduler.idle import StandaloneMonitor
from dagseal.scheduler.job import SchedulerJob, SchedulerSettings

EXECUTORS = ("LocalExecutor", "CeleryExecutor")


def executor_from_config(
    config: Config,
    settings: SupervisorSettings,
    factory: sessionmaker[Session],
    wake_processors: Callable[[], None] | None = None,
) -> BaseExecutor:
    """``[core] executor``; Celery is imported only when chosen (it is an optional extra). Celery
    workers' supervisors run on other hosts: their callback rows reach embedded processors by the
    processors' own polling, never by a wake-up from here."""
    name, parallelism = config.get("core", "executor").strip(), config.getint("core", "parallelism")
    if name == "CeleryExecutor":
        from dagseal.executor.celery_app import CelerySettings
        from dagseal.executor.celery_executor import CeleryExecutor

        return CeleryExecutor(parallelism, CelerySettings.from_config(config), factory)
    if name != "LocalExecutor":
        raise ConfigError(f"[core] executor = {name!r}; expected one of {EXECUTORS}")
    return LocalExecutor(parallelism, settings, wake_processors)


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
    executor = executor_from_config(config, settings, factory, wake)
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
