"""``/login`` and ``/logout``: the session cookie (HttpOnly, SameSite=strict, signed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from dagseal.api.auth.identity import log_in
from dagseal.api.auth.users import authenticate
from dagseal.api.database import Session
from dagseal.api.ui.common import CsrfChecked, back_to, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a local path, so the login form cannot bounce a user to another site."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/dags"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login", response_model=None, dependencies=[CsrfChecked])
def login_submit(
    request: Request,
    session: Session,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
) -> HTMLResponse | RedirectResponse:
    user = authenticate(session, username, password)
    if user is None:
        response = render(
            request, "login.html", None, next=_safe_next(next), error="wrong username or password"
        )
        response.status_code = 401
        return response
    log_in(request, user)
    return back_to(_safe_next(next))


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return back_to("/login")


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/dags", status_code=303)
