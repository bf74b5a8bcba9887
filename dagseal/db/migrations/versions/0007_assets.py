"""Data-aware scheduling: ``asset``, ``asset_event``, ``dag_schedule_asset_reference``,
``asset_dag_run_queue``.

Revision ID: 0007_assets
Revises: 0006_sensors
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dagseal.db.base import UtcDateTime

revision: str = "0007_assets"
down_revision: str | None = "0006_sensors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _asset_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["asset_id"], ["asset.id"], name=op.f(f"fk_{table}_asset_id_asset"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1500), nullable=False),
        sa.Column("uri", sa.String(length=1500), nullable=False),
        sa.Column("group", sa.String(length=1500), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset")),
        sa.UniqueConstraint("name", "uri", name=op.f("uq_asset_name_uri")),
    )
    op.create_table(
        "asset_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("timestamp", UtcDateTime(), nullable=False),
        sa.Column("source_dag_id", sa.String(length=250), nullable=True),
        sa.Column("source_task_id", sa.String(length=250), nullable=True),
        sa.Column("source_run_id", sa.String(length=250), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        _asset_fk("asset_event"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_event")),
    )
    op.create_index(op.f("ix_asset_event_asset_id"), "asset_event", ["asset_id"])
    op.create_table(
        "dag_schedule_asset_reference",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        _asset_fk("dag_schedule_asset_reference"),
        sa.PrimaryKeyConstraint("asset_id", "dag_id", name=op.f("pk_dag_schedule_asset_reference")),
    )
    op.create_table(
        "asset_dag_run_queue",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("target_dag_id", sa.String(length=250), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _asset_fk("asset_dag_run_queue"),
        sa.PrimaryKeyConstraint("asset_id", "target_dag_id", name=op.f("pk_asset_dag_run_queue")),
    )


def downgrade() -> None:
    op.drop_table("asset_dag_run_queue")
    op.drop_table("dag_schedule_asset_reference")
    op.drop_index(op.f("ix_asset_event_asset_id"), table_name="asset_event")
    op.drop_table("asset_event")
    op.drop_table("asset")
