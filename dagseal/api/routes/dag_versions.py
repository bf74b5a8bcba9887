"""``/api/v2/dags/{dag_id}/dagVersions``: every dag_hash of a DAG, and per image it ran in, the
deployment and the first and last run (from ``dagseal.deploy.versions``, as ``dags versions``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from dagseal.api.access import not_found, visible_dag
from dagseal.api.database import Session
from dagseal.api.deps import User
from dagseal.api.models import ERROR_RESPONSES, ResponseBody
from dagseal.db.models import SerializedDagModel
from dagseal.deploy.versions import dag_versions

router = APIRouter(prefix="/api/v2/dags/{dag_id}/dagVersions", tags=["DagVersion"], responses=ERROR_RESPONSES)


class DagVersionResponse(ResponseBody):
    dag_id: str
    dag_hash: str
    created_at: datetime
    source_digest: str
    is_latest: bool
    image_digest: str | None
    deployment_id: int | None
    run_count: int
    first_run_id: str | None
    first_run_at: datetime | None
    last_run_id: str | None
    last_run_at: datetime | None


class DagVersionCollectionResponse(ResponseBody):
    dag_versions: list[DagVersionResponse]
    total_entries: int


class DagVersionDetailResponse(ResponseBody):
    dag_hash: str
    dag_id: str
    created_at: datetime
    serialized_dag: dict[str, Any]


def version_rows(session: Session, dag_id: str, latest: str | None) -> list[DagVersionResponse]:
    """Newest first: one row per (dag_hash, image digest) that ran, and one per hash never run."""
    serialized = session.scalars(
        select(SerializedDagModel)
        .where(SerializedDagModel.dag_id == dag_id)
        .order_by(SerializedDagModel.created_at.desc(), SerializedDagModel.dag_hash)
    ).all()
    ran: dict[str, list[Any]] = {}
    for version in dag_versions(session, dag_id):
        ran.setdefault(version.dag_hash, []).append(version)
    rows = []
    for row in serialized:
        common = {
            "dag_id": dag_id,
            "dag_hash": row.dag_hash,
            "created_at": row.created_at,
            "source_digest": row.source_digest,
            "is_latest": row.dag_hash == latest,
        }
        for version in ran.get(row.dag_hash) or [None]:
            runs = [] if version is None else version.runs
            rows.append(
                DagVersionResponse(
                    **common,
                    image_digest=None if version is None else version.image_digest,
                    deployment_id=runs[-1].deployment_id if runs else None,
                    run_count=len(runs),
                    first_run_id=runs[0].run_id if runs else None,
                    first_run_at=runs[0].created_at if runs else None,
                    last_run_id=runs[-1].run_id if runs else None,
                    last_run_at=runs[-1].created_at if runs else None,
                )
            )
    return rows


@router.get("", response_model=DagVersionCollectionResponse)
def list_dag_versions(dag_id: str, session: Session, user: User) -> DagVersionCollectionResponse:
    dag = visible_dag(session, user, dag_id)
    rows = version_rows(session, dag_id, dag.latest_dag_hash)
    return DagVersionCollectionResponse(dag_versions=rows, total_entries=len(rows))


def visible_version(session: Session, user: User, dag_id: str, dag_hash: str) -> SerializedDagModel:
    visible_dag(session, user, dag_id)
    row = session.get(SerializedDagModel, dag_hash)
    if row is None or row.dag_id != dag_id:
        raise not_found(f"version {dag_hash!r} of DAG {dag_id!r}")
    return row


@router.get("/{dag_hash}", response_model=DagVersionDetailResponse)
def get_dag_version(dag_id: str, dag_hash: str, session: Session, user: User) -> DagVersionDetailResponse:
    row = visible_version(session, user, dag_id, dag_hash)
    return DagVersionDetailResponse(
        dag_hash=row.dag_hash,
        dag_id=row.dag_id,
        created_at=row.created_at,
        serialized_dag=json.loads(row.data)["dag"],
    )
