"""What the pages of every editable kind share (variables, connections, pools): the list page,
the edit page and the delete form over the kind's ``/api/v2`` route functions, and the one way a
form write is attempted (a refusal rolls back and comes back as one line above the form).

``team`` addresses a team's row of a team-scoped kind; for a global kind it stays empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from dagseal.api.database import Session
from dagseal.api.deps import Page
from dagseal.api.ui.common import CsrfChecked, PageUser, back_to, forbid_viewer, render
from dagseal.errors import DagsealError

__all__ = ["OptionalText", "all_rows", "attempt", "edit_url", "form_int", "given", "register_crud_pages"]

OptionalText = Annotated[str, Form()]
Lister = Callable[[Request, Session, Any, Page], Any]  # (request, session, user, page)
Getter = Callable[[str, Request, Session, Any, str | None], Any]  # (name, request, session, user, team)
Deleter = Callable[[str, Session, Any, str | None], Any]  # (name, session, user, team)


def all_rows(request: Request) -> Page:
    """The whole list on one page (up to ``[api] maximum_page_limit``)."""
    return Page(limit=request.app.state.settings.maximum_page_limit, offset=0)


def given(form: dict[str, Any]) -> dict[str, Any]:
    """Form fields the user filled in (a blank field is not sent to the API)."""
    return {name: value for name, value in form.items() if value != ""}


def form_int(text: str) -> int | str:
    """Form digits (or a negative number) become a number; anything else goes on as text, for the
    API's strict integer check to refuse by field name."""
    return int(text) if text.lstrip("-").isdigit() else text


def attempt(session: Session, back: str, action: Callable[[], object], done: str) -> RedirectResponse:
    """Run one write; on refusal undo it and go back to the form with the reason (field named)."""
    try:
        action()
    except (ValidationError, RequestValidationError) as exc:
        session.rollback()
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = f"field {where!r}: {first['msg']}"
        return back_to(f"{back}error={quote(message)}")
    except (HTTPException, DagsealError) as exc:
        session.rollback()
        reason = exc.detail if isinstance(exc, HTTPException) else str(exc).splitlines()[0]
        return back_to(f"{back}error={quote(str(reason))}")
    return back_to(done)


def edit_url(kind: str, name: str, team: str | None) -> str:
    """The edit page of one row, ready for ``error=`` to be appended."""
    query = {"name": name, **({"team": team} if team else {})}
    return f"/{kind}/edit?{urlencode(query)}&"


def register_crud_pages(
    router: APIRouter, kind: str, lister: Lister, getter: Getter, deleter: Deleter
) -> None:
    """The list page, the edit page and the delete form of one kind on ``router``."""

    @router.get(f"/{kind}", response_class=HTMLResponse, name=f"{kind}_page")
    def listing(request: Request, session: Session, user: PageUser, error: str | None = None) -> HTMLResponse:
        page = lister(request, session, user, all_rows(request))
        return render(request, f"{kind}.html", user, page=page, error=error, editing=None)

    @router.get(f"/{kind}/edit", response_class=HTMLResponse, name=f"{kind}_edit_page")
    def edit_page(
        request: Request,
        session: Session,
        user: PageUser,
        name: str,
        team: str | None = None,
        error: str | None = None,
    ) -> HTMLResponse:
        editing = getter(name, request, session, user, team)
        return render(request, f"{kind}.html", user, page=None, error=error, editing=editing)

    @router.post(f"/{kind}/delete", dependencies=[CsrfChecked], name=f"{kind}_delete")
    def delete(
        session: Session, user: PageUser, name: Annotated[str, Form()], team: OptionalText = ""
    ) -> RedirectResponse:
        forbid_viewer(user)
        return attempt(session, f"/{kind}?", lambda: deleter(name, session, user, team or None), f"/{kind}")
