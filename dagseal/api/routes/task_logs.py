"""``.../taskInstances/{task_id}/logs/{try_number}``: a piece of a try's log and where to go on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request

from dagseal.api.access import not_found
from dagseal.api.database import Session
from dagseal.api.deps import User
from dagseal.api.models import DB_INT_MAX, ERROR_RESPONSES, ResponseBody
from dagseal.api.routes.task_instances import RUN_TIS, visible_task_instance
from dagseal.api.task_log import BadContinuationToken, decode_token, encode_token, read_piece
from dagseal.lifecycle.states import TaskState
from dagseal.lifecycle.try_claim import try_log_path

router = APIRouter(prefix="/api/v2/dags/{dag_id}", tags=["Task Log"], responses=ERROR_RESPONSES)
LIVE_STATES = frozenset({TaskState.QUEUED.value, TaskState.RUNNING.value})


class TaskInstancesLogResponse(ResponseBody):
    content: list[str]
    continuation_token: str
    end_of_log: bool


@router.get(RUN_TIS + "/{task_id}/logs/{try_number}", response_model=TaskInstancesLogResponse)
def get_log(
    request: Request,
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    try_number: Annotated[int, Path(ge=1, le=DB_INT_MAX)],
    session: Session,
    user: User,
    token: Annotated[
        str | None, Query(max_length=200, description="continuation_token of the last piece")
    ] = None,
    map_index: Annotated[int, Query(ge=-1, le=DB_INT_MAX, description="-1: an unmapped task")] = -1,
) -> TaskInstancesLogResponse:
    ti = visible_task_instance(session, user, dag_id, dag_run_id, task_id, map_index)
    if try_number > ti.try_number:
        raise not_found(f"try {try_number} of task instance {task_id!r} (it has {ti.try_number})")
    try:
        offset = decode_token(token)
    except BadContinuationToken as exc:
        raise HTTPException(400, f"token: {exc}") from None
    live = try_number == ti.try_number and ti.state in LIVE_STATES
    folder = request.app.state.settings.base_log_folder
    path = try_log_path(folder, dag_id, dag_run_id, task_id, try_number, map_index)
    piece = read_piece(path, offset, final=not live)
    return TaskInstancesLogResponse(
        content=piece.lines,
        continuation_token=encode_token(piece.next_offset),
        end_of_log=not live and piece.next_offset == offset,
    )
