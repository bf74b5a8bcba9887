"""What placement reads from the configuration, as frozen typed values built once per process.

Why typed: the `[docker_runtime]` sections used to travel as a dict read with
`str(settings.get(..) or "")` wherever a value was needed, so a typo'd key was dropped silently
and every reader re-decided what "unset" meant. Here each section is read once: unknown keys are
refused by name, `environment` and `labels` become mappings, booleans booleans, empty strings None.
The objects are plain attrs classes, so a supervisor's settings cross a process boundary as JSON
(`cattrs`), and the supervisor never reads the configuration again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Literal

from attrs import field, frozen

from dagseal.config import DOCKER_RUNTIME_KINDS, Config, ConfigError

__all__ = ["BACKENDS", "BackendName", "DockerSettings", "PlacementSettings"]

BackendName = Literal["process", "docker"]
BACKENDS: Final = ("process", "docker")
BASE_SECTION: Final = "docker_runtime"
_TEXT_KEYS: Final = ("socket_path", "volume_mount_yaml", "cgroup_mount_path", "image", "run_as_user", "app")
_MAPPING_KEYS: Final = ("environment", "labels")
_BOOLEAN_KEYS: Final = (
    "allow_mutable_tags",
    "allow_host_network",
    "successor_task_containers",
    "standby_task_containers",
)
_LIST_KEYS: Final = ("allowed_networks",)
KNOWN_KEYS: Final = frozenset(_TEXT_KEYS + _MAPPING_KEYS + _BOOLEAN_KEYS + _LIST_KEYS)


def _frozen_mapping(value: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(value.items()))


def _parse_mapping(section: str, key: str, value: str) -> dict[str, str]:
    """`A=1, B=2` (commas or newlines) → dict; the AIP-46 way to write env and labels in INI."""
    result: dict[str, str] = {}
    for item in re.split(r"[,\n]", value):
        item = item.strip()
        if not item:
            continue
        name, sep, val = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"[{section}] {key}: expected NAME=VALUE pairs, got {item!r}")
        result[name.strip()] = val.strip()
    return result


@frozen(kw_only=True)
class DockerSettings:
    """`[docker_runtime]` overridden key by key by `[<kind>_docker_runtime]` (AIP-46).

    `environment` and `labels` merge per name (environment names upper-cased); `app` becomes
    the `app` label of every container; None means "not set".
    """

    socket_path: str = "unix:///var/run/docker.sock"
    cgroup_mount_path: str | None = "/sys/fs/cgroup"
    volume_mount_yaml: str | None = None
    image: str | None = None
    run_as_user: str | None = None
    environment: dict[str, str] = field(factory=dict, converter=_frozen_mapping)
    labels: dict[str, str] = field(factory=dict, converter=_frozen_mapping)
    allow_mutable_tags: bool = False
    allowed_networks: tuple[str, ...] = field(default=(), converter=tuple)  # a task's runtime.yaml may join
    allow_host_network: bool = False
    # containers started ahead (runtime/docker_standby.py): the next task of a chain's, any next try's
    successor_task_containers: bool = True
    standby_task_containers: bool = False

    @classmethod
    def from_config(cls, config: Config, kind: str) -> DockerSettings:
        """Read the base section and the `kind` override section; an unknown key is refused by name."""
        if kind not in DOCKER_RUNTIME_KINDS:
            raise ConfigError(f"unknown docker runtime kind {kind!r}; expected one of {DOCKER_RUNTIME_KINDS}")
        values = config.as_dict_with_sources()
        text: dict[str, str | None] = {}
        mappings: dict[str, dict[str, str]] = {key: {} for key in _MAPPING_KEYS}
        flags: dict[str, bool] = {}
        lists: dict[str, tuple[str, ...]] = {}
        for section in (BASE_SECTION, f"{kind}_docker_runtime"):
            for key, (value, source) in values.get(section, {}).items():
                if key not in KNOWN_KEYS:
                    known = ", ".join(sorted(KNOWN_KEYS))
                    raise ConfigError(
                        f"[{section}] {key} (from {source}) is not a Docker setting; known: {known}"
                    )
                if key in _MAPPING_KEYS:
                    mapping = _parse_mapping(section, key, value)
                    if key == "environment":
                        mapping = {name.upper(): val for name, val in mapping.items()}
                    mappings[key].update(mapping)
                elif key in _BOOLEAN_KEYS:
                    flags[key] = config.getboolean(section, key)
                elif key in _LIST_KEYS:
                    lists[key] = tuple(name for name in re.split(r"[,\s]+", value) if name)
                else:
                    text[key] = value.strip() or None
        app = text.pop("app", None)
        labels = {**mappings["labels"], **({"app": app} if app else {})}
        socket_path = text.pop("socket_path", None) or cls.socket_path
        return cls(
            socket_path=socket_path,
            environment=mappings["environment"],
            labels=labels,
            **text,  # type: ignore[arg-type]
            **flags,
            **lists,  # type: ignore[arg-type]
        )


def _backend(config: Config, key: str) -> BackendName:
    name = config.get("core", key).strip().lower()
    if name not in BACKENDS:
        raise ConfigError(f"[core] {key} = {name!r} is not a sandbox backend; use process or docker")
    return name  # type: ignore[return-value]


@frozen(kw_only=True)
class PlacementSettings:
    """Everything that decides which sandbox runs a parse, a try, a callback or pins a new run."""

    task_execution_runtime: BackendName = "process"
    scheduler_dag_parsing_runtime: BackendName = "process"
    parse_timeout: float = 30.0
    policy_module: str | None = None
    digest_map: str | None = None
    task_docker: DockerSettings = DockerSettings()
    parsing_docker: DockerSettings = DockerSettings()

    @classmethod
    def from_config(cls, config: Config, *, force_docker: bool = False) -> PlacementSettings:
        """`force_docker`: `tasks run --docker` (AIP-46) runs the try in a container, whatever
        `[core] task_execution_runtime` says."""
        return cls(
            task_execution_runtime="docker" if force_docker else _backend(config, "task_execution_runtime"),
            scheduler_dag_parsing_runtime=_backend(config, "scheduler_dag_parsing_runtime"),
            parse_timeout=config.getfloat("scheduler", "parse_timeout"),
            policy_module=config.get("core", "policy_module").strip() or None,
            digest_map=config.get("core", "digest_map").strip() or None,
            task_docker=DockerSettings.from_config(config, "task_execution"),
            parsing_docker=DockerSettings.from_config(config, "scheduler_dag_parsing"),
        )
