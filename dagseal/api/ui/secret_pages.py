"""Variables and connections pages: lists with create, edit and delete forms (CSRF-checked).

Every form goes through the ``/api/v2`` route functions, so the pages have exactly the API's
team rules, masking and input checks; a refusal comes back as one line above the form. A blank
password or secret value on the edit form keeps the stored one (the page never shows it).
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
from dagseal.api.routes import connections, variables
from dagseal.api.ui.common import CsrfChecked, PageUser, back_to, forbid_viewer, render
from dagseal.errors import DagsealError

router = APIRouter(include_in_schema=False)
OptionalText = Annotated[str, Form()]


def _all(request: Request) -> Page:
    return Page(limit=request.app.state.settings.maximum_page_limit, offset=0)


def _given(form: dict[str, Any]) -> dict[str, Any]:
    """Form fields the user filled in (a blank field is not sent to the API)."""
    return {name: value for name, value in form.items() if value != ""}


def _attempt(session: Session, back: str, action: Callable[[], object], done: str) -> RedirectResponse:
    """Run one write; on refusal undo it and go back to the form with the reason."""
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


def _edit_url(kind: str, name: str, team: str | None) -> str:
    query = {"name": name, **({"team": team} if team else {})}
    return f"/{kind}/edit?{urlencode(query)}&"


def _read_and_delete_pages(
    kind: str,
    lister: Callable[..., Any],
    getter: Callable[..., Any],
    deleter: Callable[..., Any],
) -> None:
    """The list page, the edit page and the delete form of one kind, over its API functions."""

    @router.get(f"/{kind}", response_class=HTMLResponse, name=f"{kind}_page")
    def listing(request: Request, session: Session, user: PageUser, error: str | None = None) -> HTMLResponse:
        page = lister(request, session, user, _all(request))
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
        return _attempt(session, f"/{kind}?", lambda: deleter(name, session, user, team or None), f"/{kind}")


_read_and_delete_pages(
    "variables", variables.list_variables, variables.get_variable, variables.delete_variable_route
)
_read_and_delete_pages(
    "connections",
    connections.list_connections,
    connections.get_connection,
    connections.delete_connection_route,
)

# --- variables -------------------------------------------------------------------------------


@router.post("/variables", dependencies=[CsrfChecked])
def variable_create(
    request: Request,
    session: Session,
    user: PageUser,
    key: OptionalText = "",
    value: OptionalText = "",
    description: OptionalText = "",
    team: OptionalText = "",
) -> RedirectResponse:
    forbid_viewer(user)
    form = _given({"key": key, "description": description, "team": team})
    return _attempt(
        session,
        "/variables?",
        lambda: variables.post_variable(variables.VariableBody(value=value, **form), request, session, user),
        "/variables",
    )


@router.post("/variables/edit", dependencies=[CsrfChecked])
def variable_update(
    request: Request,
    session: Session,
    user: PageUser,
    name: Annotated[str, Form()],
    team: OptionalText = "",
    value: OptionalText = "",
    description: OptionalText = "",
) -> RedirectResponse:
    forbid_viewer(user)
    body = {"description": description or None, **_given({"value": value})}
    return _attempt(
        session,
        _edit_url("variables", name, team or None),
        lambda: variables.patch_variable(
            name, variables.VariablePatchBody(**body), request, session, user, team or None
        ),
        "/variables",
    )


# --- connections -----------------------------------------------------------------------------

_CONNECTION_FIELDS = ("conn_type", "description", "host", "login", "schema", "port", "password", "extra")


async def _connection_form(request: Request) -> dict[str, Any]:
    """The posted connection fields; a port of digits becomes a number (anything else is refused
    by the API's strict port check, naming the field)."""
    form = await request.form()
    fields: dict[str, Any] = {name: str(form.get(name, "")) for name in _CONNECTION_FIELDS}
    if fields["port"].isdigit():
        fields["port"] = int(fields["port"])
    return fields


@router.post("/connections", dependencies=[CsrfChecked])
async def connection_create(
    request: Request,
    session: Session,
    user: PageUser,
    connection_id: OptionalText = "",
    team: OptionalText = "",
) -> RedirectResponse:
    forbid_viewer(user)
    form = _given({**await _connection_form(request), "connection_id": connection_id, "team": team})
    return _attempt(
        session,
        "/connections?",
        lambda: connections.post_connection(connections.ConnectionBody(**form), request, session, user),
        "/connections",
    )


@router.post("/connections/edit", dependencies=[CsrfChecked])
async def connection_update(
    request: Request,
    session: Session,
    user: PageUser,
    name: Annotated[str, Form()],
    team: OptionalText = "",
) -> RedirectResponse:
    forbid_viewer(user)
    form = await _connection_form(request)
    # blank clears a field, except the password, which a blank leaves as stored
    body = {key: None if value == "" else value for key, value in form.items() if key != "password"}
    body.update(_given({"password": form["password"]}))
    return _attempt(
        session,
        _edit_url("connections", name, team or None),
        lambda: connections.patch_connection(
            name, connections.ConnectionPatchBody(**body), request, session, user, team or None
        ),
        "/connections",
    )
