"""``/api/v2/pools``: list, get, create, patch, delete (Airflow 3's pool endpoints).

Pools are global (one ``slot_pool`` table for every team): any user reads them, only admins
change them. ``default_pool`` cannot be deleted or renamed. Writes go through
:mod:`dagseal.scheduler.pools`, the functions behind ``dagseal pools``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Response
from pydantic import Field, StrictBool
from sqlalchemy import select

from dagseal.api.access import not_found
from dagseal.api.database import Session
from dagseal.api.deps import Admin, Paging, User, paginate
from dagseal.api.models import ERROR_RESPONSES, ErrorResponse, RequestBody, ResponseBody
from dagseal.db.models import SlotPoolModel
from dagseal.scheduler.pools import PoolUsage, delete_pool, pool_usage, set_pool
from dagseal.sdk.task_scheduling import DEFAULT_POOL

router = APIRouter(prefix="/api/v2/pools", tags=["Pool"], responses=ERROR_RESPONSES)

PoolName = Annotated[str, Field(min_length=1, max_length=256, pattern=r"\S")]
Slots = Annotated[int, Field(strict=True, ge=-1, le=2**31 - 1, description="-1: unlimited")]

ALREADY_EXISTS: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorResponse, "description": "A pool of that name exists"}
}


class PoolResponse(ResponseBody):
    name: str
    slots: int
    description: str | None
    include_deferred: bool
    occupied_slots: int
    running_slots: int
    queued_slots: int
    scheduled_slots: int
    open_slots: int = Field(description="slots left; -1 for an unlimited pool")

    @classmethod
    def of(cls, pool: SlotPoolModel, usage: PoolUsage) -> PoolResponse:
        return cls(
            name=pool.pool,
            slots=pool.slots,
            description=pool.description,
            include_deferred=pool.include_deferred,
            occupied_slots=usage.occupied,
            running_slots=usage.running,
            queued_slots=usage.queued,
            scheduled_slots=usage.scheduled,
            open_slots=-1 if pool.slots == -1 else max(pool.slots - usage.occupied, 0),
        )


class PoolCollectionResponse(ResponseBody):
    pools: list[PoolResponse]
    total_entries: int


class PoolBody(RequestBody):
    name: PoolName
    slots: Slots
    description: str | None = None
    include_deferred: StrictBool = False


class PoolPatchBody(RequestBody):
    pool: PoolName | None = Field(default=None, description="a new name (not for default_pool)")
    slots: Slots | None = None
    description: str | None = None
    include_deferred: StrictBool | None = None


def _find(session: Session, name: str) -> SlotPoolModel | None:
    return session.scalar(select(SlotPoolModel).where(SlotPoolModel.pool == name))


def _existing(session: Session, name: str) -> SlotPoolModel:
    pool = _find(session, name)
    if pool is None:
        raise not_found(f"pool {name!r}")
    return pool


def _response(session: Session, pool: SlotPoolModel) -> PoolResponse:
    return PoolResponse.of(pool, pool_usage(session).get(pool.pool, PoolUsage()))


@router.get("", response_model=PoolCollectionResponse)
def list_pools(session: Session, _user: User, page: Paging) -> PoolCollectionResponse:
    pools, total = paginate(session, SlotPoolModel, SlotPoolModel.id.is_not(None), SlotPoolModel.pool, page)
    usage = pool_usage(session)
    return PoolCollectionResponse(
        pools=[PoolResponse.of(pool, usage.get(pool.pool, PoolUsage())) for pool in pools],
        total_entries=total,
    )


@router.get("/{pool_name}", response_model=PoolResponse)
def get_pool(pool_name: str, session: Session, _user: User) -> PoolResponse:
    return _response(session, _existing(session, pool_name))


@router.post("", responses=ALREADY_EXISTS, response_model=PoolResponse, status_code=201)
def post_pool(body: PoolBody, session: Session, _admin: Admin) -> PoolResponse:
    if _find(session, body.name) is not None:
        raise HTTPException(409, f"pool {body.name!r} already exists")
    pool = set_pool(session, body.name, body.slots, body.description, body.include_deferred)
    return _response(session, pool)


@router.patch("/{pool_name}", responses=ALREADY_EXISTS, response_model=PoolResponse)
def patch_pool(pool_name: str, body: PoolPatchBody, session: Session, _admin: Admin) -> PoolResponse:
    pool = _existing(session, pool_name)
    given = body.model_fields_set
    if "slots" in given and body.slots is None:
        raise HTTPException(400, f"pool {pool_name!r}: field 'slots' cannot be null")
    if body.pool is not None and body.pool != pool.pool:
        if pool.pool == DEFAULT_POOL:
            raise HTTPException(400, f"field 'pool': {DEFAULT_POOL} cannot be renamed")
        if _find(session, body.pool) is not None:
            raise HTTPException(409, f"field 'pool': pool {body.pool!r} already exists")
        pool.pool = body.pool
        session.flush()
    pool = set_pool(
        session,
        pool.pool,
        pool.slots if body.slots is None else body.slots,
        body.description if "description" in given else pool.description,
        pool.include_deferred if body.include_deferred is None else body.include_deferred,
    )
    return _response(session, pool)


@router.delete("/{pool_name}", status_code=204, response_class=Response)
def delete_pool_route(pool_name: str, session: Session, _admin: Admin) -> Response:
    _existing(session, pool_name)
    delete_pool(session, pool_name)  # refuses default_pool (400, by name)
    return Response(status_code=204)
