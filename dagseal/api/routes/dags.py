"""``/api/v2/dags``: list (team-scoped), get, and PATCH ``is_paused``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from dagseal.api.access import dag_visible, visible_dag
from dagseal.api.dag_summary import DagSummary, summarize
from dagseal.api.database import Session
from dagseal.api.deps import Actor, Paging, User, paginate
from dagseal.api.models import ERROR_RESPONSES, RequestBody, ResponseBody
from dagseal.db.models import DagModel

router = APIRouter(prefix="/api/v2/dags", tags=["DAG"], responses=ERROR_RESPONSES)


class DAGResponse(ResponseBody):
    dag_id: str
    team: str | None
    fileloc: str
    is_paused: bool
    is_active: bool
    schedule_description: str | None
    owners: str | None
    tags: list[str]
    last_parsed_time: datetime | None
    next_dagrun_create_after: datetime | None
    latest_dag_hash: str | None
    last_run_id: str | None
    last_run_state: str | None
    current_image_digest: str | None
    has_import_errors: bool

    @classmethod
    def of(cls, summary: DagSummary) -> DAGResponse:
        dag = summary.dag
        return cls(
            dag_id=dag.dag_id,
            team=summary.team,
            fileloc=dag.relative_fileloc,
            is_paused=dag.is_paused,
            is_active=dag.is_active,
            schedule_description=dag.schedule_description,
            owners=dag.owners,
            tags=list(dag.tags or []),
            last_parsed_time=dag.last_parsed_time,
            next_dagrun_create_after=dag.next_dagrun_create_after,
            latest_dag_hash=dag.latest_dag_hash,
            last_run_id=summary.last_run_id,
            last_run_state=summary.last_run_state,
            current_image_digest=summary.current_image_digest,
            has_import_errors=summary.has_import_errors,
        )


class DAGCollectionResponse(ResponseBody):
    dags: list[DAGResponse]
    total_entries: int


class DAGPatchBody(RequestBody):
    is_paused: bool


@router.get("", response_model=DAGCollectionResponse)
def list_dags(
    session: Session,
    user: User,
    page: Paging,
    paused: bool | None = None,
    only_active: bool = True,
    dag_id_pattern: Annotated[str | None, Query(max_length=250, description="SQL LIKE pattern")] = None,
) -> DAGCollectionResponse:
    condition = dag_visible(user)
    if only_active:
        condition = condition & DagModel.is_active.is_(True)
    if paused is not None:
        condition = condition & DagModel.is_paused.is_(paused)
    if dag_id_pattern:
        condition = condition & DagModel.dag_id.like(dag_id_pattern)
    dags, total = paginate(session, DagModel, condition, DagModel.dag_id, page)
    return DAGCollectionResponse(
        dags=[DAGResponse.of(s) for s in summarize(session, dags)], total_entries=total
    )


@router.get("/{dag_id}", response_model=DAGResponse)
def get_dag(dag_id: str, session: Session, user: User) -> DAGResponse:
    return DAGResponse.of(summarize(session, [visible_dag(session, user, dag_id)])[0])


@router.patch("/{dag_id}", response_model=DAGResponse)
def patch_dag(dag_id: str, body: DAGPatchBody, session: Session, user: Actor) -> DAGResponse:
    dag = visible_dag(session, user, dag_id)
    dag.is_paused = body.is_paused
    session.flush()
    return DAGResponse.of(summarize(session, [dag])[0])
