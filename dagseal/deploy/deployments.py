"""Deployments in the DB: which published digest map new DAG runs take, and its history.

The current deployment lives in the database, not in a file, so every processor and scheduler
host agrees on it without sharing a disk; rollback just makes an older row current again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dagseal.db.models import DeploymentModel
from dagseal.deploy.errors import DeployError
from dagseal.deploy.published import MapEntry, entries, find_entry

__all__ = [
    "RunPin",
    "current_deployment",
    "image_for_dag_directory",
    "image_ref_for_run",
    "image_ref_in",
    "list_deployments",
    "make_current",
    "pin_for_new_run",
    "pin_to_deployment",
    "record_deployment",
    "rollback_target",
]


@dataclass(frozen=True)
class RunPin:
    """What a new DAG run is pinned to: the image digest and the deployment it came from."""

    image_digest: str
    deployment_id: int
    image_ref: str


def record_deployment(
    session: Session, document: dict[str, Any], created_by: str, created_from: str
) -> DeploymentModel:
    """Store a verified map as a new deployment and make it the only current one."""
    session.execute(update(DeploymentModel).where(DeploymentModel.is_current).values(is_current=False))
    deployment = DeploymentModel(
        digest_map=document, created_by=created_by, created_from=created_from, is_current=True
    )
    session.add(deployment)
    session.flush()
    return deployment


def current_deployment(session: Session) -> DeploymentModel | None:
    """The deployment new runs take, or None before the first ``dagseal deploy``."""
    return session.scalars(
        select(DeploymentModel).where(DeploymentModel.is_current).order_by(DeploymentModel.id.desc())
    ).first()


def list_deployments(session: Session) -> list[DeploymentModel]:
    """All deployments, newest first."""
    return list(session.scalars(select(DeploymentModel).order_by(DeploymentModel.id.desc())))


def rollback_target(session: Session, deployment_id: int | None = None) -> DeploymentModel:
    """Deployment ``deployment_id``, or by default the one created before the current one."""
    if deployment_id is not None:
        target = session.get(DeploymentModel, deployment_id)
        if target is None:
            raise DeployError(f"no deployment {deployment_id} (see dagseal deploy --list)")
        return target
    current = current_deployment(session)
    if current is None:
        raise DeployError("nothing to roll back: there is no current deployment")
    target = session.scalars(
        select(DeploymentModel).where(DeploymentModel.id < current.id).order_by(DeploymentModel.id.desc())
    ).first()
    if target is None:
        raise DeployError(f"nothing to roll back to: deployment {current.id} is the first one")
    return target


def make_current(session: Session, deployment_id: int) -> DeploymentModel:
    """Make an existing deployment the only current one (rollback, or roll forward again)."""
    target = rollback_target(session, deployment_id)
    session.execute(update(DeploymentModel).where(DeploymentModel.is_current).values(is_current=False))
    target.is_current = True
    session.flush()
    return target


def image_for_dag_directory(session: Session, path: str) -> tuple[DeploymentModel, MapEntry] | None:
    """The current deployment and its repo holding ``path`` (DAG directory or file), if any."""
    deployment = current_deployment(session)
    if deployment is None:
        return None
    entry = find_entry(deployment.digest_map, path)
    return None if entry is None else (deployment, entry)


def pin_for_new_run(session: Session, path: str) -> RunPin | None:
    """The (image digest, deployment) a DAG run created now for the DAG at ``path`` is pinned to.

    None when nothing is deployed or the current map has no repo for ``path`` (the run then
    takes whatever image resolution gives, unpinned to a deployment).
    """
    found = image_for_dag_directory(session, path)
    if found is None:
        return None
    deployment, entry = found
    return _pin(deployment, entry)


def pin_to_deployment(session: Session, deployment_id: int, path: str) -> RunPin:
    """The pin of a run asked to use deployment ``deployment_id`` (current or not) for ``path``."""
    deployment = session.get(DeploymentModel, deployment_id)
    if deployment is None:
        raise DeployError(f"no deployment {deployment_id} (see dagseal deploy --list)")
    entry = find_entry(deployment.digest_map, path)
    if entry is None:
        raise DeployError(f"deployment {deployment_id} has no image for the DAG directory of {path}")
    return _pin(deployment, entry)


def _pin(deployment: DeploymentModel, entry: MapEntry) -> RunPin:
    ref = entry.require_ref()
    return RunPin(image_digest=ref.digest, deployment_id=deployment.id, image_ref=str(ref))


def image_ref_for_run(session: Session, image_digest: str | None, deployment_id: int | None) -> str | None:
    """The pull reference of the image an existing run is pinned to (retries and re-runs use it).

    Looked up in the run's own deployment, not the current one, so an old run keeps its image
    after later deploys and rollbacks. None for a run not pinned to a deployment.
    """
    if image_digest is None or deployment_id is None:
        return None
    deployment = session.get(DeploymentModel, deployment_id)
    return image_ref_in(None if deployment is None else deployment.digest_map, image_digest, deployment_id)


def image_ref_in(
    digest_map: dict[str, Any] | None, image_digest: str | None, deployment_id: int | None
) -> str | None:
    """``image_ref_for_run`` on a deployment's map the caller already loaded (None: the row is gone),
    e.g. by the join of a try's claim."""
    if image_digest is None or deployment_id is None:
        return None
    if digest_map is None:
        raise DeployError(f"deployment {deployment_id} pinned by a run no longer exists")
    for entry in entries(digest_map):
        if entry.manifest_digest == image_digest:
            return str(entry.require_ref())
    raise DeployError(f"deployment {deployment_id} has no image {image_digest}")
