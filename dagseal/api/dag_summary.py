"""What the DAG list shows beside each ``dag`` row: team, last run, current image, import error.

Shared by ``GET /api/v2/dags`` and the UI's DAG list; a page costs three queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dagseal.api.access import team_of
from dagseal.db.models import DagModel, DagRunModel, ImportErrorModel
from dagseal.deploy.deployments import current_deployment
from dagseal.deploy.published import entries, entry_for_path


@dataclass(frozen=True)
class DagSummary:
    dag: DagModel
    team: str | None
    last_run_id: str | None
    last_run_state: str | None
    last_run_logical_date: datetime | None
    current_image_digest: str | None
    has_import_errors: bool


def summarize(session: Session, dags: Sequence[DagModel]) -> list[DagSummary]:
    ids = [dag.dag_id for dag in dags]
    latest = (
        select(DagRunModel.dag_id, func.max(DagRunModel.id).label("run_pk"))
        .where(DagRunModel.dag_id.in_(ids))
        .group_by(DagRunModel.dag_id)
        .subquery()
    )
    runs = {
        row.dag_id: row
        for row in session.execute(
            select(DagRunModel.dag_id, DagRunModel.run_id, DagRunModel.state, DagRunModel.logical_date).join(
                latest, DagRunModel.id == latest.c.run_pk
            )
        )
    }
    files = {dag.fileloc for dag in dags}
    broken = set(
        session.scalars(select(ImportErrorModel.filename).where(ImportErrorModel.filename.in_(files)))
    )
    deployment = current_deployment(session)
    repos = [] if deployment is None else entries(deployment.digest_map)
    summaries = []
    for dag in dags:
        run = runs.get(dag.dag_id)
        entry = entry_for_path(repos, dag.fileloc)
        summaries.append(
            DagSummary(
                dag=dag,
                team=team_of(dag.processor_subdir),
                last_run_id=None if run is None else run.run_id,
                last_run_state=None if run is None else run.state,
                last_run_logical_date=None if run is None else run.logical_date,
                current_image_digest=None if entry is None else entry.manifest_digest,
                has_import_errors=dag.fileloc in broken,
            )
        )
    return summaries
