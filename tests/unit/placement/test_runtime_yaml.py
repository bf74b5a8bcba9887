"""runtime.yaml loading: accepted shapes, layering, and errors that name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagseal.placement.runtime_yaml import (
    RuntimeOverrides,
    RuntimeYamlError,
    load_runtime_yaml,
    load_volume_mounts,
    parse_size,
)
from dagseal.runtime.base import Network, Volume


def write(tmp_path: Path, text: str, name: str = "runtime.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_full_file_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
image: sha256:abc
environment: {TZ: UTC, RETRIES: 3}
volumes:
  - /srv/data:/data
  - {source: cache, target: /cache, read_only: false}
resources: {memory: 512m, cpus: 1.5, pids: 128}
network: host
run_as_user: "1000:1000"
parse_timeout: 10
task_timeout: 60.5
""",
    )
    overrides = load_runtime_yaml(path)
    assert overrides == RuntimeOverrides(
        image="sha256:abc",
        environment={"TZ": "UTC", "RETRIES": "3"},
        volumes=(
            Volume("/srv/data", "/data", True),
            Volume(str((tmp_path / "cache").resolve()), "/cache", False),
        ),
        memory=512 * 1024**2,
        cpus=1.5,
        pids=128,
        network="host",
        network_source=f"{path}:8",
        run_as_user="1000:1000",
        parse_timeout=10,
        task_timeout=60.5,
    )


def test_empty_file_sets_nothing(tmp_path: Path) -> None:
    assert load_runtime_yaml(write(tmp_path, "")) == RuntimeOverrides()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("imagee: x\n", "runtime.yaml:1: imagee: unknown key 'imagee'"),
        (
            "image: x\nnetwork: 'my net'\n",
            "runtime.yaml:2: network: expected none, host or a Docker network name, got 'my net'",
        ),
        ("resources:\n  memory: lots\n", "runtime.yaml:2: resources.memory: expected a size like 512m"),
        ("resources:\n  cpu: 1\n", "runtime.yaml:2: resources: unknown key 'cpu'"),
        ("resources: {pids: 1.5}\n", "resources.pids: expected a positive integer, got 1.5"),
        ("parse_timeout: -1\n", "runtime.yaml:1: parse_timeout: expected a positive number"),
        ("run_as_user: root\n", "run_as_user: containers never run as root"),
        ("run_as_user: 0\n", "run_as_user: containers never run as root"),
        ("volumes:\n  - /a\n", "runtime.yaml:2: volumes: expected host:container[:ro|rw], got '/a'"),
        ("volumes:\n  - /a:rel\n", "volumes[0]: the container path 'rel' must be absolute"),
        ("environment: {1BAD: x}\n", "environment: '1BAD' is not a valid variable name"),
        ("- just\n- a list\n", "runtime.yaml:1: expected a mapping, got list"),
        ("image: [unclosed\n", "runtime.yaml:2: not valid YAML"),
        ("network: none\nqueue: team x\n", "runtime.yaml:2: queue: expected a queue name without spaces"),
        ("queue: [a, b]\n", "runtime.yaml:1: queue: expected a queue name without spaces, got ['a', 'b']"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(RuntimeYamlError) as caught:
        load_runtime_yaml(write(tmp_path, text))
    assert expected in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeYamlError, match="cannot read"):
        load_runtime_yaml(tmp_path / "absent.yaml")


def test_layering_later_wins_environment_and_volumes_merge() -> None:
    base = RuntimeOverrides(
        image="sha256:a",
        environment={"A": "1", "B": "1"},
        volumes=(Volume("/x", "/data"), Volume("/y", "/other")),
        memory=1,
    )
    top = RuntimeOverrides(environment={"B": "2"}, volumes=(Volume("/z", "/data"),), network=Network.HOST)
    merged = top.over(base)
    assert merged.image == "sha256:a"
    assert merged.memory == 1
    assert merged.network == "host"
    assert merged.environment == {"A": "1", "B": "2"}
    assert merged.volumes == (Volume("/y", "/other"), Volume("/z", "/data"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1024, 1024),
        ("1k", 1024),
        ("512m", 512 * 1024**2),
        ("2G", 2 * 1024**3),
        ("1.5GiB", int(1.5 * 1024**3)),
    ],
)
def test_sizes(value: object, expected: int) -> None:
    assert parse_size(value) == expected


@pytest.mark.parametrize("value", ["", "lots", "12q", True])
def test_bad_sizes(value: object) -> None:
    with pytest.raises(ValueError):
        parse_size(value)


def test_volume_mount_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "volumes:\n  - /srv/ref:/ref:ro\n", "mounts.yaml")
    assert load_volume_mounts(path) == (Volume("/srv/ref", "/ref", True),)
    with pytest.raises(RuntimeYamlError, match=r"mounts\.yaml:1: image: unknown key"):
        load_volume_mounts(write(tmp_path, "image: x\n", "mounts.yaml"))


def test_flat_resource_keys_as_the_team_repos_write_them(tmp_path: Path) -> None:
    path = write(tmp_path, "network: none\nmemory: 512m\ncpus: 1.0\npids_limit: 256\n")
    overrides = load_runtime_yaml(path)
    assert (overrides.memory, overrides.cpus, overrides.pids, overrides.network) == (
        512 * 1024**2,
        1.0,
        256,
        "none",
    )


def test_flat_and_nested_resource_key_together_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(
        RuntimeYamlError, match=r"runtime\.yaml:2: pids_limit: set either pids_limit or resources\.pids"
    ):
        load_runtime_yaml(write(tmp_path, "resources: {pids: 1}\npids_limit: 2\n"))


def test_team_repo_files_load() -> None:
    root = Path(__file__).resolve().parents[3] / "dag_repos"
    for path in sorted(root.glob("*/runtime.yaml")):
        assert load_runtime_yaml(path).network == "none"


@pytest.mark.parametrize("key", ["runtime", "python", "requirements", "debian_packages"])
def test_image_content_keys_are_refused_naming_the_bazel_call(tmp_path: Path, key: str) -> None:
    """`runtime: python311` used to be accepted and ignored although the docs said Bazel read it."""
    path = write(tmp_path, f"network: none\n{key}: python311\n")
    with pytest.raises(RuntimeYamlError) as caught:
        load_runtime_yaml(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:2: {key}: is not read:")
    assert "dag_repo(...) call in BUILD.bazel" in message
    assert "\n" not in message
