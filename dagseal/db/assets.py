"""Asset rows, which DAGs are scheduled on them, and the events task outlets emit (host side).

The processor registers a DAG's assets when it stores a version; a supervisor emits events when a
task with outlets succeeds; ``dagseal.scheduler.assets`` turns queued updates into runs. Assets
are global (name, uri), so producer and consumer may live in different teams' directories.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dagseal.db.models import (
    AssetDagRunQueueModel,
    AssetEventModel,
    AssetModel,
    DagScheduleAssetReferenceModel,
)


def condition_assets(condition: dict[str, Any] | None) -> Iterable[dict[str, str]]:
    """Every asset key an all / any / asset condition names."""
    if not condition:
        return
    if "asset" in condition:
        yield condition["asset"]
    for item in condition.get("all", []) + condition.get("any", []):
        yield from condition_assets(item)


def asset_id(session: Session, key: dict[str, str]) -> int:
    """The asset's id, creating the row if needed (a concurrent creator wins harmlessly)."""
    query = select(AssetModel.id).where(AssetModel.name == key["name"], AssetModel.uri == key["uri"])
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            row = AssetModel(name=key["name"], uri=key["uri"], extra={})
            session.add(row)
        return row.id
    except IntegrityError:
        return session.scalar(query)


def register_dag_assets(session: Session, dag: dict[str, Any]) -> None:
    """Called when a DAG version is stored: its assets exist, and it is (only) a consumer of the
    assets its schedule names."""
    for task in dag.get("tasks", []):
        for key in task.get("outlets") or []:
            asset_id(session, key)
    schedule = dag.get("schedule") or {}
    wanted = {asset_id(session, key) for key in condition_assets(schedule.get("assets"))}
    current = set(
        session.scalars(
            select(DagScheduleAssetReferenceModel.asset_id).where(
                DagScheduleAssetReferenceModel.dag_id == dag["dag_id"]
            )
        )
    )
    if current - wanted:
        session.execute(
            delete(DagScheduleAssetReferenceModel).where(
                DagScheduleAssetReferenceModel.dag_id == dag["dag_id"],
                DagScheduleAssetReferenceModel.asset_id.in_(current - wanted),
            )
        )
    session.add_all(
        DagScheduleAssetReferenceModel(asset_id=ref, dag_id=dag["dag_id"]) for ref in wanted - current
    )


def emit_asset_events(
    session: Session, outlets: Iterable[dict[str, str]], dag_id: str, run_id: str, task_id: str, now: datetime
) -> int:
    """One event per outlet of a task that succeeded, queued for every consumer; returns events."""
    emitted = 0
    for key in outlets:
        ref = asset_id(session, key)
        session.add(
            AssetEventModel(
                asset_id=ref,
                timestamp=now,
                source_dag_id=dag_id,
                source_task_id=task_id,
                source_run_id=run_id,
                extra={},
            )
        )
        emitted += 1
        consumers = session.scalars(
            select(DagScheduleAssetReferenceModel.dag_id).where(
                DagScheduleAssetReferenceModel.asset_id == ref
            )
        ).all()
        for consumer in consumers:
            try:
                with session.begin_nested():
                    session.add(AssetDagRunQueueModel(asset_id=ref, target_dag_id=consumer, created_at=now))
            except IntegrityError:
                pass  # already queued: one pending update per asset and consumer, as in Airflow
    return emitted
