"""Pages across DAGs: import errors (team-scoped) and deployments with rollback (admins)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from dagseal.api.database import Session
from dagseal.api.routes.deployments import RollbackBody, get_deployments, rollback_deployment
from dagseal.api.routes.import_errors import list_import_errors
from dagseal.api.ui.common import CsrfChecked, PageUser, back_to, render, require_admin
from dagseal.api.ui.crud_pages import all_rows
from dagseal.errors import DagsealError

router = APIRouter(include_in_schema=False)


@router.get("/import-errors", response_class=HTMLResponse)
def import_errors(request: Request, session: Session, user: PageUser) -> HTMLResponse:
    page = list_import_errors(session, user, all_rows(request))
    return render(request, "import_errors.html", user, page=page)


@router.get("/deployments", response_class=HTMLResponse)
def deployments(request: Request, session: Session, user: PageUser, error: str | None = None) -> HTMLResponse:
    page = get_deployments(session, user, all_rows(request))
    return render(request, "deployments.html", user, page=page, error=error)


@router.post("/deployments/rollback", dependencies=[CsrfChecked])
def rollback(request: Request, user: PageUser, deployment_id: Annotated[int, Form()]) -> RedirectResponse:
    require_admin(user, "roll back")
    try:
        rollback_deployment(request, RollbackBody(deployment_id=deployment_id), user)
    except DagsealError as exc:
        return back_to(f"/deployments?error={quote(str(exc).splitlines()[0])}")
    return back_to("/deployments")
