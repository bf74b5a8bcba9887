"""Who is asking: a ``Bearer`` API token, or the UI's signed session cookie (plus its CSRF token).

Unsafe requests that ride on the cookie must repeat the session's CSRF token (header
``X-CSRF-Token`` or form field ``csrf_token``); a Bearer token is never sent by a browser on its
own, so token requests need none.
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request

from dagseal.api.auth.users import CurrentUser, user_by_id, user_for_token
from dagseal.api.database import Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, supplied: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not supplied or not secrets.compare_digest(expected, supplied):
        raise HTTPException(
            403, f"CSRF token missing or wrong (send {CSRF_HEADER} or form field {CSRF_FIELD})"
        )


def log_in(request: Request, user: CurrentUser) -> None:
    """A fresh session for ``user`` (a new CSRF token too, so a pre-login token is worthless)."""
    request.session.clear()
    request.session["user_id"] = user.id
    csrf_token(request)


def identify(request: Request, session: Session) -> CurrentUser | None:
    """The user of this request, or None; cookie-borne unsafe API requests must carry the CSRF header."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "Authorization header must be 'Bearer <token>'")
        return user_for_token(session, token.strip())
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        return None
    user = user_by_id(session, user_id)
    if user is not None and request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return user
