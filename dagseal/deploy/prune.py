"""``dagseal images prune``: drop local dagseal images no recent deployment references.

Kept: images of deployments created within the retention window, of the current deployment
(however old), and of deployments pinned by runs that have not finished — their retries must
still find their image. Only images carrying the sandbox protocol label are considered, so
images that are not dagseal's are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dagseal.db.models import DagRunModel, DeploymentModel
from dagseal.deploy.published import entries
from dagseal.sandbox.protocol import PROTOCOL_LABEL

if TYPE_CHECKING:
    import docker

__all__ = ["LocalImage", "PrunePlan", "apply_prune", "plan_prune"]

_UNFINISHED = ("queued", "running")


@dataclass(frozen=True)
class LocalImage:
    image_id: str
    references: tuple[str, ...]  # repo digests and tags, as `docker images` knows them
    size: int


@dataclass(frozen=True)
class PrunePlan:
    cutoff: datetime
    remove: list[LocalImage]
    keep: list[LocalImage]


def _kept_digests(session: Session, cutoff: datetime) -> set[str]:
    """Manifest digests and image ids of every deployment that must stay runnable."""
    pinned = select(DagRunModel.deployment_id).where(DagRunModel.state.in_(_UNFINISHED))
    deployments = session.scalars(
        select(DeploymentModel).where(
            or_(
                DeploymentModel.created_at >= cutoff,
                DeploymentModel.is_current,
                DeploymentModel.id.in_(pinned),
            )
        )
    )
    kept: set[str] = set()
    for deployment in deployments:
        for entry in entries(deployment.digest_map):
            kept.update((entry.manifest_digest, entry.image_id))
    return kept


def plan_prune(
    session: Session, client: docker.DockerClient, retention_days: float, now: datetime
) -> PrunePlan:
    """Split the local dagseal images into those to remove and those a deployment still needs."""
    cutoff = now - timedelta(days=retention_days)
    kept = _kept_digests(session, cutoff)
    remove, keep = [], []
    for image in client.images.list(filters={"label": PROTOCOL_LABEL}):
        repo_digests = tuple(image.attrs.get("RepoDigests") or ())
        local = LocalImage(image.id, repo_digests + tuple(image.tags), int(image.attrs.get("Size", 0)))
        digests = {image.id} | {ref.rpartition("@")[2] for ref in repo_digests}
        (keep if digests & kept else remove).append(local)
    return PrunePlan(cutoff=cutoff, remove=remove, keep=keep)


def apply_prune(client: docker.DockerClient, plan: PrunePlan) -> list[tuple[LocalImage, str | None]]:
    """Remove the planned images; an image still used by a container is left, with the reason."""
    import docker.errors

    outcomes: list[tuple[LocalImage, str | None]] = []
    for image in plan.remove:
        try:
            for reference in image.references:
                client.images.remove(reference)
            if _exists(client, image.image_id):  # removing the last reference already deleted it
                client.images.remove(image.image_id)
            outcomes.append((image, None))
        except docker.errors.APIError as exc:
            outcomes.append((image, (exc.explanation or str(exc)).splitlines()[0]))
    return outcomes


def _exists(client: docker.DockerClient, image_id: str) -> bool:
    import docker.errors

    try:
        client.images.get(image_id)
    except docker.errors.ImageNotFound:
        return False
    return True
