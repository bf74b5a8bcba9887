"""Reschedule-mode sensors: ``task_reschedule``.

Revision ID: 0006_sensors
Revises: 0005_pools
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dagseal.db.base import UtcDateTime

revision: str = "0006_sensors"
down_revision: str | None = "0005_pools"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_reschedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ti_id", sa.Integer(), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("start_date", UtcDateTime(), nullable=False),
        sa.Column("end_date", UtcDateTime(), nullable=False),
        sa.Column("duration", sa.Double(), nullable=False),
        sa.Column("reschedule_date", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ti_id"],
            ["task_instance.id"],
            name=op.f("fk_task_reschedule_ti_id_task_instance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_reschedule")),
    )
    op.create_index(op.f("ix_task_reschedule_ti_id"), "task_reschedule", ["ti_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_task_reschedule_ti_id"), table_name="task_reschedule")
    op.drop_table("task_reschedule")
