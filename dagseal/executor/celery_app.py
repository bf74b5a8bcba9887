"""The Celery side both ends share: settings, the Celery app, and the one message per task try.

The scheduler (``CeleryExecutor``) only sends ``execute_try`` messages by name; workers
(``dagseal celery worker``) register the task that runs them. A message is JSON only and carries
the try's identity (task instance id, DAG, run, task) and the Celery task id the executor chose
before sending: no code, no configuration, no secrets. Workers read everything else from the
metadata DB, and the supervisor's claim is a conditional update, so the broker's at-least-once
delivery (a redelivered or duplicated message) never runs a try twice.

Late acknowledgement, prefetch 1 and ``task_reject_on_worker_lost``: a message leaves the broker
only once its supervisor ended, so a worker that dies mid-try has its message redelivered (and the
redelivery finds the try no longer queued).
"""

from __future__ import annotations

import json
from typing import Any

from attrs import frozen
from celery import Celery

from dagseal.config import Config, ConfigError

EXECUTE_TRY_TASK = "dagseal.execute_try"
_MESSAGE_KEYS = ("ti_id", "dag_id", "run_id", "task_id", "celery_task_id")


@frozen(kw_only=True)
class CelerySettings:
    """``[celery]`` and ``[celery_broker_transport_options]``, typed and checked once."""

    broker_url: str
    result_backend: str
    worker_concurrency: int
    default_queue: str
    operation_timeout: float
    transport_options: tuple[tuple[str, int | float | str], ...]
    """Every key of ``[celery_broker_transport_options]`` (numbers typed), as Airflow passes them."""

    @property
    def visibility_timeout(self) -> float:
        return float(dict(self.transport_options)["visibility_timeout"])

    @classmethod
    def from_config(cls, config: Config) -> CelerySettings:
        conn = config.get("core", "sql_alchemy_conn")
        if conn.startswith("sqlite"):
            raise ConfigError(
                "[core] executor = CeleryExecutor needs PostgreSQL: workers on other hosts cannot share "
                f"a SQLite file (sql_alchemy_conn is {conn.split(':', 1)[0]})"
            )
        settings = cls(
            broker_url=config.get("celery", "broker_url").strip(),
            result_backend=config.get("celery", "result_backend").strip() or f"db+{conn}",
            worker_concurrency=config.getint("celery", "worker_concurrency"),
            default_queue=config.get("celery", "default_queue").strip(),
            operation_timeout=config.getfloat("celery", "operation_timeout"),
            transport_options=_transport_options(config),
        )
        for key, ok in (
            ("broker_url", bool(settings.broker_url)),
            ("default_queue", bool(settings.default_queue)),
            ("worker_concurrency", settings.worker_concurrency >= 1),
            ("operation_timeout", settings.operation_timeout > 0),
        ):
            if not ok:
                raise ConfigError(f"[celery] {key} = {config.get('celery', key)!r} is not usable")
        return settings


def _transport_options(config: Config) -> tuple[tuple[str, int | float | str], ...]:
    section = "celery_broker_transport_options"
    options: list[tuple[str, int | float | str]] = []
    for key, (value, _source) in config.as_dict_with_sources().get(section, {}).items():
        text = value.strip()
        typed: int | float | str = text
        for convert in (int, float):
            try:
                typed = convert(text)
                break
            except ValueError:
                continue
        options.append((key, typed))
    if config.getfloat(section, "visibility_timeout") <= 0:
        raise ConfigError(f"[{section}] visibility_timeout must be more than 0")
    return tuple(options)


@frozen(kw_only=True)
class TryMessage:
    """The body of one ``execute_try`` message: which try, and the Celery task id it was sent as."""

    ti_id: int
    dag_id: str
    run_id: str
    task_id: str
    celery_task_id: str

    def to_json(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in _MESSAGE_KEYS}

    @classmethod
    def from_json(cls, data: object) -> TryMessage:
        """Check a received body strictly: a malformed message is refused by name, never guessed at."""
        if not isinstance(data, dict) or set(data) != set(_MESSAGE_KEYS):
            raise ValueError(f"execute_try message must have exactly {_MESSAGE_KEYS}, got {json.dumps(data)}")
        if not isinstance(data["ti_id"], int) or isinstance(data["ti_id"], bool):
            raise ValueError(f"execute_try message: ti_id must be an integer, got {data['ti_id']!r}")
        for key in _MESSAGE_KEYS[1:]:
            if not isinstance(data[key], str) or not data[key]:
                raise ValueError(f"execute_try message: {key} must be a non-empty string, got {data[key]!r}")
        return cls(**data)


def celery_app(settings: CelerySettings) -> Celery:
    """A Celery app configured for dagseal: JSON only, late acks, prefetch 1, one default queue."""
    app = Celery("dagseal", broker=settings.broker_url, backend=settings.result_backend, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.default_queue,
        task_create_missing_queues=True,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=settings.operation_timeout,
        broker_transport_options={
            "socket_connect_timeout": settings.operation_timeout,
            **dict(settings.transport_options),
        },
        result_extended=False,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        enable_utc=True,
    )
    return app
