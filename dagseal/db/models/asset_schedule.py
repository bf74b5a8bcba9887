"""``dag_schedule_asset_reference`` (which DAGs are scheduled on an asset, kept by the processor) and
``asset_dag_run_queue`` (updates a consumer DAG has not run for yet), as in Airflow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dagseal.db.base import Base


class DagScheduleAssetReferenceModel(Base):
    __tablename__ = "dag_schedule_asset_reference"

    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250), primary_key=True)


class AssetDagRunQueueModel(Base):
    __tablename__ = "asset_dag_run_queue"

    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True)
    target_dag_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    created_at: Mapped[datetime]
