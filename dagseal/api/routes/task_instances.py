"""``/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances``: list, get, mark (a mapped task's
instances by ``/{task_id}/{map_index}``, as Airflow 3); and ``/api/v2/dags/{dag_id}/clearTaskInstances``
(the host's ``tasks clear``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import Field
from sqlalchemy import select

from dagseal.api.access import not_found, visible_run
from dagseal.api.database import Session
from dagseal.api.deps import Actor, Paging, User, paginate
from dagseal.api.models import DB_INT_MAX, ERROR_RESPONSES, RequestBody, ResponseBody
from dagseal.api.routes.dag_runs import ClearedTaskInstancesResponse
from dagseal.db.models import TaskInstanceModel
from dagseal.lifecycle.marking import mark_task
from dagseal.lifecycle.states import TaskState
from dagseal.scheduler.clearing import clear_tasks
from dagseal.timeutil import utcnow

router = APIRouter(prefix="/api/v2/dags/{dag_id}", tags=["TaskInstance"], responses=ERROR_RESPONSES)
RUN_TIS = "/dagRuns/{dag_run_id}/taskInstances"
MapIndex = Annotated[int, Path(ge=0, le=DB_INT_MAX, description="one instance of a mapped task")]


class TaskInstanceResponse(ResponseBody):
    task_id: str
    dag_id: str
    dag_run_id: str = Field(validation_alias="run_id")
    map_index: int = -1
    state: str | None
    try_number: int
    max_tries: int
    priority_weight: int
    scheduled_dttm: datetime | None = Field(validation_alias="scheduled_dttm")
    queued_when: datetime | None = Field(validation_alias="queued_dttm")
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    hostname: str | None
    pid: int | None
    exit_code: int | None
    image_digest: str | None
    executor_state: str | None
    error: str | None


class TaskInstanceCollectionResponse(ResponseBody):
    task_instances: list[TaskInstanceResponse]
    total_entries: int


class PatchTaskInstanceBody(RequestBody):
    new_state: Literal["success", "failed"]


class ClearTaskInstancesBody(RequestBody):
    dag_run_id: str = Field(min_length=1)
    task_ids: list[str] | None = None
    include_downstream: bool = False
    dry_run: bool = True


def visible_task_instance(
    session: Session, user: User, dag_id: str, dag_run_id: str, task_id: str, map_index: int = -1
) -> TaskInstanceModel:
    """The task instance at ``map_index`` (-1: an unmapped task's only one), or 404 saying which."""
    run = visible_run(session, user, dag_id, dag_run_id)
    ti = session.scalar(
        select(TaskInstanceModel).where(
            TaskInstanceModel.dag_run_id == run.id,
            TaskInstanceModel.task_id == task_id,
            TaskInstanceModel.map_index == map_index,
        )
    )
    if ti is not None:
        return ti
    if map_index < 0 and _is_mapped(session, run.id, task_id):
        raise not_found(f"task {task_id!r} of run {dag_run_id!r} is mapped: add its map_index to the URL")
    where = f"map index {map_index} of task {task_id!r}" if map_index >= 0 else f"task instance {task_id!r}"
    raise not_found(f"{where} of run {dag_run_id!r}")


def _is_mapped(session: Session, dag_run_id: int, task_id: str) -> bool:
    return (
        session.scalar(
            select(TaskInstanceModel.id)
            .where(
                TaskInstanceModel.dag_run_id == dag_run_id,
                TaskInstanceModel.task_id == task_id,
                TaskInstanceModel.map_index >= 0,
            )
            .limit(1)
        )
        is not None
    )


@router.get(RUN_TIS, response_model=TaskInstanceCollectionResponse)
def list_task_instances(
    dag_id: str, dag_run_id: str, session: Session, user: User, page: Paging
) -> TaskInstanceCollectionResponse:
    run = visible_run(session, user, dag_id, dag_run_id)
    condition = TaskInstanceModel.dag_run_id == run.id
    tis, total = paginate(
        session, TaskInstanceModel, condition, TaskInstanceModel.task_id, page, TaskInstanceModel.map_index
    )
    return TaskInstanceCollectionResponse(
        task_instances=[TaskInstanceResponse.model_validate(ti) for ti in tis], total_entries=total
    )


@router.get(RUN_TIS + "/{task_id}", response_model=TaskInstanceResponse)
def get_task_instance(
    dag_id: str, dag_run_id: str, task_id: str, session: Session, user: User
) -> TaskInstanceResponse:
    return TaskInstanceResponse.model_validate(
        visible_task_instance(session, user, dag_id, dag_run_id, task_id)
    )


@router.get(RUN_TIS + "/{task_id}/{map_index}", response_model=TaskInstanceResponse)
def get_mapped_task_instance(
    dag_id: str, dag_run_id: str, task_id: str, map_index: MapIndex, session: Session, user: User
) -> TaskInstanceResponse:
    return TaskInstanceResponse.model_validate(
        visible_task_instance(session, user, dag_id, dag_run_id, task_id, map_index)
    )


@router.patch(RUN_TIS + "/{task_id}", response_model=TaskInstanceResponse)
def patch_task_instance(
    dag_id: str, dag_run_id: str, task_id: str, body: PatchTaskInstanceBody, session: Session, user: Actor
) -> TaskInstanceResponse:
    return mark_task_instance(session, user, dag_id, dag_run_id, task_id, -1, body)


@router.patch(RUN_TIS + "/{task_id}/{map_index}", response_model=TaskInstanceResponse)
def patch_mapped_task_instance(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: MapIndex,
    body: PatchTaskInstanceBody,
    session: Session,
    user: Actor,
) -> TaskInstanceResponse:
    return mark_task_instance(session, user, dag_id, dag_run_id, task_id, map_index, body)


def mark_task_instance(
    session: Session,
    user: User,
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: int,
    body: PatchTaskInstanceBody,
) -> TaskInstanceResponse:
    """Both PATCH routes and the task page's mark buttons."""
    ti = visible_task_instance(session, user, dag_id, dag_run_id, task_id, map_index)
    mark_task(session, ti, TaskState(body.new_state), utcnow())
    return TaskInstanceResponse.model_validate(ti)


@router.post("/clearTaskInstances", response_model=ClearedTaskInstancesResponse)
def clear_task_instances(
    dag_id: str, body: ClearTaskInstancesBody, session: Session, user: Actor
) -> ClearedTaskInstancesResponse:
    run = visible_run(session, user, dag_id, body.dag_run_id)
    if body.dry_run:
        tis = session.scalars(
            select(TaskInstanceModel.task_id).where(TaskInstanceModel.dag_run_id == run.id)
        ).all()
        chosen = sorted(tis if body.task_ids is None else set(tis) & set(body.task_ids))
        return ClearedTaskInstancesResponse(task_ids=chosen, total_entries=len(chosen))
    cleared = clear_tasks(session, dag_id, body.dag_run_id, body.task_ids, body.include_downstream)
    return ClearedTaskInstancesResponse(task_ids=cleared, total_entries=len(cleared))
