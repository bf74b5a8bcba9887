"""``[api]`` settings of the API server, read once into one frozen object per process."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from dagseal.config import Config, ConfigError
from dagseal.secrets.settings import SecretsSettings

__all__ = ["ApiSettings"]


@dataclass(frozen=True)
class ApiSettings:
    """Where the server listens, how it signs session cookies, how long pages may be, and the
    ``[core] fernet_key`` keys that encrypt connections and variables (newest first)."""

    host: str
    port: int
    workers: int
    secret_key: str
    maximum_page_limit: int
    fallback_page_limit: int
    sql_alchemy_conn: str
    base_log_folder: str
    fernet_keys: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> ApiSettings:
        """``secret_key`` empty: a random one per process, so only one worker may run (sessions
        signed by one worker would be refused by the others)."""
        workers = config.getint("api", "workers")
        if workers < 1:
            raise ConfigError(f"[api] workers must be 1 or more, got {workers}")
        secret = config.get("api", "secret_key")
        if not secret:
            if workers > 1:
                raise ConfigError("[api] secret_key must be set when [api] workers is more than 1")
            secret = secrets.token_urlsafe(32)
        maximum = config.getint("api", "maximum_page_limit")
        fallback = config.getint("api", "fallback_page_limit")
        if not 1 <= fallback <= maximum:
            raise ConfigError(
                f"[api] fallback_page_limit must be 1 to maximum_page_limit ({maximum}), got {fallback}"
            )
        return cls(
            host=config.get("api", "host"),
            port=config.getint("api", "port"),
            workers=workers,
            secret_key=secret,
            maximum_page_limit=maximum,
            fallback_page_limit=fallback,
            sql_alchemy_conn=config.get("core", "sql_alchemy_conn"),
            base_log_folder=config.get("logging", "base_log_folder"),
            fernet_keys=SecretsSettings.from_config(config).fernet_keys,
        )
