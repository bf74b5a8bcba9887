"""``/dags``: the DAG list (through the API's list function, so the same team filter applies)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dagseal.api.database import Session
from dagseal.api.deps import Page
from dagseal.api.routes.dags import list_dags
from dagseal.api.ui.common import PageUser, render

router = APIRouter(include_in_schema=False)


@router.get("/dags", response_class=HTMLResponse)
def dag_list(request: Request, session: Session, user: PageUser, offset: int = 0) -> HTMLResponse:
    limit = request.app.state.settings.maximum_page_limit
    page = list_dags(session, user, Page(limit=limit, offset=max(offset, 0)))
    return render(request, "dags.html", user, page=page, offset=max(offset, 0), limit=limit)
