"""Dependencies every router uses: the user (any, acting, admin) and the page window (and the
query for one page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from dagseal.api.auth.identity import identify
from dagseal.api.auth.users import CurrentUser
from dagseal.api.database import Session
from dagseal.api.models import DB_INT_MAX

_M = TypeVar("_M")


def _user(request: Request, session: Session) -> CurrentUser:
    user = identify(request, session)
    if user is None:
        raise HTTPException(401, "authentication required: a Bearer API token or a session cookie")
    return user


def _actor(user: Annotated[CurrentUser, Depends(_user)]) -> CurrentUser:
    if not user.can_act:
        raise HTTPException(403, f"role {user.role.value} may only read")
    return user


def _admin(user: Annotated[CurrentUser, Depends(_user)]) -> CurrentUser:
    if not user.is_admin:
        raise HTTPException(403, "only an admin may do this")
    return user


User = Annotated[CurrentUser, Depends(_user)]
Actor = Annotated[CurrentUser, Depends(_actor)]
Admin = Annotated[CurrentUser, Depends(_admin)]


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def _page(
    request: Request,
    limit: Annotated[
        int | None, Query(ge=1, description="page size; capped at [api] maximum_page_limit")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> Page:
    settings = request.app.state.settings
    wanted = settings.fallback_page_limit if limit is None else limit
    return Page(limit=min(wanted, settings.maximum_page_limit), offset=offset)


Paging = Annotated[Page, Depends(_page)]


def paginate(
    session: OrmSession, model: type[_M], condition: Any, order_by: Any, page: Page, *then_by: Any
) -> tuple[list[_M], int]:
    """One page of ``model`` rows matching ``condition`` (ordered by ``order_by``, then ``then_by``),
    and how many match in all."""
    total = session.scalar(select(func.count()).select_from(model).where(condition))
    rows = session.scalars(
        select(model).where(condition).order_by(order_by, *then_by).limit(page.limit).offset(page.offset)
    ).all()
    return list(rows), total or 0
