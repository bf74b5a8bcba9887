"""Airflow compatibility: rendered template fields per try, and map_index on task instances.

Revision ID: 0008_compat
Revises: 0007_assets
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_compat"
down_revision: str | None = "0007_assets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rendered_task_instance_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ti_id", sa.Integer(), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("rendered_fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ti_id"],
            ["task_instance.id"],
            name=op.f("fk_rendered_task_instance_fields_ti_id_task_instance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rendered_task_instance_fields")),
        sa.UniqueConstraint(
            "ti_id", "try_number", name=op.f("uq_rendered_task_instance_fields_ti_id_try_number")
        ),
    )
    with op.batch_alter_table("task_instance") as batch:
        batch.add_column(sa.Column("map_index", sa.Integer(), nullable=False, server_default="-1"))
        batch.drop_constraint("uq_task_instance_dag_id_run_id_task_id", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_task_instance_dag_id_run_id_task_id_map_index"),
            ["dag_id", "run_id", "task_id", "map_index"],
        )


def downgrade() -> None:
    with op.batch_alter_table("task_instance") as batch:
        batch.drop_constraint("uq_task_instance_dag_id_run_id_task_id_map_index", type_="unique")
        batch.create_unique_constraint(
            "uq_task_instance_dag_id_run_id_task_id", ["dag_id", "run_id", "task_id"]
        )
        batch.drop_column("map_index")
    op.drop_table("rendered_task_instance_fields")
