"""Wire a scheduler from config: the executor, callback sink, and (when asked) embedded processors.

Shared by ``dagseal scheduler`` and ``dagseal standalone`` so both behave the same.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from dagseal.callbacks.database_sink import DatabaseCallbackSink
from dagseal.config import Config
from dagseal.executor.from_config import executor_from_config
from dagseal.executor.settings import SupervisorSettings
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
    processors = (
        EmbeddedProcessors(config, factory, processor_dirs, use_pipe=not settings.standalone_dag_processor)
        if processor_dirs
        else None
    )
    sink = processors.callback_sink() if processors else DatabaseCallbackSink(factory)
    executor = executor_from_config(config, sink, settings, factory)
    monitor = (
        StandaloneMonitor(factory, executor, processors, triggers or [], until_idle, config)
        if processors
        else None
    )
    job = SchedulerJob(factory, executor, SchedulerSettings.from_config(config), config, num_runs, monitor)
    if processors:
        processors.start()
    try:
        job.run()
    finally:
        if processors:
            processors.stop()
    return job
