"""Layering: the documented order, pinning, tag refusal, volumes and the policy hook."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagseal.config import Config, load_config
from dagseal.digest_map import DigestMap, RepoEntry
from dagseal.errors import DagsealError
from dagseal.placement import PlacementSettings
from dagseal.placement.resolution import ImageResolutionError, Layering, PolicyHook, is_pinned
from dagseal.placement.runtime_yaml import RuntimeYamlError
from dagseal.runtime.base import SandboxSpec, Volume

MAP_ID = "sha256:" + "a" * 64
YAML_ID = "sha256:" + "b" * 64
FILE_ID = "sha256:" + "c" * 64
HOOK_ID = "sha256:" + "d" * 64
PINNED = "sha256:" + "e" * 64
CONFIG_ID = "sha256:" + "f" * 64


@pytest.fixture
def team(tmp_path: Path) -> Path:
    directory = tmp_path / "work" / "dag_repos" / "team_x"
    directory.mkdir(parents=True)
    (directory / "etl.py").write_text("")
    (directory / "other.py").write_text("")
    return directory


def config(tmp_path: Path, **env: str) -> Config:
    return load_config(environ={f"DAGSEAL__{k.upper()}": v for k, v in env.items()}, cwd=tmp_path)


def layering(cfg: Config, tasks: bool = False) -> Layering:
    settings = PlacementSettings.from_config(cfg)
    docker = settings.task_docker if tasks else settings.parsing_docker
    return Layering(docker, settings.parse_timeout, PolicyHook(settings.policy_module), joins_networks=tasks)


def resolve(
    team: Path,
    rel: str,
    cfg: Config,
    digest_map: DigestMap | None = None,
    pinned: str | None = None,
    tasks: bool = False,
) -> SandboxSpec:
    """What the processor (or, ``tasks``, a supervisor) asks for a file (a fresh Layering: nothing
    cached between calls)."""
    return layering(cfg, tasks).spec(team, rel, digest_map, pinned)


def digest_map() -> DigestMap:
    entry = RepoEntry(
        dag_dir="dag_repos/team_x",
        container_dag_dir="/opt/dagseal/dags/team_x",
        image="dagseal/team_x",
        bazel_target="//dag_repos/team_x:image",
        manifest_digest="sha256:" + "9" * 64,
        image_id=MAP_ID,
        layers=(),
        sandbox_protocol=1,
        base_runtime="python311",
        files={},
    )
    return DigestMap(1, {entry.dag_dir: entry})


def test_config_default_image_and_settings(tmp_path: Path, team: Path) -> None:
    cfg = config(
        tmp_path,
        docker_runtime__image=CONFIG_ID,
        docker_runtime__environment="a=1",
        docker_runtime__labels="team=x",
        scheduler_dag_parsing_docker_runtime__run_as_user="1000",
        scheduler_dag_parsing_docker_runtime__app="dagseal_parse",
        scheduler__parse_timeout="12",
    )
    spec = resolve(team, "etl.py", cfg)
    assert spec.image == CONFIG_ID
    assert dict(spec.environment) == {"A": "1"}
    assert dict(spec.labels) == {"team": "x", "app": "dagseal_parse"}
    assert (spec.run_as_user, spec.parse_timeout, spec.network, spec.volumes) == ("1000", 12.0, "none", ())
    assert spec.dag_folder == str(team.resolve())


def test_each_layer_overrides_the_one_before(tmp_path: Path, team: Path) -> None:
    cfg = config(tmp_path, docker_runtime__image=CONFIG_ID, docker_runtime__allow_host_network="True")
    assert resolve(team, "etl.py", cfg, digest_map()).image == MAP_ID
    (team / "runtime.yaml").write_text(f"image: {YAML_ID}\nmemory: 512m\nenvironment: {{A: dir, B: dir}}\n")
    assert resolve(team, "etl.py", cfg, digest_map()).image == YAML_ID
    (team / "etl.runtime.yaml").write_text(f"image: {FILE_ID}\nenvironment: {{B: file}}\nnetwork: host\n")
    spec = resolve(team, "etl.py", cfg, digest_map())
    assert (spec.image, spec.memory, spec.network) == (FILE_ID, 512 * 1024**2, "none")  # parsing: never
    assert resolve(team, "etl.py", cfg, digest_map(), tasks=True).network == "host"
    assert dict(spec.environment) == {"A": "dir", "B": "file"}
    other = resolve(team, "other.py", cfg, digest_map())
    assert (other.image, other.network) == (YAML_ID, "none")


def test_digest_map_mounts_the_directory_where_the_image_keeps_it(tmp_path: Path, team: Path) -> None:
    spec = resolve(team, "etl.py", config(tmp_path), digest_map())
    assert spec.volumes == (Volume(str(team.resolve()), "/opt/dagseal/dags/team_x", read_only=True),)


def test_another_directory_gets_no_map_entry(tmp_path: Path) -> None:
    elsewhere = tmp_path / "dag_repos" / "team_y"
    elsewhere.mkdir(parents=True)
    with pytest.raises(ImageResolutionError, match=r"no image for etl\.py"):
        resolve(elsewhere, "etl.py", config(tmp_path), digest_map())


def test_run_pinned_image_wins_and_skips_the_hook(tmp_path: Path, team: Path, policy: str) -> None:
    (team / "runtime.yaml").write_text(f"image: {YAML_ID}\n")
    cfg = config(tmp_path, core__policy_module=policy)
    resolver = layering(cfg)
    assert resolver.spec(team, "etl.py", digest_map()).image == HOOK_ID
    assert resolver.image(team, "etl.py", digest_map()) == HOOK_ID
    assert resolver.spec(team, "etl.py", digest_map(), pinned=PINNED).image == PINNED


@pytest.fixture
def policy(tmp_path: Path) -> Iterator[str]:
    package = tmp_path / "policies"
    package.mkdir()
    (package / "site_policy.py").write_text(
        textwrap.dedent(
            f"""
            def get_docker_runtime_image(image):
                return {HOOK_ID!r} if image == {YAML_ID!r} else image
            """
        )
    )
    sys.path.insert(0, str(package))
    yield "site_policy"
    sys.path.remove(str(package))
    sys.modules.pop("site_policy", None)


def test_mutable_tag_is_refused_unless_allowed(tmp_path: Path, team: Path) -> None:
    (team / "runtime.yaml").write_text("image: team_x:latest\n")
    with pytest.raises(
        ImageResolutionError, match=r"refusing image 'team_x:latest' for etl\.py: a mutable tag"
    ):
        resolve(team, "etl.py", config(tmp_path))
    allowed = config(tmp_path, docker_runtime__allow_mutable_tags="True")
    assert resolve(team, "etl.py", allowed).image == "team_x:latest"


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        (MAP_ID, True),
        ("registry.local:5000/team_x@" + MAP_ID, True),
        ("team_x:latest", False),
        ("team_x", False),
        ("sha256:abc", False),
        ("team_x:1.0@sha256:short", False),
    ],
)
def test_is_pinned(image: str, pinned: bool) -> None:
    assert is_pinned(image) is pinned


def test_volumes_from_yaml_and_config_file(tmp_path: Path, team: Path) -> None:
    mounts_file = tmp_path / "mounts.yaml"
    mounts_file.write_text("volumes:\n  - /srv/reference:/reference\n")
    (team / "runtime.yaml").write_text("volumes:\n  - {source: data, target: /data, read_only: false}\n")
    cfg = config(
        tmp_path, docker_runtime__image=CONFIG_ID, docker_runtime__volume_mount_yaml=str(mounts_file)
    )
    spec = resolve(team, "etl.py", cfg)
    assert spec.volumes == (
        Volume("/srv/reference", "/reference", read_only=True),
        Volume(str((team / "data").resolve()), "/data", read_only=False),
    )


@pytest.mark.parametrize(
    ("volume", "why"),
    [
        ("/var/run:/engine", "refusing to mount /run"),
        ("/var/run/docker.sock:/docker.sock", "refusing to mount /run/docker.sock"),
        ("/etc:/host-etc", "refusing to mount /etc"),
        ("../team_y:/peek", "holds other teams' DAG directories"),
        ("..:/peek", "holds other teams' DAG directories"),
    ],
)
def test_dangerous_volumes_are_refused(tmp_path: Path, team: Path, volume: str, why: str) -> None:
    (team / "runtime.yaml").write_text(f"image: {YAML_ID}\nvolumes:\n  - {volume}\n")
    with pytest.raises(ImageResolutionError, match=why):
        resolve(team, "etl.py", config(tmp_path))


def test_bad_yaml_and_failing_hook_are_clear_errors(tmp_path: Path, team: Path) -> None:
    (team / "etl.runtime.yaml").write_text("networkk: host\n")
    with pytest.raises(RuntimeYamlError, match=r"etl\.runtime\.yaml:1: networkk: unknown key"):
        resolve(team, "etl.py", config(tmp_path, docker_runtime__image=CONFIG_ID))
    (team / "etl.runtime.yaml").unlink()
    with pytest.raises(ImageResolutionError, match="cannot import \\[core\\] policy_module 'no_such_policy'"):
        resolve(
            team,
            "etl.py",
            config(tmp_path, docker_runtime__image=CONFIG_ID, core__policy_module="no_such_policy"),
        )


@pytest.mark.parametrize(
    ("network", "settings", "refusal"),
    [
        ("none", {}, None),
        ("warehouse_net", {"docker_runtime__allowed_networks": "other, warehouse_net"}, None),
        ("host", {"docker_runtime__allow_host_network": "True"}, None),
        (
            "warehouse_net",
            {},
            "network: 'warehouse_net' is not in [docker_runtime] allowed_networks (none listed)",
        ),
        ("bridge", {"docker_runtime__allowed_networks": "warehouse_net"}, "(warehouse_net)"),
        ("host", {}, "network: 'host' is refused: it exposes every loopback service of the host"),
    ],
)
def test_egress_only_through_networks_the_platform_allows(
    tmp_path: Path, team: Path, network: str, settings: dict[str, str], refusal: str | None
) -> None:
    (team / "etl.runtime.yaml").write_text(f"image: {YAML_ID}\n\nnetwork: {network}\n")
    cfg = config(tmp_path, **settings)
    assert resolve(team, "etl.py", cfg).network == "none"  # parsing: never
    if refusal is None:
        assert resolve(team, "etl.py", cfg, tasks=True).network == network
        return
    with pytest.raises(DagsealError) as caught:
        resolve(team, "etl.py", cfg, tasks=True)
    message = str(caught.value)
    assert message.startswith(f"{team / 'etl.runtime.yaml'}:3: network: ") and refusal in message
    assert len(message.splitlines()) == 1
