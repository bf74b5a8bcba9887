"""The API server inside ``dagseal standalone``: a uvicorn server on a thread, plus a first admin.

The socket is bound before the thread starts, so a port already in use is reported at once (and
standalone carries on without the UI) instead of a thread dying quietly.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading

import uvicorn
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.api.app import create_app
from dagseal.api.auth import create_user
from dagseal.api.settings import ApiSettings
from dagseal.db.models import UserModel
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.placement import Placement

log = logging.getLogger(__name__)
FIRST_ADMIN = "admin"


class EmbeddedApiServer:
    """A started server; ``stop()`` asks it to finish and waits for its thread."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, url: str) -> None:
        self._server = server
        self._thread = thread
        self.url = url

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)


def ensure_admin(factory: sessionmaker[Session]) -> str | None:
    """Create user ``admin`` with a random password if no admin exists yet; returns the password."""
    with session_scope(factory) as session:
        if session.scalar(select(func.count()).select_from(UserModel).where(UserModel.role == "admin")):
            return None
        password = secrets.token_urlsafe(12)
        create_user(session, FIRST_ADMIN, password, "admin", None)
        return password


def start_api_server(
    settings: ApiSettings, factory: sessionmaker[Session], placement: Placement
) -> EmbeddedApiServer:
    """Serve the app on ``[api] host:port`` from a daemon thread; DagsealError if it cannot bind."""
    sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        sock.close()
        raise DagsealError(f"[api] {settings.host}:{settings.port} cannot be bound: {exc.strerror}") from None
    sock.listen(128)
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(create_app(settings, factory, placement), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="api-server", daemon=True)
    thread.start()
    return EmbeddedApiServer(server, thread, f"http://{host}:{port}/")
