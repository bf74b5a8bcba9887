"""What a supervisor needs from the configuration, as one picklable value handed to each try's process."""

from __future__ import annotations

from attrs import frozen

from dagseal.config import Config, ConfigError

RUNTIMES = ("process", "docker")


@frozen(kw_only=True)
class SupervisorSettings:
    sql_alchemy_conn: str
    base_log_folder: str
    zombie_threshold: float
    task_execution_runtime: str
    standalone_dag_processor: bool
    max_try_log_bytes: int = 0
    """``[logging] max_try_log_bytes``: a try's output past it is dropped after a marker (0: no cap)."""
    sandbox_zygote: str | None = None
    """Socket of the executor's warm sandbox zygote (process runtime): tries fork from it."""

    @property
    def heartbeat_interval(self) -> float:
        """Often enough that three missed beats still come before the zombie threshold."""
        return min(5.0, self.zombie_threshold / 3)

    @classmethod
    def from_config(cls, config: Config, force_docker: bool = False) -> SupervisorSettings:
        runtime = "docker" if force_docker else config.get("core", "task_execution_runtime").strip()
        if runtime not in RUNTIMES:
            raise ConfigError(f"[core] task_execution_runtime = {runtime!r}; expected one of {RUNTIMES}")
        return cls(
            sql_alchemy_conn=config.get("core", "sql_alchemy_conn"),
            base_log_folder=config.get("logging", "base_log_folder"),
            zombie_threshold=config.getfloat("scheduler", "zombie_threshold"),
            task_execution_runtime=runtime,
            standalone_dag_processor=config.getboolean("scheduler", "standalone_dag_processor"),
            max_try_log_bytes=config.getint("logging", "max_try_log_bytes"),
        )
