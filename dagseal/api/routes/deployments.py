"""``/api/v2/deployments``: history, the current one, and rollback (admins; verified against the
registry by ``dagseal.deploy.rollout.rollback``, exactly as ``dagseal deploy --rollback``).

A non-admin sees each deployment's images of its own team only."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath

from fastapi import APIRouter, Request
from pydantic import Field

from dagseal.api.access import not_found
from dagseal.api.auth.users import CurrentUser
from dagseal.api.database import Session
from dagseal.api.deps import Admin, Paging, User
from dagseal.api.models import DB_INT_MAX, ERROR_RESPONSES, RequestBody, ResponseBody
from dagseal.db.models import DeploymentModel
from dagseal.deploy.deployments import current_deployment, list_deployments
from dagseal.deploy.published import entries
from dagseal.deploy.rollout import rollback

router = APIRouter(prefix="/api/v2/deployments", tags=["Deployment"], responses=ERROR_RESPONSES)


class DeploymentImage(ResponseBody):
    dag_dir: str
    manifest_digest: str
    registry_ref: str | None


class DeploymentResponse(ResponseBody):
    id: int
    created_at: datetime
    created_by: str | None
    created_from: str | None
    is_current: bool
    images: list[DeploymentImage]

    @classmethod
    def of(cls, row: DeploymentModel, user: CurrentUser) -> DeploymentResponse:
        images = [
            DeploymentImage(
                dag_dir=entry.dag_dir,
                manifest_digest=entry.manifest_digest,
                registry_ref=None if entry.registry_ref is None else str(entry.registry_ref),
            )
            for entry in entries(row.digest_map)
            if user.team is None or PurePosixPath(entry.dag_dir).name == user.team
        ]
        return cls(
            id=row.id,
            created_at=row.created_at,
            created_by=row.created_by,
            created_from=row.created_from,
            is_current=row.is_current,
            images=images,
        )


class DeploymentCollectionResponse(ResponseBody):
    deployments: list[DeploymentResponse]
    total_entries: int


class RollbackBody(RequestBody):
    deployment_id: int | None = Field(default=None, ge=1, le=DB_INT_MAX)


@router.get("", response_model=DeploymentCollectionResponse)
def get_deployments(session: Session, user: User, page: Paging) -> DeploymentCollectionResponse:
    rows = list_deployments(session)
    shown = rows[page.offset : page.offset + page.limit]
    return DeploymentCollectionResponse(
        deployments=[DeploymentResponse.of(r, user) for r in shown], total_entries=len(rows)
    )


@router.get("/current", response_model=DeploymentResponse)
def get_current_deployment(session: Session, user: User) -> DeploymentResponse:
    row = current_deployment(session)
    if row is None:
        raise not_found("current deployment (nothing deployed yet)")
    return DeploymentResponse.of(row, user)


@router.post("/rollback", response_model=DeploymentResponse)
def rollback_deployment(request: Request, body: RollbackBody, user: Admin) -> DeploymentResponse:
    """Make deployment ``deployment_id`` (default: the one before the current) current again."""
    row = rollback(request.app.state.session_factory, body.deployment_id)
    return DeploymentResponse.of(row, user)
