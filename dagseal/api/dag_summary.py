"""What the DAG list shows beside each ``dag`` row: team, last run, current image, import error.

Shared by ``GET /api/v2/dags`` and the UI's DAG list; a page costs five queries whatever its size,
each an index lookup bounded by the page (not by how many runs the DAGs ever had).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
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


def _latest_runs(session: Session, ids: Sequence[str]) -> dict[str, Row[Any]]:
    """Each DAG's newest run, in two index lookups: the newest run id per DAG (by ``dag_id``), then
    those rows by primary key. One join of the two lets PostgreSQL's planner hash-join the whole
    ``dag_run`` table, which grows with every run ever made; these grow with the page only."""
    newest = session.scalars(
        select(func.max(DagRunModel.id)).where(DagRunModel.dag_id.in_(ids)).group_by(DagRunModel.dag_id)
    ).all()
    rows = session.execute(
        select(DagRunModel.dag_id, DagRunModel.run_id, DagRunModel.state, DagRunModel.logical_date).where(
            DagRunModel.id.in_(newest)
        )
    )
    return {row.dag_id: row for row in rows}


def summarize(session: Session, dags: Sequence[DagModel]) -> list[DagSummary]:
    runs = _latest_runs(session, [dag.dag_id for dag in dags])
    files = {dag.fileloc for dag in dags}
    broken = set(
        session.scalars(select(ImportErrorModel.filename).where(ImportErrorModel.filename.in_(files)))
    )
    deployment = current_deployment(session)
    repos = [] if deployment is None else entries(deployment.digest_map)
    # a DAG's image is its directory's: matched once per directory, not once per DAG
    by_dir = {
        folder: entry_for_path(repos, folder) for folder in {posixpath.dirname(d.fileloc) for d in dags}
    }
    summaries = []
    for dag in dags:
        run = runs.get(dag.dag_id)
        entry = by_dir[posixpath.dirname(dag.fileloc)]
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
