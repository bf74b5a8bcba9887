"""One DAG's pages: the grid of runs by tasks, the graph of a version, the version diff, the trigger
form; and the pause toggle. Writes go through the API's route functions (same checks)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select

from dagseal.api.access import visible_dag
from dagseal.api.dag_shape import DAG_SHAPES
from dagseal.api.database import Session
from dagseal.api.graph import render_svg
from dagseal.api.grid_rows import grid_rows
from dagseal.api.params import params_schema
from dagseal.api.routes.dag_runs import TriggerDAGRunPostBody, trigger_dag_run
from dagseal.api.routes.dag_versions import version_rows, visible_version
from dagseal.api.routes.dags import DAGPatchBody, patch_dag
from dagseal.api.serialized import DAG_BAG
from dagseal.api.task_cells import cells_of, merged
from dagseal.api.ui.common import ACTIVE_RUN_STATES, CsrfChecked, PageUser, back_to, forbid_viewer, render
from dagseal.api.version_diff import diff_versions
from dagseal.db.models import DagCodeModel, DagRunModel, TaskInstanceModel
from dagseal.errors import DagsealError

router = APIRouter(prefix="/dags/{dag_id}", include_in_schema=False)
GRID_RUNS = 25


@router.get("/grid", response_class=HTMLResponse)
def grid(request: Request, dag_id: str, session: Session, user: PageUser) -> HTMLResponse:
    dag = visible_dag(session, user, dag_id)
    runs = list(
        session.scalars(
            select(DagRunModel)
            .where(DagRunModel.dag_id == dag_id)
            .order_by(DagRunModel.id.desc())
            .limit(GRID_RUNS)
        )
    )[::-1]
    tis = session.scalars(
        select(TaskInstanceModel).where(TaskInstanceModel.dag_run_id.in_([r.id for r in runs]))
    )
    cells = cells_of(tis)
    hashes = dict.fromkeys([dag.latest_dag_hash, *(r.dag_hash for r in reversed(runs))])
    rows = grid_rows([DAG_SHAPES.get(session, h) for h in hashes if h is not None])
    groups = {
        (row.id, run.id): merged(cells[(t, run.id)] for t in row.tasks if (t, run.id) in cells)
        for row in rows
        if row.kind == "group"
        for run in runs
    }
    active = any(r.state in ACTIVE_RUN_STATES for r in runs)
    return render(
        request, "grid.html", user, dag=dag, runs=runs, rows=rows, cells={**cells, **groups}, active=active
    )


@router.get("/graph", response_class=HTMLResponse)
def graph(
    request: Request, dag_id: str, session: Session, user: PageUser, dag_hash: str | None = None
) -> HTMLResponse:
    dag = visible_dag(session, user, dag_id)
    version = dag_hash or dag.latest_dag_hash
    if version is None:
        raise HTTPException(404, f"DAG {dag_id!r} has no parsed version")
    row = visible_version(session, user, dag_id, version)
    svg = render_svg(DAG_SHAPES.get(session, row.dag_hash))
    versions = version_rows(session, dag_id, dag.latest_dag_hash)
    return render(request, "graph.html", user, dag=dag, dag_hash=row.dag_hash, svg=svg, versions=versions)


@router.get("/versions", response_class=HTMLResponse)
def versions(
    request: Request,
    dag_id: str,
    session: Session,
    user: PageUser,
    older: str | None = None,
    newer: str | None = None,
) -> HTMLResponse:
    dag = visible_dag(session, user, dag_id)
    rows = version_rows(session, dag_id, dag.latest_dag_hash)
    images: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.image_digest and row.image_digest not in images[row.dag_hash]:
            images[row.dag_hash].append(row.image_digest)
    diff = None
    if older and newer:
        old_row, new_row = (visible_version(session, user, dag_id, h) for h in (older, newer))
        diff = diff_versions(
            DAG_BAG.get(session, older),
            DAG_BAG.get(session, newer),
            _source(session, old_row.source_digest),
            _source(session, new_row.source_digest),
        )
    hashes = list(dict.fromkeys(r.dag_hash for r in rows))
    return render(
        request,
        "versions.html",
        user,
        dag=dag,
        rows=rows,
        hashes=hashes,
        images=images,
        older=older,
        newer=newer,
        diff=diff,
    )


def _source(session: Session, digest: str) -> str:
    code = session.get(DagCodeModel, digest)
    return "" if code is None else code.source


@router.post("/pause", dependencies=[CsrfChecked])
def pause(
    dag_id: str, session: Session, user: PageUser, is_paused: Annotated[bool, Form()]
) -> RedirectResponse:
    forbid_viewer(user)
    patch_dag(dag_id, DAGPatchBody(is_paused=is_paused), session, user)
    return back_to("/dags")


def _trigger_form(
    request: Request, session: Session, user: PageUser, dag_id: str, error: str | None, conf: str
) -> HTMLResponse:
    dag = visible_dag(session, user, dag_id)
    params: dict[str, Any] = {}
    if dag.latest_dag_hash is not None:
        params = DAG_BAG.get(session, dag.latest_dag_hash).params
    schema = params_schema(params)
    response = render(request, "trigger.html", user, dag=dag, schema=schema, error=error, conf=conf)
    if error:
        response.status_code = 400
    return response


@router.get("/trigger", response_class=HTMLResponse)
def trigger_form(request: Request, dag_id: str, session: Session, user: PageUser) -> HTMLResponse:
    forbid_viewer(user)
    return _trigger_form(request, session, user, dag_id, None, "")


@router.post("/trigger", response_model=None, dependencies=[CsrfChecked])
def trigger_submit(
    request: Request,
    dag_id: str,
    session: Session,
    user: PageUser,
    conf: Annotated[str, Form()] = "{}",
    deployment_id: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    forbid_viewer(user)
    visible_dag(session, user, dag_id)
    try:
        with session.begin_nested():  # a refused trigger leaves nothing behind
            body = TriggerDAGRunPostBody(
                conf=json.loads(conf or "{}"),
                deployment_id=int(deployment_id) if deployment_id.strip() else None,
            )
            run = trigger_dag_run(request, dag_id, body, session, user)
    except (ValueError, ValidationError, DagsealError) as exc:
        return _trigger_form(request, session, user, dag_id, str(exc).splitlines()[0], conf)
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        return _trigger_form(request, session, user, dag_id, str(exc.detail), conf)
    return back_to(f"/dags/{dag_id}/grid?triggered={run.dag_run_id}")
