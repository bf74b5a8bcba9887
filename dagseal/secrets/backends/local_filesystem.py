"""Connections and variables from files, as Airflow's LocalFilesystemBackend reads them.

``[secrets] connections_file_path`` and ``variables_file_path`` name a ``.json``, ``.yaml``/``.yml``
or ``.env`` file. JSON/YAML: a mapping of id → URI or connection object (variables: key → value;
non-string values become JSON text). ``.env``: ``ID=value`` lines, ``#`` comments. Files are read
on every lookup, so an edit takes effect for the next request without a restart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from dagseal.sdk.connection import Connection, ConnectionFormatError
from dagseal.secrets.backends.base import BaseSecretsBackend
from dagseal.secrets.backends.environment import parse_connection
from dagseal.secrets.errors import SecretsBackendError

__all__ = ["LocalFilesystemBackend", "read_secret_file"]


def _read_env(path: Path, text: str) -> dict[str, Any]:
    entries: dict[str, Any] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise SecretsBackendError(f"{path}, line {number}: expected KEY=VALUE")
        if key.strip() in entries:
            raise SecretsBackendError(f"{path}, line {number}: {key.strip()!r} is defined twice")
        entries[key.strip()] = value.strip()
    return entries


def read_secret_file(path: Path) -> dict[str, Any]:
    """The file's mapping; an unreadable or malformed file raises one line naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretsBackendError(f"cannot read secrets file {path}: {exc.strerror}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".env":
            return _read_env(path, text)
        if suffix == ".json":
            data = json.loads(text) if text.strip() else {}
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise SecretsBackendError(
                f"secrets file {path}: unsupported extension (use .json, .yaml, .yml, .env)"
            )
    except (ValueError, yaml.YAMLError) as exc:
        raise SecretsBackendError(f"secrets file {path} is not valid {suffix[1:].upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise SecretsBackendError(f"secrets file {path}: expected a mapping at the top level")
    return data


class LocalFilesystemBackend(BaseSecretsBackend):
    label = "files"

    def __init__(self, connections_file_path: str = "", variables_file_path: str = "") -> None:
        self._connections = Path(connections_file_path) if connections_file_path else None
        self._variables = Path(variables_file_path) if variables_file_path else None

    def get_connection(self, conn_id: str, team: str | None) -> Connection | None:
        if self._connections is None:
            return None
        value = read_secret_file(self._connections).get(conn_id)
        if value is None:
            return None
        where = f"{self._connections}, connection {conn_id!r}"
        if isinstance(value, str):
            return parse_connection(conn_id, value, str(self._connections))
        try:
            return Connection.from_dict(conn_id, value)
        except ConnectionFormatError as exc:
            raise SecretsBackendError(f"{where}: {exc}") from None

    def get_variable(self, key: str, team: str | None) -> str | None:
        if self._variables is None:
            return None
        value = read_secret_file(self._variables).get(key)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)
