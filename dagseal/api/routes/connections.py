"""``/api/v2/connections``: list, get, create, patch, delete, scoped per team (see secret_access).

Secrets are write-only: ``password`` is accepted but never returned (``has_password`` says whether
one is stored), and ``extra`` is returned with every secret-looking key's value as ``***``. A PATCH
that sends such a key back as ``***`` keeps the stored value, so a GET-edit-PATCH round trip does
not overwrite secrets with the mask. A POST may give ``uri`` (Airflow's URI form) instead of the
fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import attrs
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field

from dagseal.api.database import Session
from dagseal.api.deps import Actor, Paging, User, paginate
from dagseal.api.models import ERROR_RESPONSES, ErrorResponse, RequestBody, ResponseBody
from dagseal.api.secret_access import (
    TeamName,
    TeamQuery,
    cipher_of,
    mask_extra,
    owned_team,
    rows_visible,
    unmask_extra,
    visible_row,
    writable,
)
from dagseal.db.models import ConnectionModel
from dagseal.sdk.connection import Connection, ConnectionFormatError
from dagseal.secrets.store import (
    add_connection,
    delete_connection,
    describe,
    find_connection,
    read_connection,
)

router = APIRouter(prefix="/api/v2/connections", tags=["Connection"], responses=ERROR_RESPONSES)

Text = Annotated[str, Field(max_length=500)]
Port = Annotated[int, Field(strict=True, ge=0, le=65535)]  # strict: `false` is not port 0
_FIELDS = ("conn_type", "description", "host", "login", "schema", "port", "password", "extra")


ALREADY_EXISTS: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorResponse, "description": "The team's connection of that id exists"}
}


class ConnectionResponse(ResponseBody):
    connection_id: str
    conn_type: str
    description: str | None
    host: str | None
    login: str | None
    schema_: str | None = Field(alias="schema")
    port: int | None
    extra: str | None = Field(description="JSON text; secret-looking keys' values are '***'")
    has_password: bool
    team: str | None


class ConnectionCollectionResponse(ResponseBody):
    connections: list[ConnectionResponse]
    total_entries: int


class _ConnectionFields(RequestBody):
    description: str | None = None
    host: Text | None = None
    login: str | None = None
    schema_: Text | None = Field(default=None, alias="schema")
    port: Port | None = None
    password: str | None = Field(default=None, description="write-only")
    extra: str | None = Field(default=None, description="a JSON object as text")


class ConnectionBody(_ConnectionFields):
    connection_id: Annotated[str, Field(min_length=1, max_length=250)]
    conn_type: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    uri: str | None = Field(default=None, description="type://login:password@host:port/schema?extra")
    team: TeamName | None = Field(default=None, description="admins only; default: shared (null)")


class ConnectionPatchBody(_ConnectionFields):
    conn_type: Annotated[str, Field(min_length=1, max_length=500)] | None = None


def _given(body: _ConnectionFields) -> set[str]:
    """The fields the request body set, by their JSON names."""
    return {"schema" if name == "schema_" else name for name in body.model_fields_set}


def _fields(body: _ConnectionFields, only_given: bool = False) -> dict[str, object]:
    given = _given(body)
    return {
        name: getattr(body, "schema_" if name == "schema" else name)
        for name in _FIELDS
        if not only_given or name in given
    }


def _invalid(message: str, field: str | None = None) -> RequestValidationError:
    """A 422 shaped like every other validation error (``detail[].loc`` names the field)."""
    loc = ("body", field) if field else ("body",)
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": message, "input": None}])


def _parsed(parse: Callable[[], Connection], field: str | None = None) -> Connection:
    """The parsed connection; a malformed one is a 422 whose message names the connection and field."""
    try:
        return parse()
    except ConnectionFormatError as exc:
        raise _invalid(str(exc), field) from None


def _response(row: ConnectionModel, request: Request) -> ConnectionResponse:
    connection = read_connection(row, cipher_of(request))
    return ConnectionResponse(
        connection_id=row.conn_id,
        conn_type=row.conn_type,
        description=row.description,
        host=row.host,
        login=row.login,
        schema=row.schema,
        port=row.port,
        extra=mask_extra(connection.extra),
        has_password=row.password is not None,
        team=row.team,
    )


def _visible(session: Session, user: User, conn_id: str, team: str | None) -> ConnectionModel:
    return visible_row(session, user, find_connection, "connection", conn_id, team)


def _of_body(body: ConnectionBody) -> Connection:
    conn_id = body.connection_id
    if body.uri is not None:
        others = sorted(_given(body) - {"connection_id", "team", "uri"})
        if others:
            raise _invalid(
                f"connection {conn_id!r}: give 'uri' or the fields, not both ({', '.join(others)})", "uri"
            )
        uri = body.uri
        return _parsed(lambda: Connection.from_uri(conn_id, uri), "uri")
    if body.conn_type is None:
        raise _invalid(f"connection {conn_id!r}: field 'conn_type' (or 'uri') is required", "conn_type")
    data = {k: v for k, v in _fields(body).items() if v is not None}
    return _parsed(lambda: Connection.from_dict(conn_id, data))


@router.get("", response_model=ConnectionCollectionResponse)
def list_connections(
    request: Request, session: Session, user: User, page: Paging
) -> ConnectionCollectionResponse:
    condition = rows_visible(ConnectionModel, user)
    rows, total = paginate(session, ConnectionModel, condition, ConnectionModel.conn_id, page)
    return ConnectionCollectionResponse(
        connections=[_response(row, request) for row in rows], total_entries=total
    )


@router.get("/{connection_id}", response_model=ConnectionResponse)
def get_connection(
    connection_id: str, request: Request, session: Session, user: User, team: TeamQuery = None
) -> ConnectionResponse:
    return _response(_visible(session, user, connection_id, team), request)


@router.post("", responses=ALREADY_EXISTS, response_model=ConnectionResponse, status_code=201)
def post_connection(
    body: ConnectionBody, request: Request, session: Session, user: Actor
) -> ConnectionResponse:
    team = owned_team(user, body.team)
    connection = _of_body(body)
    if find_connection(session, connection.conn_id, team, exact=True) is not None:
        raise HTTPException(409, f"{describe('connection', connection.conn_id, team)} already exists")
    add_connection(session, connection, team, cipher_of(request))
    return _response(_visible(session, user, connection.conn_id, team), request)


@router.patch("/{connection_id}", response_model=ConnectionResponse)
def patch_connection(
    connection_id: str,
    body: ConnectionPatchBody,
    request: Request,
    session: Session,
    user: Actor,
    team: TeamQuery = None,
) -> ConnectionResponse:
    row = _visible(session, user, connection_id, team)
    writable(row, user, describe("connection", row.conn_id, row.team))
    cipher = cipher_of(request)
    old = read_connection(row, cipher)
    merged = {**old.to_dict(), **_fields(body, only_given=True)}
    merged["extra"] = merged["extra"] or None
    new = _parsed(lambda: Connection.from_dict(row.conn_id, merged))
    new = attrs.evolve(new, extra=unmask_extra(new.extra, old.extra))
    owner = row.team
    delete_connection(session, row.conn_id, owner)
    session.flush()
    add_connection(session, new, owner, cipher)
    return _response(_visible(session, user, new.conn_id, owner), request)


@router.delete("/{connection_id}", status_code=204, response_class=Response)
def delete_connection_route(
    connection_id: str, session: Session, user: Actor, team: TeamQuery = None
) -> Response:
    row = _visible(session, user, connection_id, team)
    writable(row, user, describe("connection", row.conn_id, row.team))
    delete_connection(session, row.conn_id, row.team)
    return Response(status_code=204)
