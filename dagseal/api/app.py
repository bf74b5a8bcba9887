"""The API server's FastAPI application: ``/api/v2`` routers, the UI pages, and error mapping.

Expected failures become one-line JSON ``detail``s: a request the host functions refuse
(``DagsealError``) is 400, a database that does not answer is 503 (the pool reconnects on the
next request, so the server recovers by itself).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from dagseal import __version__
from dagseal.api.routes import ROUTERS
from dagseal.api.settings import ApiSettings
from dagseal.api.ui import UI_ROUTERS
from dagseal.api.ui.common import LoginRequired, http_error, login_redirect
from dagseal.errors import DagsealError
from dagseal.placement import Placement

__all__ = ["SESSION_COOKIE", "create_app"]

SESSION_COOKIE = "dagseal_session"
STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    log.warning("database unavailable: %s", reason)
    return JSONResponse(
        {"detail": f"database unavailable, retry shortly: {reason}"},
        status_code=503,
        headers={"Retry-After": "2"},
    )


def _refused(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc).strip().splitlines()[0]}, status_code=400)


def create_app(
    settings: ApiSettings, session_factory: sessionmaker[Session], placement: Placement
) -> FastAPI:
    """``placement`` pins new runs to images as the scheduler would (only read, never run)."""
    app = FastAPI(
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; the UI loads nothing
        # from outside the repository, so they are off (the document is at /openapi.json).
        docs_url=None,
        redoc_url=None,
        title="dagseal API",
        version=__version__,
        description="Airflow 3 shaped REST API over dagseal's metadata DB (read, trigger, clear, mark).",
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.placement = placement
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        same_site="strict",
        https_only=False,  # bound to loopback by default; put TLS in front to serve further
    )
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(DagsealError, _refused)
    app.add_exception_handler(LoginRequired, login_redirect)
    app.add_exception_handler(StarletteHTTPException, http_error)
    for router in (*ROUTERS, *UI_ROUTERS):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
