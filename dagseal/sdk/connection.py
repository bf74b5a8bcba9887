"""``Connection``: Airflow's connection object, its URI and JSON forms, and ``Connection.get``.

The URI and JSON forms are the same on both sides: the host's CLI and secrets backends parse
with these functions, and a task gets its connection as :meth:`Connection.to_dict` over the
protocol. Stdlib only (this module ships in every image).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from attrs import asdict, field, frozen

__all__ = ["SENSITIVE_FIELD_NAMES", "Connection", "ConnectionFormatError", "is_sensitive_name"]

EXTRA_KEY = "__extra__"
# Airflow's secrets masker names: a connection extra or a variable whose key contains one is secret.
SENSITIVE_FIELD_NAMES = (
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
    "keyfile_dict",
    "service_account",
)
_FIELDS = ("conn_type", "description", "host", "schema", "login", "password", "port", "extra")


def is_sensitive_name(name: str) -> bool:
    """True for names like ``db_password``, ``API_KEY``, ``github_token``: their values are masked."""
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE_FIELD_NAMES)


class ConnectionFormatError(ValueError):
    """A connection URI or JSON document that cannot be read; the message never quotes a password."""


def _normalize_conn_type(scheme: str) -> str:
    scheme = scheme.replace("-", "_")
    return "postgres" if scheme == "postgresql" else scheme


@frozen(kw_only=True)
class Connection:
    """A connection as Airflow has it; ``extra`` is JSON text (``extra_dejson`` gives the dict)."""

    conn_id: str
    conn_type: str
    description: str | None = None
    host: str | None = None
    schema: str | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    port: int | None = None
    extra: str | None = field(default=None, repr=False)

    @property
    def extra_dejson(self) -> dict[str, Any]:
        """``extra`` as a dict ({} when empty); extras are stored as JSON objects only."""
        if not self.extra:
            return {}
        value = json.loads(self.extra)
        return value if isinstance(value, dict) else {}

    def secret_values(self) -> list[str]:
        """The values a log must never show: the password and every extra whose name is sensitive."""
        values = [self.password] if self.password else []
        for key, value in self.extra_dejson.items():
            if is_sensitive_name(key) and value not in (None, ""):
                values.append(value if isinstance(value, str) else json.dumps(value))
        return values

    def get_uri(self) -> str:
        """Airflow's URI form: ``type://login:password@host:port/schema?extra`` (parts quoted)."""
        uri = f"{self.conn_type.replace('_', '-')}://"
        authority = quote(self.login, safe="") if self.login else ""
        if self.password:
            authority += ":" + quote(self.password, safe="")
        if authority:
            uri += authority + "@"
        host = quote(self.host, safe="") if self.host else ""
        if self.port:
            host += f":{self.port}"
        if self.schema:
            host += "/" + quote(self.schema, safe="")
        uri += host
        extra = self.extra_dejson
        if extra:
            plain = all(isinstance(value, str) for value in extra.values())
            query = urlencode(extra) if plain else urlencode({EXTRA_KEY: json.dumps(extra)})
            uri += ("" if self.schema else "/") + "?" + query
        return uri

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``extra`` as an object), as ``connections export`` and the protocol carry it."""
        data = {name: value for name, value in asdict(self).items() if name != "extra"}
        data["extra"] = self.extra_dejson
        return data

    @classmethod
    def from_uri(cls, conn_id: str, uri: str) -> Connection:
        """Parse Airflow's URI form; a bad URI raises :class:`ConnectionFormatError` naming ``conn_id``."""
        try:
            parts = urlsplit(uri)
            port = parts.port
        except ValueError as exc:
            raise ConnectionFormatError(f"connection {conn_id!r}: malformed URI ({exc})") from None
        if not parts.scheme or "://" not in uri:
            raise ConnectionFormatError(
                f"connection {conn_id!r}: URI has no scheme; expected e.g. postgres://user:pass@host:5432/db"
            )
        extra: str | None = None
        if parts.query:
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            extra = query[EXTRA_KEY] if EXTRA_KEY in query else json.dumps(query)
            _check_extra(conn_id, extra)
        host = parts.netloc.rpartition("@")[2]
        if port is not None:
            host = host[: host.rfind(":")]
        return cls(
            conn_id=conn_id,
            conn_type=_normalize_conn_type(parts.scheme),
            host=unquote(host) or None,
            schema=unquote(parts.path[1:]) or None,
            login=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            port=port,
            extra=extra,
        )

    @classmethod
    def from_dict(cls, conn_id: str, data: Any) -> Connection:
        """Parse the JSON form (Airflow's ``{"conn_type": .., "host": .., "extra": {..}}``)."""
        if not isinstance(data, dict):
            raise ConnectionFormatError(f"connection {conn_id!r}: expected a JSON object")
        unknown = sorted(set(data) - set(_FIELDS) - {"conn_id"})
        if unknown:
            raise ConnectionFormatError(f"connection {conn_id!r}: unknown field(s) {', '.join(unknown)}")
        if not isinstance(data.get("conn_type"), str) or not data["conn_type"]:
            raise ConnectionFormatError(f"connection {conn_id!r}: 'conn_type' must be a non-empty string")
        port = data.get("port")
        if port is not None and not (isinstance(port, int) and not isinstance(port, bool)):
            if not (isinstance(port, str) and port.isdigit()):
                raise ConnectionFormatError(f"connection {conn_id!r}: 'port' must be an integer")
            port = int(port)
        for name in ("description", "host", "schema", "login", "password"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise ConnectionFormatError(f"connection {conn_id!r}: {name!r} must be a string")
        extra = data.get("extra")
        if isinstance(extra, dict):
            extra = json.dumps(extra) if extra else None
        elif extra is not None:
            if not isinstance(extra, str):
                raise ConnectionFormatError(f"connection {conn_id!r}: 'extra' must be an object")
            _check_extra(conn_id, extra)
        return cls(
            conn_id=conn_id,
            conn_type=_normalize_conn_type(data["conn_type"]),
            description=data.get("description"),
            host=data.get("host"),
            schema=data.get("schema"),
            login=data.get("login"),
            password=data.get("password"),
            port=port,
            extra=extra or None,
        )

    @classmethod
    def get(cls, conn_id: str) -> Connection:
        """Ask the supervisor for ``conn_id`` as the running task's team sees it (AIP-72 style)."""
        from dagseal.sdk.supervisor_comms import ask

        reply = ask({"type": "get_connection", "conn_id": conn_id})
        return cls.from_dict(conn_id, reply["connection"])


def _check_extra(conn_id: str, extra: str) -> None:
    try:
        value = json.loads(extra)
    except ValueError:
        raise ConnectionFormatError(f"connection {conn_id!r}: extra is not valid JSON") from None
    if not isinstance(value, dict):
        raise ConnectionFormatError(f"connection {conn_id!r}: extra must be a JSON object")
