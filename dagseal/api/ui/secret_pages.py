"""Variables and connections pages: lists with create, edit and delete forms (CSRF-checked).

Every form goes through the ``/api/v2`` route functions, so the pages have exactly the API's
team rules, masking and input checks; a refusal comes back as one line above the form. A blank
password or secret value on the edit form keeps the stored one (the page never shows it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from dagseal.api.database import Session
from dagseal.api.routes import connections, variables
from dagseal.api.ui.common import CsrfChecked, PageUser, forbid_viewer
from dagseal.api.ui.crud_pages import OptionalText, attempt, edit_url, given, register_crud_pages

router = APIRouter(include_in_schema=False)

register_crud_pages(
    router, "variables", variables.list_variables, variables.get_variable, variables.delete_variable_route
)
register_crud_pages(
    router,
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
    form = given({"key": key, "description": description, "team": team})
    return attempt(
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
    body = {"description": description or None, **given({"value": value})}
    return attempt(
        session,
        edit_url("variables", name, team or None),
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
    form = given({**await _connection_form(request), "connection_id": connection_id, "team": team})
    return attempt(
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
    body.update(given({"password": form["password"]}))
    return attempt(
        session,
        edit_url("connections", name, team or None),
        lambda: connections.patch_connection(
            name, connections.ConnectionPatchBody(**body), request, session, user, team or None
        ),
        "/connections",
    )
