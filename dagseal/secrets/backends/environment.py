"""Connections and variables from the supervisor host's environment, shared by every team.

``DAGSEAL_CONN_<CONN_ID>`` holds a URI or a JSON object; ``DAGSEAL_VAR_<KEY>`` the value (both
names upper-cased, as Airflow's ``AIRFLOW_CONN_``/``AIRFLOW_VAR_``). The sandbox never sees them:
its environment is scrubbed of ``DAGSEAL_*`` names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from dagseal.sdk.connection import Connection, ConnectionFormatError
from dagseal.secrets.backends.base import BaseSecretsBackend
from dagseal.secrets.errors import SecretsBackendError

__all__ = ["CONN_PREFIX", "VAR_PREFIX", "EnvironmentBackend", "parse_connection"]

CONN_PREFIX = "DAGSEAL_CONN_"
VAR_PREFIX = "DAGSEAL_VAR_"


def parse_connection(conn_id: str, value: str, where: str) -> Connection:
    """A URI or a JSON object; a bad one raises naming ``where`` (never quoting the value)."""
    try:
        if value.lstrip().startswith("{"):
            try:
                data = json.loads(value)
            except ValueError as exc:
                raise ConnectionFormatError(f"connection {conn_id!r}: invalid JSON ({exc.msg})") from None
            return Connection.from_dict(conn_id, data)
        return Connection.from_uri(conn_id, value)
    except ConnectionFormatError as exc:
        raise SecretsBackendError(f"{where}: {exc}") from None


class EnvironmentBackend(BaseSecretsBackend):
    label = "environment"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def get_connection(self, conn_id: str, team: str | None) -> Connection | None:
        name = CONN_PREFIX + conn_id.upper()
        value = self._environ.get(name)
        return None if value is None else parse_connection(conn_id, value, f"environment variable {name}")

    def get_variable(self, key: str, team: str | None) -> str | None:
        return self._environ.get(VAR_PREFIX + key.upper())
