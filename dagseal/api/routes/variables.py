"""``/api/v2/variables``: list, get, create, patch, delete, scoped per team (see secret_access).

A variable whose key names a secret (``password``, ``token``, ``api_key``, … the rule the task
log masker uses) is returned with its value as ``***``; it can still be set and replaced.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import Field

from dagseal.api.database import Session
from dagseal.api.deps import Actor, Paging, User, paginate
from dagseal.api.models import ERROR_RESPONSES, ErrorResponse, RequestBody, ResponseBody
from dagseal.api.secret_access import (
    MASK,
    TeamName,
    TeamQuery,
    cipher_of,
    owned_team,
    rows_visible,
    visible_row,
    writable,
)
from dagseal.db.models import VariableModel
from dagseal.sdk.connection import is_sensitive_name
from dagseal.secrets.store import delete_variable, describe, find_variable, read_variable, set_variable

router = APIRouter(prefix="/api/v2/variables", tags=["Variable"], responses=ERROR_RESPONSES)

Key = Annotated[str, Field(min_length=1, max_length=250)]


ALREADY_EXISTS: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorResponse, "description": "The team's variable of that id exists"}
}


class VariableResponse(ResponseBody):
    key: str
    value: str
    description: str | None
    team: str | None
    is_encrypted: bool = True


class VariableCollectionResponse(ResponseBody):
    variables: list[VariableResponse]
    total_entries: int


class VariableBody(RequestBody):
    key: Key
    value: str
    description: str | None = None
    team: TeamName | None = Field(default=None, description="admins only; default: shared (null)")


class VariablePatchBody(RequestBody):
    value: str | None = None
    description: str | None = None


def _response(row: VariableModel, request: Request) -> VariableResponse:
    value = MASK if is_sensitive_name(row.key) else read_variable(row, cipher_of(request))
    return VariableResponse(key=row.key, value=value, description=row.description, team=row.team)


def _visible(session: Session, user: User, key: str, team: str | None) -> VariableModel:
    return visible_row(session, user, find_variable, "variable", key, team)


@router.get("", response_model=VariableCollectionResponse)
def list_variables(
    request: Request, session: Session, user: User, page: Paging
) -> VariableCollectionResponse:
    condition = rows_visible(VariableModel, user)
    rows, total = paginate(session, VariableModel, condition, VariableModel.key, page)
    return VariableCollectionResponse(
        variables=[_response(row, request) for row in rows], total_entries=total
    )


@router.get("/{variable_key}", response_model=VariableResponse)
def get_variable(
    variable_key: str, request: Request, session: Session, user: User, team: TeamQuery = None
) -> VariableResponse:
    return _response(_visible(session, user, variable_key, team), request)


@router.post("", responses=ALREADY_EXISTS, response_model=VariableResponse, status_code=201)
def post_variable(body: VariableBody, request: Request, session: Session, user: Actor) -> VariableResponse:
    team = owned_team(user, body.team)
    if find_variable(session, body.key, team, exact=True) is not None:
        raise HTTPException(409, f"{describe('variable', body.key, team)} already exists")
    set_variable(session, body.key, body.value, team, cipher_of(request), body.description)
    return _response(_visible(session, user, body.key, team), request)


@router.patch("/{variable_key}", response_model=VariableResponse)
def patch_variable(
    variable_key: str,
    body: VariablePatchBody,
    request: Request,
    session: Session,
    user: Actor,
    team: TeamQuery = None,
) -> VariableResponse:
    row = _visible(session, user, variable_key, team)
    writable(row, user, describe("variable", row.key, row.team))
    cipher = cipher_of(request)
    value = read_variable(row, cipher) if body.value is None else body.value
    if "description" in body.model_fields_set:
        row.description = body.description
    set_variable(session, row.key, value, row.team, cipher)
    return _response(row, request)


@router.delete("/{variable_key}", status_code=204, response_class=Response)
def delete_variable_route(
    variable_key: str, session: Session, user: Actor, team: TeamQuery = None
) -> Response:
    row = _visible(session, user, variable_key, team)
    writable(row, user, describe("variable", row.key, row.team))
    delete_variable(session, row.key, row.team)
    return Response(status_code=204)
