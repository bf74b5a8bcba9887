"""``/api/v2/dags/{dag_id}/dagRuns``: list, get, trigger (conf, logical date, deployment pin), clear.

Trigger and clear call the same host functions as ``dagseal dags trigger`` and ``tasks clear``.
``dag_id`` ``~`` lists the runs of every DAG the user may see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import AwareDatetime, Field
from sqlalchemy import select

from dagseal.api.access import dag_visible, visible_dag, visible_run
from dagseal.api.database import Session
from dagseal.api.deps import Actor, Paging, User, paginate
from dagseal.api.models import DB_INT_MAX, ERROR_RESPONSES, RequestBody, ResponseBody
from dagseal.api.params import conf_error
from dagseal.api.serialized import DAG_BAG
from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.lifecycle.states import TaskState
from dagseal.scheduler.clearing import clear_tasks
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.timeutil import utcnow

router = APIRouter(prefix="/api/v2/dags/{dag_id}/dagRuns", tags=["DagRun"], responses=ERROR_RESPONSES)
ALL_DAGS = "~"


class DAGRunResponse(ResponseBody):
    dag_run_id: str = Field(validation_alias="run_id")
    dag_id: str
    run_type: str
    state: str
    logical_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    dag_hash: str
    image_digest: str | None
    deployment_id: int | None
    conf: dict[str, Any]
    created_at: datetime
    start_date: datetime | None
    end_date: datetime | None


class DAGRunCollectionResponse(ResponseBody):
    dag_runs: list[DAGRunResponse]
    total_entries: int


class TriggerDAGRunPostBody(RequestBody):
    dag_run_id: str | None = Field(default=None, min_length=1, max_length=250)
    logical_date: AwareDatetime | None = None
    conf: dict[str, Any] = Field(default_factory=dict)
    deployment_id: int | None = Field(
        default=None, ge=1, le=DB_INT_MAX, description="pin the run to this deployment's image"
    )


class DAGRunClearBody(RequestBody):
    dry_run: bool = True
    only_failed: bool = False


class ClearedTaskInstancesResponse(ResponseBody):
    task_ids: list[str]
    total_entries: int


@router.get("", response_model=DAGRunCollectionResponse)
def list_dag_runs(
    dag_id: str, session: Session, user: User, page: Paging, state: str | None = None
) -> DAGRunCollectionResponse:
    if dag_id == ALL_DAGS:
        condition = DagRunModel.dag_id.in_(select(DagModel.dag_id).where(dag_visible(user)))
    else:
        visible_dag(session, user, dag_id)
        condition = DagRunModel.dag_id == dag_id
    if state is not None:
        condition = condition & (DagRunModel.state == state)
    runs, total = paginate(session, DagRunModel, condition, DagRunModel.id.desc(), page)
    return DAGRunCollectionResponse(
        dag_runs=[DAGRunResponse.model_validate(r) for r in runs], total_entries=total
    )


@router.get("/{dag_run_id}", response_model=DAGRunResponse)
def get_dag_run(dag_id: str, dag_run_id: str, session: Session, user: User) -> DAGRunResponse:
    return DAGRunResponse.model_validate(visible_run(session, user, dag_id, dag_run_id))


@router.post("", response_model=DAGRunResponse)
def trigger_dag_run(
    request: Request, dag_id: str, body: TriggerDAGRunPostBody, session: Session, user: Actor
) -> DAGRunResponse:
    dag = visible_dag(session, user, dag_id)
    if dag.latest_dag_hash is not None:
        problem = conf_error(DAG_BAG.get(session, dag.latest_dag_hash).params, body.conf)
        if problem is not None:
            raise HTTPException(400, problem)
    run = trigger_dag(
        session,
        dag_id,
        body.conf,
        utcnow(),
        request.app.state.placement,
        body.dag_run_id,
        logical_date=body.logical_date,
        deployment_id=body.deployment_id,
    )
    session.flush()
    return DAGRunResponse.model_validate(run)


@router.post("/{dag_run_id}/clear", response_model=ClearedTaskInstancesResponse)
def clear_dag_run(
    dag_id: str, dag_run_id: str, body: DAGRunClearBody, session: Session, user: Actor
) -> ClearedTaskInstancesResponse:
    run = visible_run(session, user, dag_id, dag_run_id)
    task_ids = None
    if body.only_failed:
        failed = (TaskState.FAILED.value, TaskState.UPSTREAM_FAILED.value)
        task_ids = [ti.task_id for ti in task_instances_of(session, run.id) if ti.state in failed]
    if body.dry_run or task_ids == []:
        chosen = (
            task_ids if task_ids is not None else [ti.task_id for ti in task_instances_of(session, run.id)]
        )
        return ClearedTaskInstancesResponse(task_ids=sorted(chosen), total_entries=len(chosen))
    cleared = clear_tasks(session, dag_id, dag_run_id, task_ids, downstream=body.only_failed)
    return ClearedTaskInstancesResponse(task_ids=cleared, total_entries=len(cleared))


def task_instances_of(session: Session, dag_run_pk: int) -> list[TaskInstanceModel]:
    return list(session.scalars(select(TaskInstanceModel).where(TaskInstanceModel.dag_run_id == dag_run_pk)))
