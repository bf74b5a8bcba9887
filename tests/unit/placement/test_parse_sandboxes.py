"""``[core] scheduler_dag_parsing_runtime`` → backend, and the specs handed to the session pool."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import Config, ConfigError, load_config
from dagseal.processor.runtime_choice import DirectorySpecs, parsing_specs, runtime_for_parsing
from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.process import ProcessRuntime


def config(tmp_path: Path, **env: str) -> Config:
    return load_config({f"DAGSEAL__{key.upper()}": value for key, value in env.items()}, cwd=tmp_path)


def test_process_is_the_default(tmp_path: Path, session_factory: sessionmaker[Session]) -> None:
    assert isinstance(runtime_for_parsing(config(tmp_path)), ProcessRuntime)
    specs = parsing_specs(config(tmp_path), tmp_path, 7.0, session_factory)
    assert specs.refresh() == ""
    assert specs.for_file("a.py") == SandboxSpec(dag_folder=str(tmp_path), parse_timeout=7.0)


def test_unknown_runtime_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="scheduler_dag_parsing_runtime = 'vm' is not a runtime"):
        runtime_for_parsing(config(tmp_path, core__scheduler_dag_parsing_runtime="vm"))


def test_docker_specs_carry_the_parsing_section_settings(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    cfg = config(
        tmp_path,
        core__scheduler_dag_parsing_runtime="docker",
        docker_runtime__image="sha256:" + "1" * 64,
        scheduler_dag_parsing_docker_runtime__environment="team=x",
    )
    specs = parsing_specs(cfg, tmp_path, 5.0, session_factory)
    specs.refresh()  # nothing deployed: [core] digest_map (unset here) and the config's image
    spec = specs.for_file("a.py")
    assert spec.image == "sha256:" + "1" * 64
    assert spec.environment == (("TEAM", "x"),)


def test_a_runs_pinned_image_wins_for_its_callbacks() -> None:
    docker = DirectorySpecs(SandboxSpec(dag_folder="/d", image="sha256:old"))
    assert docker.for_callback("a.py", "sha256:pinned").image == "sha256:pinned"
    assert docker.for_callback("a.py", None).image == "sha256:old"
    process = DirectorySpecs(SandboxSpec(dag_folder="/d"))
    assert process.for_callback("a.py", "sha256:pinned").image is None
