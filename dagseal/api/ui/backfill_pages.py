"""A DAG's backfills page: each backfill with its state and its runs, pause/unpause/cancel
buttons, and the create form; everything through the ``/api/v2/backfills`` route functions."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from dagseal.api.access import visible_dag
from dagseal.api.database import Session
from dagseal.api.deps import Page
from dagseal.api.routes import backfills
from dagseal.api.ui.common import CsrfChecked, PageUser, forbid_viewer, render
from dagseal.api.ui.crud_pages import OptionalText, attempt, form_int, given

router = APIRouter(prefix="/dags/{dag_id}/backfills", include_in_schema=False)
ACTIONS = {
    "pause": backfills.pause_backfill,
    "unpause": backfills.unpause_backfill,
    "cancel": backfills.cancel_backfill_route,
}


@router.get("", response_class=HTMLResponse)
def backfills_page(
    request: Request, dag_id: str, session: Session, user: PageUser, error: str | None = None
) -> HTMLResponse:
    dag = visible_dag(session, user, dag_id)
    limit = request.app.state.settings.maximum_page_limit
    page = backfills.list_backfills(session, user, Page(limit=limit, offset=0), dag_id=dag_id)
    runs = {b.id: backfills.backfill_runs(session, b.id) for b in page.backfills}
    return render(request, "backfills.html", user, dag=dag, page=page, runs=runs, error=error)


def _conf(text: str) -> Any:
    """The form's JSON conf; text that is not JSON goes on as text, refused by the API by field."""
    try:
        return json.loads(text)
    except ValueError:
        return text


@router.post("", dependencies=[CsrfChecked])
def backfill_create(
    request: Request,
    dag_id: str,
    session: Session,
    user: PageUser,
    from_date: OptionalText = "",
    to_date: OptionalText = "",
    reprocess_behavior: OptionalText = "none",
    max_active_runs: OptionalText = "",
    dag_run_conf: OptionalText = "",
    run_backwards: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    forbid_viewer(user)
    form = given(
        {
            "from_date": from_date,
            "to_date": to_date,
            "reprocess_behavior": reprocess_behavior,
            "max_active_runs": form_int(max_active_runs),
            "dag_run_conf": _conf(dag_run_conf) if dag_run_conf.strip() else "",
        }
    )

    def create() -> object:
        body = backfills.BackfillPostBody(dag_id=dag_id, run_backwards=run_backwards, **form)
        return backfills.create_backfill_route(request, body, session, user)

    back = f"/dags/{quote(dag_id)}/backfills"
    return attempt(session, f"{back}?", create, back)


@router.post("/{backfill_id:int}/{action}", dependencies=[CsrfChecked])
def backfill_action(
    dag_id: str,
    backfill_id: backfills.BackfillId,
    action: Literal["pause", "unpause", "cancel"],
    session: Session,
    user: PageUser,
) -> RedirectResponse:
    forbid_viewer(user)
    back = f"/dags/{quote(dag_id)}/backfills"
    return attempt(session, f"{back}?", lambda: ACTIONS[action](backfill_id, session, user), back)
