"""Rendered template fields per task try (``dagseal tasks render``).

Revision ID: 0002_rendered_fields
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_rendered_fields"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rendered_task_instance_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ti_id", sa.Integer(), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("rendered_fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["ti_id"], ["task_instance.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ti_id", "try_number"),
    )


def downgrade() -> None:
    op.drop_table("rendered_task_instance_fields")
