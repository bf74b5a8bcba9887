"""PlacementSettings / DockerSettings: the `[docker_runtime]` sections read once, typed, strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagseal.config import Config, ConfigError, load_config
from dagseal.executor.settings import SupervisorSettings
from dagseal.placement import DockerSettings, PlacementSettings
from dagseal.serialization import SerializationError


def config(tmp_path: Path, text: str = "", **env: str) -> Config:
    path = tmp_path / "d.cfg"
    path.write_text(text)
    environ = {"DAGSEAL_CONFIG": str(path), **{f"DAGSEAL__{k.upper()}": v for k, v in env.items()}}
    return load_config(environ, cwd=tmp_path)


def test_docker_sections_inherit_and_override_key_by_key(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        "[docker_runtime]\nimage = base:1\nenvironment = team=x, level=info\nRUN_AS_USER = nobody\n"
        "allow_mutable_tags = yes\n"
        "[task_execution_docker_runtime]\nrun_as_user = dagseal\nenvironment = level=debug\napp = etl\n",
        docker_runtime__labels="a=1",
    )
    task = DockerSettings.from_config(cfg, "task_execution")
    assert task == DockerSettings(
        image="base:1",
        run_as_user="dagseal",
        environment={"TEAM": "x", "LEVEL": "debug"},
        labels={"a": "1", "app": "etl"},
        allow_mutable_tags=True,
    )
    parsing = DockerSettings.from_config(cfg, "scheduler_dag_parsing")
    assert (parsing.run_as_user, parsing.environment, parsing.labels) == (
        "nobody",
        {"TEAM": "x", "LEVEL": "info"},
        {"a": "1"},
    )
    assert (parsing.socket_path, parsing.volume_mount_yaml) == ("unix:///var/run/docker.sock", None)
    with pytest.raises(ConfigError, match="unknown docker runtime kind 'web'"):
        DockerSettings.from_config(cfg, "web")


def test_an_unknown_docker_key_is_refused_by_name(tmp_path: Path) -> None:
    cfg = config(tmp_path, "[task_execution_docker_runtime]\nrun_as_usr = dagseal\n")
    with pytest.raises(ConfigError) as caught:
        DockerSettings.from_config(cfg, "task_execution")
    assert str(caught.value).startswith(
        f"[task_execution_docker_runtime] run_as_usr (from {tmp_path / 'd.cfg'})"
    )


def test_bad_environment_pairs_are_errors(tmp_path: Path) -> None:
    cfg = config(tmp_path, docker_runtime__environment="novalue")
    with pytest.raises(ConfigError, match=r"\[docker_runtime\] environment: expected NAME=VALUE pairs"):
        DockerSettings.from_config(cfg, "task_execution")


def test_backend_names_and_core_keys(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        core__task_execution_runtime="docker",
        core__digest_map="bazel-bin/digest_map.json",
        scheduler__parse_timeout="7",
    )
    settings = PlacementSettings.from_config(cfg)
    assert (settings.task_execution_runtime, settings.scheduler_dag_parsing_runtime) == ("docker", "process")
    assert (settings.digest_map, settings.policy_module, settings.parse_timeout) == (
        "bazel-bin/digest_map.json",
        None,
        7.0,
    )
    forced = PlacementSettings.from_config(config(tmp_path), force_docker=True)
    assert forced.task_execution_runtime == "docker"
    with pytest.raises(
        ConfigError, match=r"\[core\] scheduler_dag_parsing_runtime = 'vm' is not a sandbox backend"
    ):
        PlacementSettings.from_config(config(tmp_path, core__scheduler_dag_parsing_runtime="vm"))


def test_supervisor_settings_cross_the_fork_server_as_json(tmp_path: Path) -> None:
    cfg = config(tmp_path, "[docker_runtime]\nenvironment = A=1\n", core__task_execution_runtime="docker")
    settings = SupervisorSettings.from_config(cfg)
    assert SupervisorSettings.from_json(settings.to_json()) == settings
    assert settings.placement.task_docker.environment == {"A": "1"}


def test_settings_json_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    text = (
        SupervisorSettings.from_config(config(tmp_path)).to_json().replace('"zombie_threshold"', '"zombie"')
    )
    with pytest.raises(SerializationError, match=r"invalid SupervisorSettings"):
        SupervisorSettings.from_json(text)
