"""What the secrets package reads from the configuration, as one frozen value built once per process.

It travels inside the supervisor's settings (one JSON line to the fork server), so a supervisor
never reads the configuration itself; the DAG processor builds it from its config at start.
"""

from __future__ import annotations

import json
from typing import Any

from attrs import field, frozen

from dagseal.config import Config
from dagseal.secrets.errors import SecretsBackendError

__all__ = ["SecretsSettings"]


@frozen(kw_only=True)
class SecretsSettings:
    fernet_keys: tuple[str, ...] = field(default=(), converter=tuple)  # newest first
    backend: str | None = None  # `[secrets] backend`: module.Class searched first
    backend_kwargs: dict[str, Any] = field(factory=dict)
    connections_file_path: str | None = None
    variables_file_path: str | None = None
    max_xcom_size: int = 49344

    @classmethod
    def from_config(cls, config: Config) -> SecretsSettings:
        raw = config.get("secrets", "backend_kwargs").strip()
        try:
            kwargs = json.loads(raw) if raw else {}
        except ValueError as exc:
            raise SecretsBackendError(f"[secrets] backend_kwargs is not valid JSON: {exc.msg}") from None
        if not isinstance(kwargs, dict):
            raise SecretsBackendError("[secrets] backend_kwargs must be a JSON object")
        return cls(
            fernet_keys=tuple(
                key.strip() for key in config.get("core", "fernet_key").split(",") if key.strip()
            ),
            backend=config.get("secrets", "backend").strip() or None,
            backend_kwargs=kwargs,
            connections_file_path=config.get("secrets", "connections_file_path").strip() or None,
            variables_file_path=config.get("secrets", "variables_file_path").strip() or None,
            max_xcom_size=config.getint("core", "max_xcom_size"),
        )
