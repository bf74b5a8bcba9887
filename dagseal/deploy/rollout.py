"""``dagseal deploy`` and ``--rollback``: verify against the registry, then change the DB.

Registry checks run before the transaction opens, so a registry that is down or lacks a digest
leaves the deployment table exactly as it was.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DeploymentModel
from dagseal.db.session import session_scope
from dagseal.deploy.deployments import make_current, record_deployment, rollback_target
from dagseal.deploy.verify import verify_map
from dagseal.sandbox.protocol import PROTOCOL_VERSION

__all__ = ["deploy", "rollback"]


def deploy(
    factory: sessionmaker[Session], document: dict[str, Any], created_by: str, created_from: str
) -> DeploymentModel:
    """Verify every image of a published map, then record it as the current deployment."""
    verify_map(document, PROTOCOL_VERSION)
    with session_scope(factory) as session:
        return record_deployment(session, document, created_by, created_from)


def rollback(factory: sessionmaker[Session], deployment_id: int | None = None) -> DeploymentModel:
    """Make an earlier deployment current again, once its images are still in the registry."""
    with session_scope(factory) as session:
        target = rollback_target(session, deployment_id)
    verify_map(target.digest_map, PROTOCOL_VERSION)
    with session_scope(factory) as session:
        return make_current(session, target.id)
