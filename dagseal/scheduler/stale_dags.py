"""Stale-DAG cleanup (AIP-43): DAGs no processor refreshed within ``stale_dag_threshold`` become inactive.

Covers processors that were stopped or moved to other directories and left their DAGs behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from dagseal.db.models import DagModel


def deactivate_stale_dags(session: Session, now: datetime, threshold: float) -> int:
    """Mark active DAGs not parsed for ``threshold`` seconds inactive; returns how many."""
    cutoff = now - timedelta(seconds=threshold)
    return session.execute(
        update(DagModel)
        .where(
            DagModel.is_active.is_(True),
            or_(DagModel.last_parsed_time.is_(None), DagModel.last_parsed_time < cutoff),
        )
        .values(is_active=False)
        .execution_options(synchronize_session=False)
    ).rowcount
