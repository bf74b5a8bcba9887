"""Pools pages: the list (slots, running, queued, scheduled, open) with create, edit and delete
forms for admins; through the ``/api/v2/pools`` route functions (pools are global, admins write)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from dagseal.api.auth.users import CurrentUser
from dagseal.api.database import Session
from dagseal.api.deps import Page
from dagseal.api.routes import pools
from dagseal.api.ui.common import CsrfChecked, PageUser, require_admin
from dagseal.api.ui.crud_pages import (
    OptionalText,
    attempt,
    edit_url,
    form_int,
    given,
    register_crud_pages,
)

router = APIRouter(include_in_schema=False)


def _list(_request: Request, session: Session, user: CurrentUser, page: Page) -> Any:
    return pools.list_pools(session, user, page)


def _get(name: str, _request: Request, session: Session, user: CurrentUser, _team: str | None) -> Any:
    return pools.get_pool(name, session, user)


def _delete(name: str, session: Session, user: CurrentUser, _team: str | None) -> Any:
    require_admin(user, "delete pools")
    return pools.delete_pool_route(name, session, user)


register_crud_pages(router, "pools", _list, _get, _delete)


@router.post("/pools", dependencies=[CsrfChecked])
def pool_create(
    session: Session,
    user: PageUser,
    name: OptionalText = "",
    slots: OptionalText = "",
    description: OptionalText = "",
    include_deferred: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    require_admin(user, "create pools")
    form = given({"name": name, "slots": form_int(slots), "description": description})

    def create() -> object:
        return pools.post_pool(pools.PoolBody(include_deferred=include_deferred, **form), session, user)

    return attempt(session, "/pools?", create, "/pools")


@router.post("/pools/edit", dependencies=[CsrfChecked])
def pool_update(
    session: Session,
    user: PageUser,
    name: Annotated[str, Form()],
    slots: OptionalText = "",
    description: OptionalText = "",
    include_deferred: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    require_admin(user, "change pools")
    body = {"description": description or None, "include_deferred": include_deferred}
    body.update(given({"slots": form_int(slots)}))

    def update() -> object:
        return pools.patch_pool(name, pools.PoolPatchBody(**body), session, user)

    return attempt(session, edit_url("pools", name, None), update, "/pools")
