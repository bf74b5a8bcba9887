"""A DAG's history as the (dag_hash, image digest) pairs its runs were pinned to.

A run is pinned at creation, so this answers "what code, in which image, did each run execute"
even after the DAG file and the team's image have moved on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import DagRunModel

__all__ = ["DagVersion", "VersionRun", "dag_versions"]


@dataclass(frozen=True)
class VersionRun:
    run_id: str
    state: str
    deployment_id: int | None
    created_at: datetime


@dataclass
class DagVersion:
    """One (dag_hash, image digest) pair and the runs that executed it, oldest first."""

    dag_hash: str
    image_digest: str | None
    runs: list[VersionRun] = field(default_factory=list)


def dag_versions(session: Session, dag_id: str) -> list[DagVersion]:
    """Every version of ``dag_id`` that ran, in the order each was first used."""
    versions: dict[tuple[str, str | None], DagVersion] = {}
    runs = session.scalars(
        select(DagRunModel)
        .where(DagRunModel.dag_id == dag_id)
        .order_by(DagRunModel.created_at, DagRunModel.id)
    )
    for run in runs:
        key = (run.dag_hash, run.image_digest)
        version = versions.setdefault(key, DagVersion(dag_hash=run.dag_hash, image_digest=run.image_digest))
        version.runs.append(VersionRun(run.run_id, run.state, run.deployment_id, run.created_at))
    return list(versions.values())
