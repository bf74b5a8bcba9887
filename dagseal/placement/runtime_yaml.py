"""`runtime.yaml` and `<stem>.runtime.yaml`: how a directory's (or one file's) sandboxes run (AIP-46).

Why strict: these files are written by DAG authors and change what a container may do (mounts,
network, limits). A typo that silently fell back to a default would be a security or an
availability bug, so an unknown key, a wrong type or a bad value is an error that names the file,
the line and the key. These files say how a built image is *run*; what goes *into* the image
(its base runtime, Python, wheels, packages) is chosen by the `dag_repo(...)` call in the
directory's BUILD.bazel, so such keys (`IMAGE_CONTENT_KEYS`) are refused with a line saying so.

```yaml
image: sha256:3f1c...            # digest or image id (a mutable tag needs allow_mutable_tags)
environment: {TZ: UTC}           # merged key by key over earlier layers
volumes:                         # host:container[:ro|rw], or {source, target, read_only}; ro default
  - /srv/reference-data:/data:ro
resources: {memory: 512m, cpus: 1.5, pids: 256}   # or flat: memory: 512m, cpus: 1.5, pids_limit: 256
network: none                    # none | host | a network in [docker_runtime] allowed_networks
run_as_user: "1000"              # never 0/root
parse_timeout: 30                # seconds
task_timeout: 3600               # seconds; a task's execution_timeout wins when shorter
queue: team_x                    # Celery queue of the tries; a task's queue= wins
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from dagseal.errors import DagsealError
from dagseal.runtime.base import NETWORK_NAME, Volume

__all__ = [
    "IMAGE_CONTENT_KEYS",
    "RuntimeOverrides",
    "RuntimeYamlError",
    "load_runtime_yaml",
    "load_volume_mounts",
    "parse_size",
]

FLAT_RESOURCE_KEYS = {"memory": "memory", "cpus": "cpus", "pids_limit": "pids"}
RUNTIME_KEYS = frozenset(
    {
        "image",
        "environment",
        "volumes",
        "resources",
        *FLAT_RESOURCE_KEYS,
        "network",
        "run_as_user",
        "parse_timeout",
        "task_timeout",
        "queue",
    }
)
IMAGE_CONTENT_KEYS = frozenset(
    {"runtime", "base", "python", "requirements", "wheels", "packages", "debian_packages"}
)
RESOURCE_KEYS = frozenset({"memory", "cpus", "pids"})
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RuntimeYamlError(DagsealError):
    """A runtime YAML file that cannot be used; the message names file, line and key."""


@attrs.frozen
class RuntimeOverrides:
    """What one layer (config, runtime.yaml, <stem>.runtime.yaml) sets; None = not set here."""

    image: str | None = None
    environment: Mapping[str, str] = attrs.field(factory=dict)
    volumes: tuple[Volume, ...] = ()
    memory: int | None = None
    cpus: float | None = None
    pids: int | None = None
    network: str | None = None  # none, host or a Docker network's name
    network_source: str | None = None  # `file:line` that set `network` (egress refusals name it)
    run_as_user: str | None = None
    parse_timeout: float | None = None
    task_timeout: float | None = None
    queue: str | None = None  # the CeleryExecutor's queue for task tries (dedicated worker hosts)

    def over(self, base: RuntimeOverrides) -> RuntimeOverrides:
        """This layer applied over `base`: set scalars win, environment and volumes merge."""
        scalars = {
            field.name: getattr(self, field.name)
            if getattr(self, field.name) is not None
            else getattr(base, field.name)
            for field in attrs.fields(RuntimeOverrides)
            if field.name not in ("environment", "volumes")
        }
        targets = {volume.target for volume in self.volumes}
        volumes = tuple(v for v in base.volumes if v.target not in targets) + self.volumes
        return RuntimeOverrides(
            environment={**base.environment, **self.environment}, volumes=volumes, **scalars
        )


def parse_size(value: object) -> int:
    """`512m`, `1g`, `1.5GiB`, `1048576` → bytes (binary units, as Docker reads them)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(value)
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


class _Reader:
    """Validates one YAML document, turning every problem into a `file:line: key: why` error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
            try:
                self.root = loader.get_single_node()
                self.data = loader.construct_document(self.root) if self.root is not None else {}
            finally:
                loader.dispose()
        except OSError as exc:
            raise RuntimeYamlError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            raise RuntimeYamlError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc

    def line(self, *keys: str) -> int:
        """1-based line of the value at `keys` (or of the closest enclosing node)."""
        node = self.root
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                break
            node = next((value for k, value in node.value if k.value == key), node)
        return (node.start_mark.line + 1) if node is not None else 1

    def error(self, why: str, *keys: str) -> RuntimeYamlError:
        label = ".".join(keys)
        return RuntimeYamlError(f"{self.path}:{self.line(*keys)}: {label + ': ' if label else ''}{why}")

    def mapping(self, value: Any, *keys: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f"expected a mapping, got {type(value).__name__}", *keys)
        return value


def _number(reader: _Reader, value: Any, *keys: str, integer: bool = False) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise reader.error(f"expected a positive number, got {value!r}", *keys)
    if integer and not isinstance(value, int):
        raise reader.error(f"expected a positive integer, got {value!r}", *keys)
    return value


def _volume(reader: _Reader, item: Any, index: int) -> Volume:
    key = f"volumes[{index}]"
    if isinstance(item, str):
        parts = item.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
            raise reader.error(f"expected host:container[:ro|rw], got {item!r}", "volumes")
        source, target, mode = parts[0], parts[1], parts[2] if len(parts) == 3 else "ro"
        read_only = mode == "ro"
    elif isinstance(item, Mapping) and {"source", "target"} <= item.keys() <= {
        "source",
        "target",
        "read_only",
    }:
        source, target, read_only = str(item["source"]), str(item["target"]), item.get("read_only", True)
        if not isinstance(read_only, bool):
            raise reader.error(f"{key}.read_only: expected true or false", "volumes")
    else:
        raise reader.error(
            f"{key}: expected 'host:container[:ro|rw]' or {{source, target, read_only}}", "volumes"
        )
    host = Path(source) if Path(source).is_absolute() else (reader.path.parent / source)
    if not target.startswith("/"):
        raise reader.error(f"{key}: the container path {target!r} must be absolute", "volumes")
    return Volume(source=str(host.resolve()), target=target, read_only=read_only)


def _volumes(reader: _Reader, value: Any) -> tuple[Volume, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise reader.error(f"expected a list, got {type(value).__name__}", "volumes")
    return tuple(_volume(reader, item, index) for index, item in enumerate(value))


def _environment(reader: _Reader, value: Any) -> dict[str, str]:
    env = reader.mapping(value, "environment")
    for name, val in env.items():
        if not isinstance(name, str) or not _ENV_NAME.match(name):
            raise reader.error(f"{name!r} is not a valid variable name", "environment")
        if isinstance(val, Mapping | list) or val is None:
            raise reader.error(f"{name}: expected a string, number or boolean", "environment")
    return {name: str(val) for name, val in env.items()}


def _resources(reader: _Reader, data: Mapping[str, Any]) -> dict[str, Any]:
    """`resources: {memory, cpus, pids}`, or the flat `memory` / `cpus` / `pids_limit` keys."""
    nested = reader.mapping(data.get("resources"), "resources")
    unknown = sorted(set(nested) - RESOURCE_KEYS)
    if unknown:
        raise reader.error(
            f"unknown key {unknown[0]!r} (known: {', '.join(sorted(RESOURCE_KEYS))})", "resources"
        )
    found: dict[str, tuple[Any, tuple[str, ...]]] = {key: (nested[key], ("resources", key)) for key in nested}
    for flat, key in FLAT_RESOURCE_KEYS.items():
        if flat in data:
            if key in found:
                raise reader.error(f"set either {flat} or resources.{key}, not both", flat)
            found[key] = (data[flat], (flat,))
    memory, memory_keys = found.get("memory", (None, ()))
    try:
        memory_bytes = parse_size(memory) if memory is not None else None
    except ValueError:
        raise reader.error(f"expected a size like 512m or 2g, got {memory!r}", *memory_keys) from None
    cpus, cpus_keys = found.get("cpus", (None, ()))
    pids, pids_keys = found.get("pids", (None, ()))
    return {
        "memory": memory_bytes,
        "cpus": _number(reader, cpus, *cpus_keys),
        "pids": _number(reader, pids, *pids_keys, integer=True),
    }


def _user(reader: _Reader, value: Any) -> str | None:
    if value is None:
        return None
    user = str(value).strip()
    if not user or user.split(":")[0] in ("0", "root"):
        raise reader.error(f"containers never run as root, got {value!r}", "run_as_user")
    return user


def _queue(reader: _Reader, value: Any) -> str | None:
    """A Celery queue name, as a task's ``queue=`` takes it: a non-empty string without spaces."""
    if value is None:
        return None
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise reader.error(f"expected a queue name without spaces, got {value!r}", "queue")
    return value


def load_runtime_yaml(path: Path) -> RuntimeOverrides:
    """Read and validate one runtime YAML file (directory-wide or per-file)."""
    reader = _Reader(path)
    data = reader.mapping(reader.data)
    content = sorted(set(data) & IMAGE_CONTENT_KEYS)
    if content:
        raise reader.error(
            "is not read: the image's runtime (base, Python, wheels, packages) is chosen by the "
            "dag_repo(...) call in BUILD.bazel",
            content[0],
        )
    unknown = sorted(set(data) - RUNTIME_KEYS)
    if unknown:
        known = ", ".join(sorted(RUNTIME_KEYS))
        raise reader.error(f"unknown key {unknown[0]!r} (runtime keys: {known})", unknown[0])
    image = data.get("image")
    if image is not None and (not isinstance(image, str) or not image.strip()):
        raise reader.error(f"expected an image reference string, got {image!r}", "image")
    network = data.get("network")
    if network is not None and not (isinstance(network, str) and NETWORK_NAME.match(network)):
        raise reader.error(f"expected none, host or a Docker network name, got {network!r}", "network")
    return RuntimeOverrides(
        image=image.strip() if image else None,
        environment=_environment(reader, data.get("environment")),
        volumes=_volumes(reader, data.get("volumes")),
        network=network,
        network_source=f"{path}:{reader.line('network')}" if network is not None else None,
        run_as_user=_user(reader, data.get("run_as_user")),
        parse_timeout=_number(reader, data.get("parse_timeout"), "parse_timeout"),
        task_timeout=_number(reader, data.get("task_timeout"), "task_timeout"),
        queue=_queue(reader, data.get("queue")),
        **_resources(reader, data),
    )


def load_volume_mounts(path: Path) -> tuple[Volume, ...]:
    """`[docker_runtime] volume_mount_yaml`: a YAML file whose `volumes` list every container gets."""
    reader = _Reader(path)
    data = reader.mapping(reader.data)
    unknown = sorted(set(data) - {"volumes"})
    if unknown:
        raise reader.error(f"unknown key {unknown[0]!r} (only 'volumes' is read here)", unknown[0])
    return _volumes(reader, data.get("volumes"))
