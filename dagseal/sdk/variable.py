"""``Variable``: Airflow's variables, fetched from and stored through the supervisor (team-scoped)."""

from __future__ import annotations

import json
from typing import Any

from dagseal.sdk.supervisor_comms import ask

__all__ = ["Variable"]

_MISSING: Any = object()


class Variable:
    """``Variable.get(key, default=..., deserialize_json=...)`` and ``Variable.set(key, value)``."""

    @staticmethod
    def get(key: str, default: Any = _MISSING, deserialize_json: bool = False) -> Any:
        """The value for the running task's team; ``default`` when undefined, else KeyError."""
        reply = ask({"type": "get_variable", "key": key})
        if not reply.get("found"):
            if default is _MISSING:
                raise KeyError(str(reply.get("message") or f"variable {key!r} is not defined"))
            return default
        value = reply["value"]
        return json.loads(value) if deserialize_json else value

    @staticmethod
    def set(key: str, value: Any, description: str | None = None, serialize_json: bool = False) -> None:
        """Store ``value`` (a string, or JSON with ``serialize_json``) as the team's variable ``key``."""
        text = json.dumps(value) if serialize_json else str(value)
        ask({"type": "set_variable", "key": key, "value": text, "description": description})
