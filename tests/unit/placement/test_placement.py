"""Placement: one object per process answers every "which sandbox" question, reading files once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.session import create_engine_from_conn, migrate, session_factory
from dagseal.errors import DagsealError
from dagseal.placement import DockerSettings, Placement, PlacementSettings
from dagseal.placement.file_cache import FileCache
from dagseal.placement.parse_sandboxes import FixedSandbox
from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.process import ProcessRuntime

IMAGE = "sha256:" + "1" * 64
YAML_IMAGE = "sha256:" + "2" * 64
PINNED = "sha256:" + "3" * 64


@pytest.fixture
def sqlite_factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite file: the Docker parse choice asks it for the current deployment."""
    url = f"sqlite:///{tmp_path / 'placement.db'}"
    migrate(url)
    engine = create_engine_from_conn(url)
    yield session_factory(engine)
    engine.dispose()


def docker_placement(**settings: object) -> Placement:
    docker = DockerSettings(image=IMAGE, environment={"TEAM": "x"})
    defaults: dict[str, object] = {
        "task_execution_runtime": "docker",
        "scheduler_dag_parsing_runtime": "docker",
        "task_docker": docker,
        "parsing_docker": docker,
    }
    return Placement(PlacementSettings(**{**defaults, **settings}))  # type: ignore[arg-type]


def test_process_is_the_default_everywhere(tmp_path: Path, sqlite_factory: sessionmaker[Session]) -> None:
    placement = Placement(PlacementSettings(parse_timeout=7.0))
    assert isinstance(placement.parsing_runtime(), ProcessRuntime)
    assert placement.task_runtime("/tmp/zygote.sock").zygote == "/tmp/zygote.sock"  # type: ignore[attr-defined]
    sandboxes = placement.parse_sandboxes(tmp_path, sqlite_factory)
    assert sandboxes.refresh() == ""
    assert sandboxes.for_file("a.py") == SandboxSpec(dag_folder=str(tmp_path), parse_timeout=7.0)
    assert placement.task_sandbox(str(tmp_path), "a.py", None, 5.0) == SandboxSpec(
        dag_folder=str(tmp_path), task_timeout=5.0
    )
    assert placement.image_for_new_run(str(tmp_path), "a.py") is None


def test_docker_parse_sandboxes_carry_the_parsing_section(
    tmp_path: Path, sqlite_factory: sessionmaker[Session]
) -> None:
    sandboxes = docker_placement(parse_timeout=5.0).parse_sandboxes(tmp_path, sqlite_factory)
    assert sandboxes.refresh() == "[core] digest_map"  # nothing deployed, no map: the config's image
    spec = sandboxes.for_file("a.py")
    assert (spec.image, spec.environment, spec.parse_timeout) == (IMAGE, (("TEAM", "x"),), 5.0)


def test_runtime_yaml_parse_timeout_bounds_that_files_parse(
    tmp_path: Path, sqlite_factory: sessionmaker[Session]
) -> None:
    (tmp_path / "slow.runtime.yaml").write_text("parse_timeout: 90\n")
    sandboxes = docker_placement(parse_timeout=5.0).parse_sandboxes(tmp_path, sqlite_factory)
    sandboxes.refresh()
    assert sandboxes.for_file("slow.py").parse_timeout == 90.0
    assert sandboxes.for_file("other.py").parse_timeout == 5.0


def test_a_runs_pinned_image_wins_for_its_callbacks() -> None:
    docker = FixedSandbox(SandboxSpec(dag_folder="/d", image="sha256:old"))
    assert docker.for_callback("a.py", "sha256:pinned").image == "sha256:pinned"
    assert docker.for_callback("a.py", None).image == "sha256:old"
    process = FixedSandbox(SandboxSpec(dag_folder="/d"))
    assert process.for_callback("a.py", "sha256:pinned").image is None


def test_task_sandbox_keeps_the_runs_pin_and_the_shorter_timeout(tmp_path: Path) -> None:
    (tmp_path / "runtime.yaml").write_text(f"image: {YAML_IMAGE}\ntask_timeout: 60\nmemory: 1g\n")
    placement = docker_placement()
    pinned = placement.task_sandbox(str(tmp_path), "a.py", PINNED, 30.0)
    assert (pinned.image, pinned.task_timeout, pinned.memory) == (PINNED, 30.0, 1024**3)
    unpinned = placement.task_sandbox(str(tmp_path), "a.py", None, None)
    assert (unpinned.image, unpinned.task_timeout) == (YAML_IMAGE, 60.0)


def test_new_run_pins_follow_edits_of_runtime_yaml_and_the_map(tmp_path: Path) -> None:
    team = tmp_path / "dag_repos" / "team_x"
    team.mkdir(parents=True)
    map_path = tmp_path / "digest_map.json"

    def write_map(image_id: str) -> None:
        entry = {
            "dag_dir": "dag_repos/team_x",
            "container_dag_dir": "/opt/dagseal/dags/team_x",
            "image": "dagseal/team_x",
            "bazel_target": "//dag_repos/team_x:image",
            "manifest_digest": "sha256:" + "9" * 64,
            "image_id": image_id,
            "layers": [],
            "sandbox_protocol": 2,
            "runtime": "python311",
            "files": {},
        }
        map_path.write_text(json.dumps({"schema_version": 1, "repos": {"dag_repos/team_x": entry}}))

    write_map(IMAGE)
    placement = docker_placement(digest_map=str(map_path))
    assert placement.image_for_new_run(str(team), "etl.py") == IMAGE
    write_map(PINNED)
    assert placement.image_for_new_run(str(team), "etl.py") == PINNED
    (team / "runtime.yaml").write_text(f"image: {YAML_IMAGE}\n")
    assert placement.image_for_new_run(str(team), "etl.py") == YAML_IMAGE
    (team / "runtime.yaml").write_text("image: team_x:latest\n")  # a mutable tag: the run stays unpinned
    assert placement.image_for_new_run(str(team), "etl.py") is None


def test_file_cache_reads_a_file_once_per_version(tmp_path: Path) -> None:
    reads: list[Path] = []

    def load(path: Path) -> str:
        reads.append(path)
        return path.read_text()

    cache = FileCache(load)
    path = tmp_path / "runtime.yaml"
    assert cache.get(path) is None
    path.write_text("a")
    assert [cache.get(path), cache.get(path)] == ["a", "a"]
    path.write_text("bb")
    assert cache.get(path) == "bb"
    assert reads == [path, path]


def test_a_broken_file_is_not_cached(tmp_path: Path) -> None:
    def load(path: Path) -> str:
        text = path.read_text()
        if text == "bad":
            raise ValueError(f"{path}: bad")
        return text

    cache = FileCache(load)
    path = tmp_path / "f"
    path.write_text("bad")
    for _ in range(2):
        with pytest.raises(ValueError, match="bad"):
            cache.get(path)
    path.write_text("good")
    assert cache.get(path) == "good"


def test_a_tries_pinned_image_comes_from_the_claim_not_from_disk(tmp_path: Path) -> None:
    (tmp_path / "runtime.yaml").write_text(f"image: {YAML_IMAGE}\n")
    placement = docker_placement()
    assert placement.pinned_task_image(PINNED, None, None) == PINNED  # stamped from the map: used as is
    assert placement.pinned_task_image(None, None, None) is None  # unpinned: layering decides
    with pytest.raises(DagsealError, match=f"deployment 4 pinned by this run no longer holds image {PINNED}"):
        placement.pinned_task_image(PINNED, 4, None)


@pytest.mark.parametrize("runtime", ["process", "docker"])
def test_task_queue_comes_from_runtime_yaml_with_either_runtime(tmp_path: Path, runtime: str) -> None:
    placement = docker_placement(task_execution_runtime=runtime)
    assert placement.task_queue(str(tmp_path), "a.py") is None
    (tmp_path / "runtime.yaml").write_text("queue: team_x\n")
    (tmp_path / "b.runtime.yaml").write_text("queue: team_x_big\n")
    assert placement.task_queue(str(tmp_path), "a.py") == "team_x"
    assert placement.task_queue(str(tmp_path), "b.py") == "team_x_big"  # the file's own wins
