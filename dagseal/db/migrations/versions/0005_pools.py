"""Pools: ``slot_pool`` with Airflow's ``default_pool`` (128 slots), and ``task_instance.pool`` /
``pool_slots``.

Revision ID: 0005_pools
Revises: 0004_backfill
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_pools"
down_revision: str | None = "0004_backfill"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pools = op.create_table(
        "slot_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool", sa.String(length=256), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("include_deferred", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_pool")),
        sa.UniqueConstraint("pool", name=op.f("uq_slot_pool_pool")),
    )
    op.bulk_insert(
        pools,
        [{"pool": "default_pool", "slots": 128, "description": "Default pool", "include_deferred": False}],
    )
    with op.batch_alter_table("task_instance") as batch:
        batch.add_column(
            sa.Column("pool", sa.String(length=256), nullable=False, server_default="default_pool")
        )
        batch.add_column(sa.Column("pool_slots", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("task_instance") as batch:
        batch.drop_column("pool_slots")
        batch.drop_column("pool")
    op.drop_table("slot_pool")
