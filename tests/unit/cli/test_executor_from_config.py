"""``[core] executor`` picks the executor, or names the bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagseal.cli.launch import executor_from_config
from dagseal.config import ConfigError, load_config
from dagseal.executor.celery_executor import CeleryExecutor
from dagseal.executor.local_executor import LocalExecutor
from dagseal.executor.settings import SupervisorSettings

PG = "postgresql+psycopg://u:p@127.0.0.1:1/x"


def _pick(tmp_path: Path, **env: str) -> object:
    config = load_config({f"DAGSEAL__{k.upper()}": v for k, v in env.items()}, tmp_path)
    return executor_from_config(config, SupervisorSettings.from_config(config), None)  # type: ignore[arg-type]


def test_local_by_default_and_celery_when_asked(tmp_path: Path) -> None:
    assert isinstance(_pick(tmp_path), LocalExecutor)
    celery = _pick(tmp_path, core__executor="CeleryExecutor", core__sql_alchemy_conn=PG)
    assert isinstance(celery, CeleryExecutor) and celery.settings.result_backend == f"db+{PG}"


def test_unknown_executor_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[core\] executor = 'KubernetesExecutor'; expected one of"):
        _pick(tmp_path, core__executor="KubernetesExecutor")
