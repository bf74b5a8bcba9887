"""``/api/v2/backfills``: list, get, create (and dry run), pause, unpause, cancel (Airflow 3, AIP-78).

A backfill belongs to its DAG's team: another team's backfill answers 404 like a missing one.
Create and cancel are the functions behind ``dagseal backfill create | cancel``; a paused backfill
starts no new runs (the scheduler's backfill gate reads ``is_paused``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import AwareDatetime, Field, StrictBool
from sqlalchemy import select

from dagseal.api.access import dag_visible, not_found, visible_dag
from dagseal.api.database import Session
from dagseal.api.deps import Actor, Paging, User, paginate
from dagseal.api.models import DB_INT_MAX, ERROR_RESPONSES, ErrorResponse, RequestBody, ResponseBody
from dagseal.api.params import conf_error
from dagseal.api.serialized import DAG_BAG
from dagseal.db.models import BackfillDagRunModel, BackfillModel, DagModel, DagRunModel
from dagseal.scheduler.backfill import cancel_backfill, create_backfill, plan_backfill
from dagseal.timeutil import utcnow

router = APIRouter(prefix="/api/v2/backfills", tags=["Backfill"], responses=ERROR_RESPONSES)

COMPLETED: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorResponse, "description": "The backfill has completed (or was cancelled)"}
}


class BackfillResponse(ResponseBody):
    id: int
    dag_id: str
    from_date: datetime
    to_date: datetime
    dag_run_conf: dict[str, Any]
    is_paused: bool
    reprocess_behavior: str
    max_active_runs: int
    run_backwards: bool
    created_at: datetime
    completed_at: datetime | None
    updated_at: datetime
    triggering_user_name: str | None


class BackfillCollectionResponse(ResponseBody):
    backfills: list[BackfillResponse]
    total_entries: int


class BackfillPostBody(RequestBody):
    dag_id: Annotated[str, Field(min_length=1, max_length=250)]
    from_date: AwareDatetime
    to_date: AwareDatetime
    run_backwards: StrictBool = False
    dag_run_conf: dict[str, Any] = Field(default_factory=dict)
    reprocess_behavior: Literal["none", "failed", "completed"] = "none"
    max_active_runs: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=DB_INT_MAX,
        description="backfill runs at a time (default: the DAG's)",
    )


class DryRunBackfillResponse(ResponseBody):
    logical_date: datetime
    action: str
    reason: str | None


class DryRunBackfillCollectionResponse(ResponseBody):
    backfills: list[DryRunBackfillResponse]
    total_entries: int


def visible_backfill(session: Session, user: User, backfill_id: int) -> BackfillModel:
    """The backfill, or 404 if it does not exist or its DAG belongs to another team."""
    backfill = session.get(BackfillModel, backfill_id)
    if backfill is None:
        raise not_found(f"backfill {backfill_id}")
    try:
        visible_dag(session, user, backfill.dag_id)
    except HTTPException:
        raise not_found(f"backfill {backfill_id}") from None
    return backfill


def backfill_runs(session: Session, backfill_id: int) -> list[tuple[BackfillDagRunModel, DagRunModel | None]]:
    """Each logical date of a backfill in start order, with its run (None: skipped, see the reason)."""
    rows = session.execute(
        select(BackfillDagRunModel, DagRunModel)
        .outerjoin(DagRunModel, DagRunModel.id == BackfillDagRunModel.dag_run_id)
        .where(BackfillDagRunModel.backfill_id == backfill_id)
        .order_by(BackfillDagRunModel.sort_ordinal)
    )
    return [(row, run) for row, run in rows]


def _checked_conf(session: Session, user: User, body: BackfillPostBody) -> None:
    """The DAG is the user's team's, and the conf passes its Param schema (400 with the message)."""
    dag = visible_dag(session, user, body.dag_id)
    if dag.latest_dag_hash is not None:
        problem = conf_error(DAG_BAG.get(session, dag.latest_dag_hash).params, body.dag_run_conf)
        if problem is not None:
            raise HTTPException(400, f"field 'dag_run_conf': {problem}")


BackfillId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


@router.get("", response_model=BackfillCollectionResponse)
def list_backfills(
    session: Session,
    user: User,
    page: Paging,
    dag_id: Annotated[str | None, Query(max_length=250, description="only this DAG's")] = None,
) -> BackfillCollectionResponse:
    condition = BackfillModel.dag_id.in_(select(DagModel.dag_id).where(dag_visible(user)))
    if dag_id is not None:
        visible_dag(session, user, dag_id)
        condition = BackfillModel.dag_id == dag_id
    rows, total = paginate(session, BackfillModel, condition, BackfillModel.id.desc(), page)
    return BackfillCollectionResponse(
        backfills=[BackfillResponse.model_validate(row) for row in rows], total_entries=total
    )


@router.get("/{backfill_id:int}", response_model=BackfillResponse)
def get_backfill(backfill_id: BackfillId, session: Session, user: User) -> BackfillResponse:
    return BackfillResponse.model_validate(visible_backfill(session, user, backfill_id))


@router.post("", response_model=BackfillResponse, status_code=201)
def create_backfill_route(
    request: Request, body: BackfillPostBody, session: Session, user: Actor
) -> BackfillResponse:
    _checked_conf(session, user, body)
    backfill, _planned = create_backfill(
        session,
        body.dag_id,
        body.from_date,
        body.to_date,
        now=utcnow(),
        intervals=request.app.state.settings.data_intervals,
        placement=request.app.state.placement,
        reprocess_behavior=body.reprocess_behavior,
        max_active_runs=body.max_active_runs,
        run_backwards=body.run_backwards,
        dag_run_conf=body.dag_run_conf,
        user=user.username,
    )
    session.flush()
    return BackfillResponse.model_validate(backfill)


@router.post("/dry_run", response_model=DryRunBackfillCollectionResponse)
def dry_run_backfill(
    request: Request, body: BackfillPostBody, session: Session, user: Actor
) -> DryRunBackfillCollectionResponse:
    """What ``create`` would do with each logical date; nothing is written."""
    _checked_conf(session, user, body)
    planned = plan_backfill(
        session,
        body.dag_id,
        body.from_date,
        body.to_date,
        reprocess_behavior=body.reprocess_behavior,
        run_backwards=body.run_backwards,
        now=utcnow(),
        intervals=request.app.state.settings.data_intervals,
    )
    return DryRunBackfillCollectionResponse(
        backfills=[
            DryRunBackfillResponse(logical_date=p.logical_date, action=p.action, reason=p.reason)
            for p in planned
        ],
        total_entries=len(planned),
    )


def _set_paused(session: Session, user: User, backfill_id: int, paused: bool) -> BackfillResponse:
    backfill = visible_backfill(session, user, backfill_id)
    if backfill.completed_at is not None:
        raise HTTPException(409, f"backfill {backfill_id} completed at {backfill.completed_at.isoformat()}")
    backfill.is_paused = paused
    session.flush()
    return BackfillResponse.model_validate(backfill)


@router.put("/{backfill_id:int}/pause", responses=COMPLETED, response_model=BackfillResponse)
def pause_backfill(backfill_id: BackfillId, session: Session, user: Actor) -> BackfillResponse:
    return _set_paused(session, user, backfill_id, True)


@router.put("/{backfill_id:int}/unpause", responses=COMPLETED, response_model=BackfillResponse)
def unpause_backfill(backfill_id: BackfillId, session: Session, user: Actor) -> BackfillResponse:
    return _set_paused(session, user, backfill_id, False)


@router.put("/{backfill_id:int}/cancel", responses=COMPLETED, response_model=BackfillResponse)
def cancel_backfill_route(backfill_id: BackfillId, session: Session, user: Actor) -> BackfillResponse:
    backfill = visible_backfill(session, user, backfill_id)
    if backfill.completed_at is not None:
        raise HTTPException(409, f"backfill {backfill_id} completed at {backfill.completed_at.isoformat()}")
    cancel_backfill(session, backfill_id, utcnow())
    session.flush()
    return BackfillResponse.model_validate(backfill)
