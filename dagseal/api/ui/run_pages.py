"""A run's page (version, image, deployment, conf, data interval, graph colored by state) and a
task try's page (state, exit code, image, live log); clear and mark go through the API functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from dagseal.api.access import visible_dag, visible_run
from dagseal.api.dag_shape import DAG_SHAPES
from dagseal.api.database import Session
from dagseal.api.graph import render_svg
from dagseal.api.routes.dag_runs import DAGRunClearBody, clear_dag_run
from dagseal.api.routes.task_instances import (
    PatchTaskInstanceBody,
    mark_task_instance,
    visible_task_instance,
)
from dagseal.api.serialized import DAG_BAG
from dagseal.api.task_cells import cells_of
from dagseal.api.try_history import try_history
from dagseal.api.ui.common import ACTIVE_RUN_STATES, CsrfChecked, PageUser, back_to, forbid_viewer, render
from dagseal.db.models import TaskInstanceModel

router = APIRouter(prefix="/dags/{dag_id}/runs/{run_id}", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def run_page(request: Request, dag_id: str, run_id: str, session: Session, user: PageUser) -> HTMLResponse:
    dag = visible_dag(session, user, dag_id)
    run = visible_run(session, user, dag_id, run_id)
    tis = list(
        session.scalars(
            select(TaskInstanceModel)
            .where(TaskInstanceModel.dag_run_id == run.id)
            .order_by(TaskInstanceModel.task_id)
        )
    )
    cells = {task_id: cell for (task_id, _), cell in cells_of(tis).items()}
    svg = render_svg(DAG_SHAPES.get(session, run.dag_hash), cells)
    active = run.state in ACTIVE_RUN_STATES
    return render(request, "run.html", user, dag=dag, run=run, tis=tis, svg=svg, active=active)


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(
    request: Request,
    dag_id: str,
    run_id: str,
    task_id: str,
    session: Session,
    user: PageUser,
    map_index: Annotated[int | None, Query(ge=-1, description="a mapped task's instance")] = None,
) -> HTMLResponse:
    run = visible_run(session, user, dag_id, run_id)
    indexes = session.scalars(
        select(TaskInstanceModel.map_index)
        .where(TaskInstanceModel.dag_run_id == run.id, TaskInstanceModel.task_id == task_id)
        .order_by(TaskInstanceModel.map_index)
    ).all()
    chosen = map_index if map_index is not None else (indexes[0] if indexes else -1)
    ti = visible_task_instance(session, user, dag_id, run_id, task_id, chosen)
    task = DAG_BAG.version(session, run.dag_hash).tasks.get(task_id)
    return render(
        request,
        "task.html",
        user,
        run=run,
        ti=ti,
        task=task,
        map_indexes=[i for i in indexes if i >= 0],
        tries=range(1, ti.try_number + 1),
        history=try_history(session, ti),
    )


@router.post("/clear", dependencies=[CsrfChecked])
def clear(
    dag_id: str, run_id: str, session: Session, user: PageUser, only_failed: Annotated[bool, Form()] = False
) -> RedirectResponse:
    forbid_viewer(user)
    clear_dag_run(dag_id, run_id, DAGRunClearBody(dry_run=False, only_failed=only_failed), session, user)
    return back_to(f"/dags/{dag_id}/runs/{run_id}")


@router.post("/tasks/{task_id}/mark", dependencies=[CsrfChecked])
def mark(
    dag_id: str,
    run_id: str,
    task_id: str,
    session: Session,
    user: PageUser,
    new_state: Annotated[str, Form()],
    map_index: Annotated[int, Form(ge=-1)] = -1,
) -> RedirectResponse:
    forbid_viewer(user)
    body = PatchTaskInstanceBody(new_state=new_state)
    mark_task_instance(session, user, dag_id, run_id, task_id, map_index, body)
    mapped = f"?map_index={map_index}" if map_index >= 0 else ""
    return back_to(f"/dags/{dag_id}/runs/{run_id}/tasks/{task_id}{mapped}")
