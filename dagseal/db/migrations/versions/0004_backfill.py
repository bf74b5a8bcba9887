"""Backfill (AIP-78): ``backfill``, ``backfill_dag_run`` and ``dag_run.backfill_id``.

Revision ID: 0004_backfill
Revises: 0003_connections
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dagseal.db.base import UtcDateTime

revision: str = "0004_backfill"
down_revision: str | None = "0003_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backfill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("from_date", UtcDateTime(), nullable=False),
        sa.Column("to_date", UtcDateTime(), nullable=False),
        sa.Column("dag_run_conf", sa.JSON(), nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("reprocess_behavior", sa.String(length=20), nullable=False),
        sa.Column("max_active_runs", sa.Integer(), nullable=False),
        sa.Column("run_backwards", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("triggering_user_name", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backfill")),
    )
    op.create_index("ix_backfill_dag_id_completed_at", "backfill", ["dag_id", "completed_at"])
    with op.batch_alter_table("dag_run") as batch:
        batch.add_column(sa.Column("backfill_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_dag_run_backfill_id_backfill"), "backfill", ["backfill_id"], ["id"])
        batch.create_index(op.f("ix_dag_run_backfill_id"), ["backfill_id"])
    op.create_table(
        "backfill_dag_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backfill_id", sa.Integer(), nullable=False),
        sa.Column("dag_run_id", sa.Integer(), nullable=True),
        sa.Column("exception_reason", sa.String(length=250), nullable=True),
        sa.Column("logical_date", UtcDateTime(), nullable=False),
        sa.Column("sort_ordinal", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["backfill_id"], ["backfill.id"], name=op.f("fk_backfill_dag_run_backfill_id_backfill")
        ),
        sa.ForeignKeyConstraint(
            ["dag_run_id"], ["dag_run.id"], name=op.f("fk_backfill_dag_run_dag_run_id_dag_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backfill_dag_run")),
        sa.UniqueConstraint(
            "backfill_id", "logical_date", name=op.f("uq_backfill_dag_run_backfill_id_logical_date")
        ),
    )


def downgrade() -> None:
    op.drop_table("backfill_dag_run")
    with op.batch_alter_table("dag_run") as batch:
        batch.drop_index(op.f("ix_dag_run_backfill_id"))
        batch.drop_constraint(op.f("fk_dag_run_backfill_id_backfill"), type_="foreignkey")
        batch.drop_column("backfill_id")
    op.drop_index("ix_backfill_dag_id_completed_at", table_name="backfill")
    op.drop_table("backfill")
