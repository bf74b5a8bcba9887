"""A run's page (version, image, deployment, conf, data interval, graph colored by state) and a
task try's page (state, exit code, image, live log); clear and mark go through the API functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from dagseal.api.access import visible_dag, visible_run
from dagseal.api.dag_shape import DAG_SHAPES
from dagseal.api.database import Session
from dagseal.api.graph import render_svg
from dagseal.api.routes.dag_runs import DAGRunClearBody, clear_dag_run
from dagseal.api.routes.task_instances import (
    PatchTaskInstanceBody,
    patch_task_instance,
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
    request: Request, dag_id: str, run_id: str, task_id: str, session: Session, user: PageUser
) -> HTMLResponse:
    ti = visible_task_instance(session, user, dag_id, run_id, task_id)
    run = visible_run(session, user, dag_id, run_id)
    task = next((t for t in DAG_BAG.get(session, run.dag_hash).tasks if t.task_id == task_id), None)
    history = try_history(session, ti)
    return render(
        request,
        "task.html",
        user,
        run=run,
        ti=ti,
        task=task,
        tries=range(1, ti.try_number + 1),
        history=history,
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
) -> RedirectResponse:
    forbid_viewer(user)
    patch_task_instance(dag_id, run_id, task_id, PatchTaskInstanceBody(new_state=new_state), session, user)
    return back_to(f"/dags/{dag_id}/runs/{run_id}/tasks/{task_id}")
