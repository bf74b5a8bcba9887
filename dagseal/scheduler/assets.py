"""Asset-triggered runs (Airflow 3's data-aware scheduling): each pass creates a run for every
active, unpaused DAG whose schedule condition (all / any, nested) the queued asset updates
satisfy, then empties its queue. Events and the queue are written by ``dagseal.db.assets``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dagseal.db.models import AssetDagRunQueueModel, AssetModel, DagModel
from dagseal.lifecycle.locking import skip_locked
from dagseal.placement import Placement
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import _insert_run, new_queued_run
from dagseal.scheduler.timetable import DagRunInfo

ASSET_RUN_TYPE = "asset_triggered"


def condition_met(condition: dict[str, Any], updated: set[tuple[str, str]]) -> bool:
    """Whether the updated assets (name, uri) satisfy an all / any / asset condition."""
    if "asset" in condition:
        return (condition["asset"]["name"], condition["asset"]["uri"]) in updated
    if "all" in condition:
        return all(condition_met(item, updated) for item in condition["all"])
    return any(condition_met(item, updated) for item in condition["any"])


def create_asset_triggered_runs(
    session: Session, bag: SerializedDagBag, now: datetime, placement: Placement
) -> int:
    """A run for every consumer whose queued asset updates satisfy its schedule; returns runs created."""
    queued = session.execute(
        skip_locked(
            session,
            select(AssetDagRunQueueModel.target_dag_id, AssetModel.name, AssetModel.uri).join(
                AssetModel, AssetModel.id == AssetDagRunQueueModel.asset_id
            ),
            of=AssetDagRunQueueModel,
        )
    ).all()
    updated: dict[str, set[tuple[str, str]]] = {}
    for dag_id, name, uri in queued:
        updated.setdefault(dag_id, set()).add((name, uri))
    created = 0
    for dag_id, assets in sorted(updated.items()):
        dag = session.get(DagModel, dag_id)
        if dag is None or not dag.is_active or dag.is_paused or dag.latest_dag_hash is None:
            continue  # the updates wait in the queue, as in Airflow
        schedule = bag.get(session, dag.latest_dag_hash).schedule
        if schedule.kind != "assets" or not schedule.assets or not condition_met(schedule.assets, assets):
            continue
        run_id = f"{ASSET_RUN_TYPE}__{now.isoformat()}"
        run = new_queued_run(session, dag, run_id, ASSET_RUN_TYPE, DagRunInfo(now, now), now, placement)
        if _insert_run(session, run):
            created += 1
            session.execute(
                delete(AssetDagRunQueueModel).where(AssetDagRunQueueModel.target_dag_id == dag_id)
            )
    return created
