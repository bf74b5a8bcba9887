"""``tasks test DAG TASK``: run one task of the DAG's latest version now, in the sandbox, with no
scheduler and no database writes (the DB is only read for the pinned source)."""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.lifecycle.try_claim import pinned_dag
from dagseal.placement import Placement, dag_folder_of
from dagseal.runtime.base import RunTaskRequest, TaskOutcome
from dagseal.timeutil import utcnow


def dry_run(
    factory: sessionmaker[Session],
    placement: Placement,
    dag_id: str,
    task_id: str,
    log: BinaryIO,
    upstream_results: dict[str, Any] | None = None,
    conf: dict[str, Any] | None = None,
) -> TaskOutcome:
    with session_scope(factory) as session:
        dag_row = session.get(DagModel, dag_id)
        if dag_row is None or dag_row.latest_dag_hash is None:
            raise DagsealError(f"unknown DAG {dag_id!r}; see `dagseal dags list`")
        dag, source = pinned_dag(session, dag_row.latest_dag_hash)
        folder = dag_folder_of(dag_row)
    try:
        task = dag.get_task(task_id)
    except KeyError as exc:
        raise DagsealError(str(exc).strip("'\"")) from None
    now = utcnow()
    request = RunTaskRequest(
        id=1,
        dag_folder=folder,
        file=dag.fileloc,
        source=source,
        dag_id=dag_id,
        task_id=task_id,
        run_id=f"test__{now.isoformat()}",
        logical_date=now.isoformat(),
        params={**dag.params, **(conf or {})},  # conf overrides params, as in Airflow
        conf=dict(conf or {}),
        upstream_results=json.loads(json.dumps(upstream_results or {})),
    )
    spec = placement.task_sandbox(folder, dag.fileloc, None, task.execution_timeout)
    runtime = placement.task_runtime()
    try:
        return runtime.run_task(spec, request, log, spec.task_timeout, lambda _handle: None)
    finally:
        runtime.settle()
