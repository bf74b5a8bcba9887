"""The Celery message and settings: JSON-only, strict, and no SQLite (no broker needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagseal.config import ConfigError, load_config
from dagseal.executor.celery_app import CelerySettings, TryMessage, celery_app

PG = "postgresql+psycopg://u:secret@db.internal:5432/dagseal"
names = st.text(min_size=1, max_size=40)


@given(ti_id=st.integers(min_value=1, max_value=2**62), dag_id=names, run_id=names, task_id=names)
def test_try_message_round_trips_through_json(ti_id: int, dag_id: str, run_id: str, task_id: str) -> None:
    message = TryMessage(ti_id=ti_id, dag_id=dag_id, run_id=run_id, task_id=task_id, celery_task_id="c-1")
    assert TryMessage.from_json(json.loads(json.dumps(message.to_json()))) == message


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"ti_id": 1, "dag_id": "d", "run_id": "r", "task_id": "t"}, "must have exactly"),
        (
            {"ti_id": 1, "dag_id": "d", "run_id": "r", "task_id": "t", "celery_task_id": "c", "source": "x"},
            "exactly",
        ),
        (
            {"ti_id": "1", "dag_id": "d", "run_id": "r", "task_id": "t", "celery_task_id": "c"},
            "ti_id must be",
        ),
        (
            {"ti_id": True, "dag_id": "d", "run_id": "r", "task_id": "t", "celery_task_id": "c"},
            "ti_id must be",
        ),
        ({"ti_id": 1, "dag_id": "", "run_id": "r", "task_id": "t", "celery_task_id": "c"}, "dag_id must be"),
        (["not", "a", "dict"], "must have exactly"),
    ],
)
def test_a_malformed_message_is_refused_by_name(body: object, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        TryMessage.from_json(body)


def test_settings_default_the_result_backend_to_the_metadata_db(tmp_path: Path) -> None:
    config = load_config({"DAGSEAL__CORE__SQL_ALCHEMY_CONN": PG}, tmp_path)
    settings = CelerySettings.from_config(config)
    assert settings.result_backend == f"db+{PG}"
    assert (settings.default_queue, settings.worker_concurrency, settings.visibility_timeout) == (
        "default",
        16,
        21600,
    )
    app = celery_app(settings)
    assert app.conf.task_acks_late is True and app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"] and app.conf.task_serializer == "json"
    assert app.conf.broker_transport_options["visibility_timeout"] == 21600


def test_settings_refuse_sqlite_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^\[core\] executor = CeleryExecutor needs PostgreSQL: .*sqlite\)$"
    ):
        CelerySettings.from_config(load_config({}, tmp_path))


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("CELERY__WORKER_CONCURRENCY", "0", r"\[celery\] worker_concurrency = '0' is not usable"),
        ("CELERY__DEFAULT_QUEUE", " ", r"\[celery\] default_queue"),
        ("CELERY__OPERATION_TIMEOUT", "soon", r"\[celery\] operation_timeout = 'soon' .* is not a number"),
        ("CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT", "0", "visibility_timeout must be"),
    ],
)
def test_settings_name_a_bad_value(tmp_path: Path, key: str, value: str, error: str) -> None:
    config = load_config({"DAGSEAL__CORE__SQL_ALCHEMY_CONN": PG, f"DAGSEAL__{key}": value}, tmp_path)
    with pytest.raises(ConfigError, match=error):
        CelerySettings.from_config(config)


def test_every_transport_option_reaches_kombu_typed(tmp_path: Path) -> None:
    env = {
        "DAGSEAL__CORE__SQL_ALCHEMY_CONN": PG,
        "DAGSEAL__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "7.5",
        "DAGSEAL__CELERY_BROKER_TRANSPORT_OPTIONS__UNACKED_RESTORE_THROTTLE": "1",
        "DAGSEAL__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": "team_a",
    }
    options = celery_app(CelerySettings.from_config(load_config(env, tmp_path))).conf.broker_transport_options
    assert options["visibility_timeout"] == 7.5
    assert options["unacked_restore_throttle"] == 1 and isinstance(options["unacked_restore_throttle"], int)
    assert options["global_keyprefix"] == "team_a"
