"""What every UI page needs: the templates, the logged-in user (else a redirect to the login
page), and the CSRF check of a posted form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from dagseal.api.auth.identity import CSRF_FIELD, check_csrf, csrf_token, identify
from dagseal.api.auth.users import CurrentUser
from dagseal.api.database import Session

templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
ACTIVE_RUN_STATES = ("queued", "running")


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to /login."""


def login_redirect(request: Request, _exc: Exception) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


async def http_error(request: Request, exc: Exception) -> Response:
    """API paths keep FastAPI's JSON ``detail``; a page answers with the same status as HTML."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(("/api/", "/openapi.json", "/static/")):
        return await http_exception_handler(request, exc)
    response = templates.TemplateResponse(
        request,
        "error.html",
        {"user": None, "csrf_token": "", "status": exc.status_code, "detail": exc.detail},
    )
    response.status_code = exc.status_code
    return response


def _page_user(request: Request, session: Session) -> CurrentUser:
    user = identify(request, session)
    if user is None:
        raise LoginRequired
    return user


def _checked_form(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> None:
    check_csrf(request, csrf_token)


PageUser = Annotated[CurrentUser, Depends(_page_user)]
CsrfChecked = Depends(_checked_form)


def render(request: Request, template: str, user: CurrentUser | None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {"user": user, "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), **context},
    )


def back_to(url: str) -> RedirectResponse:
    """After a form post: see the result page (303, so a reload does not post again)."""
    return RedirectResponse(url, status_code=303)


def forbid_viewer(user: CurrentUser) -> None:
    if not user.can_act:
        raise HTTPException(403, f"role {user.role.value} may only read")


def require_admin(user: CurrentUser, what: str) -> None:
    if not user.is_admin:
        raise HTTPException(403, f"only an admin may {what}")
