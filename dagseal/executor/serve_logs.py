"""Try logs from any host: each Celery worker serves its own, as Airflow's ``serve-logs`` does.

A worker writes its tries' logs under its own ``[logging] base_log_folder``; ``tasks logs`` on any
other host reads a log it does not have from ``http://<task_instance.hostname>:<[logging]
worker_log_server_port>/log/<dag>/<run>/<task>/<try>.log``. Each request carries a short-lived JWT
signed with the shared ``[api] secret_key`` (HS512, audience ``task-instance-logs``) whose
``filename`` claim names exactly the file asked for, so a token read off the wire opens one log
for 30 seconds and nothing else. The server answers only paths inside its log folder.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from attrs import frozen

from dagseal.config import Config, ConfigError
from dagseal.errors import DagsealError

AUDIENCE = "task-instance-logs"
TOKEN_SECONDS = 30
_ALGORITHM = "HS512"
_PREFIX = "/log/"
_FETCH_TIMEOUT_SECONDS = 10.0
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # workers are reached directly


class RemoteLogError(DagsealError):
    """A worker's log server could not be reached or refused the request."""


@frozen(kw_only=True)
class LogServerSettings:
    base_log_folder: str
    host: str
    port: int
    secret_key: str

    @classmethod
    def from_config(cls, config: Config) -> LogServerSettings:
        secret = config.get("api", "secret_key")
        if not secret:
            raise ConfigError(
                "[api] secret_key is empty: workers and `tasks logs` sign log requests with it; "
                "set the same random value on every host"
            )
        port = config.getint("logging", "worker_log_server_port")
        if not 0 <= port <= 65535:
            raise ConfigError(f"[logging] worker_log_server_port = {port} is not a TCP port")
        return cls(
            base_log_folder=config.get("logging", "base_log_folder"),
            host=config.get("logging", "worker_log_server_host").strip(),
            port=port,
            secret_key=secret,
        )


def sign(secret_key: str, filename: str, now: float | None = None) -> str:
    """A token that opens ``filename`` (relative to the log folder) for ``TOKEN_SECONDS``."""
    issued = int(time.time() if now is None else now)
    claims = {"filename": filename, "aud": AUDIENCE, "iat": issued, "exp": issued + TOKEN_SECONDS}
    return jwt.encode(claims, secret_key, algorithm=_ALGORITHM)


def _handler(settings: LogServerSettings) -> type[BaseHTTPRequestHandler]:
    root = Path(settings.base_log_folder).resolve()

    class LogRequest(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self.path.startswith(_PREFIX):
                self.send_error(HTTPStatus.NOT_FOUND, "only /log/<path> is served")
                return
            filename = urllib.parse.unquote(self.path[len(_PREFIX) :])
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            try:
                claims = jwt.decode(token, settings.secret_key, algorithms=[_ALGORITHM], audience=AUDIENCE)
            except jwt.InvalidTokenError as exc:
                self.send_error(HTTPStatus.FORBIDDEN, f"invalid token: {exc}")
                return
            if scheme != "Bearer" or claims.get("filename") != filename:
                self.send_error(HTTPStatus.FORBIDDEN, "the token is for another file")
                return
            path = (root / filename).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                self.send_error(HTTPStatus.NOT_FOUND, f"no log {filename} on this worker")
                return
            body = path.read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: a log read is not worth a line in the worker's own log."""

    return LogRequest


class LogServer:
    """The worker's log server, in a daemon thread; ``port`` is the bound one (0 picks a free one)."""

    def __init__(self, settings: LogServerSettings) -> None:
        self._server = ThreadingHTTPServer((settings.host, settings.port), _handler(settings))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="dagseal-serve-logs", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def fetch(settings: LogServerSettings, hostname: str, filename: str) -> str:
    """The log ``filename`` from the worker on ``hostname``; a failure names the host and the cause."""
    where = f"{hostname}:{settings.port}"
    request = urllib.request.Request(
        f"http://{where}{_PREFIX}{urllib.parse.quote(filename)}",
        headers={"Authorization": f"Bearer {sign(settings.secret_key, filename)}"},
    )
    try:
        with _NO_PROXY.open(request, timeout=_FETCH_TIMEOUT_SECONDS) as response:
            return response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        raise RemoteLogError(
            f"log server on {where} answered {exc.code}: {exc.reason} ({filename})"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RemoteLogError(f"log server on {where} unreachable: {reason} ({filename})") from None
