"""``[core] executor``: which executor a scheduler runs (LocalExecutor or CeleryExecutor)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dagseal.callbacks.base import BaseCallbackSink
from dagseal.config import Config, ConfigError
from dagseal.executor.base import BaseExecutor
from dagseal.executor.local_executor import LocalExecutor
from dagseal.executor.settings import SupervisorSettings

EXECUTORS = ("LocalExecutor", "CeleryExecutor")


def executor_from_config(
    config: Config, sink: BaseCallbackSink, settings: SupervisorSettings, factory: sessionmaker[Session]
) -> BaseExecutor:
    """The configured executor; Celery is imported only when chosen (it is an optional extra)."""
    name, parallelism = config.get("core", "executor").strip(), config.getint("core", "parallelism")
    if name == "CeleryExecutor":
        from dagseal.executor.celery_app import CelerySettings
        from dagseal.executor.celery_executor import CeleryExecutor

        celery = CelerySettings.from_config(config)
        return CeleryExecutor(parallelism, sink, celery, settings.standalone_dag_processor, factory)
    if name != "LocalExecutor":
        raise ConfigError(f"[core] executor = {name!r}; expected one of {EXECUTORS}")
    return LocalExecutor(parallelism, sink, settings)
