"""dagseal configuration: built-in defaults < ``dagseal.cfg`` (INI) < ``DAGSEAL__SECTION__KEY`` env vars.

The file is the one named by ``DAGSEAL_CONFIG``; when that is unset, ``./dagseal.cfg`` if it exists,
else defaults only. Every effective value remembers where it came from, so ``dagseal config list``
can answer "why is this set?". Values are kept as strings and typed on read, as in configparser.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, TypeVar

from dagseal.errors import DagsealError

__all__ = [
    "DEFAULT_SOURCE",
    "DOCKER_RUNTIME_KINDS",
    "Config",
    "ConfigError",
    "load_config",
    "mask_secrets",
]

ENV_PREFIX: Final = "DAGSEAL__"
DEFAULT_SOURCE: Final = "default"
DOCKER_RUNTIME_KINDS: Final = ("scheduler_dag_parsing", "task_execution")
_DOCKER_BASE_SECTION: Final = "docker_runtime"
_BOOLEANS: Final = {
    "1": True,
    "yes": True,
    "true": True,
    "on": True,
    "0": False,
    "no": False,
    "false": False,
    "off": False,
}
_SECRET_KEY = re.compile(r"password|secret|token|fernet_key|backend_kwargs", re.IGNORECASE)
_T = TypeVar("_T")
_URL_PASSWORD = re.compile(r"(?P<head>[a-z0-9+.-]+://[^:/@\s]*:)[^@\s]*(?P<tail>@)", re.IGNORECASE)


def _defaults(home: Path) -> dict[str, dict[str, str]]:
    """Every known key with its default; ``home`` anchors the default SQLite file."""
    return {
        "core": {
            "dags_folder": "dag_repos",
            "sql_alchemy_conn": f"sqlite:///{home / 'dagseal.db'}",
            "scheduler_dag_parsing_runtime": "process",
            "task_execution_runtime": "process",
            "policy_module": "",
            "parallelism": "8",
            "digest_map": "",
            "dags_are_paused_at_creation": "False",
            "max_map_length": "1024",
            "executor": "LocalExecutor",
            "fernet_key": "",
            "max_xcom_size": "49344",
        },
        "secrets": {
            "backend": "",
            "backend_kwargs": "",
            "connections_file_path": "",
            "variables_file_path": "",
        },
        "scheduler": {
            "standalone_dag_processor": "False",
            "create_cron_data_intervals": "False",
            "create_delta_data_intervals": "False",
            "parsing_processes": "2",
            "zombie_detection_interval": "30",
            "zombie_threshold": "300",
            "stale_dag_threshold": "3600",
            "stale_dag_cleanup_interval": "60",
            "max_callbacks_per_loop": "20",
            "min_file_process_interval": "30",
            "dag_dir_list_interval": "300",
            "parse_timeout": "30",
            "callback_claim_timeout": "60",
            "scheduler_heartbeat_sec": "1.0",
            "processor_loop_sleep": "1.0",
            "task_queued_timeout": "600",
            "max_dagruns_per_loop_to_schedule": "20",
        },
        "logging": {
            "base_log_folder": "logs",
            "max_try_log_bytes": "104857600",
            "worker_log_server_host": "127.0.0.1",
            "worker_log_server_port": "8793",
        },
        "celery": {
            "broker_url": "redis://:dagseal@127.0.0.1:6380/0",
            "result_backend": "",
            "worker_concurrency": "16",
            "default_queue": "default",
            "operation_timeout": "1.0",
        },
        "celery_broker_transport_options": {
            "visibility_timeout": "21600",
        },
        "api": {
            "host": "127.0.0.1",
            "port": "8080",
            "workers": "1",
            "secret_key": "",
            "maximum_page_limit": "100",
            "fallback_page_limit": "50",
        },
        "deploy": {
            "registry": "",
            "image_retention_days": "7",
        },
        _DOCKER_BASE_SECTION: {
            "socket_path": "unix:///var/run/docker.sock",
            "volume_mount_yaml": "",
            "cgroup_mount_path": "/sys/fs/cgroup",
            "image": "",
            "environment": "",
            "labels": "",
            "allow_mutable_tags": "False",
            "allowed_networks": "",
            "allow_host_network": "False",
            "successor_task_containers": "True",
            "standby_task_containers": "False",
        },
        **{f"{kind}_docker_runtime": {} for kind in DOCKER_RUNTIME_KINDS},
    }


class ConfigError(DagsealError):
    """A configuration file or value that cannot be used."""


def mask_secrets(key: str, value: str) -> str:
    """Hide passwords in URLs and whole values of keys that name a secret, for display and logs."""
    if value and _SECRET_KEY.search(key):
        return "***"
    return _URL_PASSWORD.sub(r"\g<head>***\g<tail>", value)


class Config:
    """Effective configuration with provenance; build it with :func:`load_config`."""

    def __init__(self, values: dict[str, dict[str, tuple[str, str]]], path: Path | None) -> None:
        self._values = values
        self.path = path

    def has_option(self, section: str, key: str) -> bool:
        return key.lower() in self._values.get(section.lower(), {})

    def get(self, section: str, key: str) -> str:
        return self._entry(section, key)[0]

    def source(self, section: str, key: str) -> str:
        """Where the effective value came from: ``default``, the file path, or ``env NAME``."""
        return self._entry(section, key)[1]

    def getint(self, section: str, key: str) -> int:
        return self._typed(section, key, int, "an integer")

    def getfloat(self, section: str, key: str) -> float:
        return self._typed(section, key, float, "a number")

    def getboolean(self, section: str, key: str) -> bool:
        value = self.get(section, key).strip().lower()
        if value not in _BOOLEANS:
            raise self._bad_value(section, key, "a boolean (true/false, yes/no, on/off, 1/0)")
        return _BOOLEANS[value]

    def as_dict_with_sources(self) -> dict[str, dict[str, tuple[str, str]]]:
        """``{section: {key: (value, source)}}``, sorted, values unmasked (mask before printing)."""
        return {section: dict(sorted(keys.items())) for section, keys in sorted(self._values.items())}

    def _entry(self, section: str, key: str) -> tuple[str, str]:
        try:
            return self._values[section.lower()][key.lower()]
        except KeyError:
            raise ConfigError(f"unknown configuration option [{section}] {key}") from None

    def _typed(self, section: str, key: str, convert: Callable[[str], _T], what: str) -> _T:
        try:
            return convert(self.get(section, key).strip())
        except ValueError:
            raise self._bad_value(section, key, what) from None

    def _bad_value(self, section: str, key: str, what: str) -> ConfigError:
        value, source = self._entry(section, key)
        shown = mask_secrets(key, value)
        return ConfigError(f"[{section}] {key} = {shown!r} (from {source}) is not {what}")


def _config_path(environ: Mapping[str, str], cwd: Path) -> Path | None:
    explicit = environ.get("DAGSEAL_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"DAGSEAL_CONFIG points to {path}, which is not a readable file")
        return path
    local = cwd / "dagseal.cfg"
    return local if local.is_file() else None


def _read_file(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        detail = str(exc).splitlines()[0]
        raise ConfigError(f"cannot read config file {path}: {detail}") from exc
    return parser


def load_config(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Config:
    """Read defaults, the config file and ``DAGSEAL__*`` env vars (``os.environ`` when not given)."""
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    home = Path(environ.get("DAGSEAL_HOME") or cwd / ".dagseal")
    values = {
        section: {key: (value, DEFAULT_SOURCE) for key, value in keys.items()}
        for section, keys in _defaults(home).items()
    }
    path = _config_path(environ, cwd)
    if path is not None:
        parser = _read_file(path)
        for section in parser.sections():
            for key, value in parser.items(section):
                values.setdefault(section.lower(), {})[key.lower()] = (value, str(path))
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        section, sep, key = name[len(ENV_PREFIX) :].partition("__")
        if not sep or not section or not key:
            raise ConfigError(f"environment variable {name} must look like DAGSEAL__SECTION__KEY")
        values.setdefault(section.lower(), {})[key.lower()] = (value, f"env {name}")
    return Config(values, path)
