"""Initial schema: every table of docs/architecture.md.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dagseal.db.base import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "callback_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("priority_weight", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column(
            "callback_type",
            sa.Enum(
                "TaskCallback",
                "DagCallback",
                "SlaCallback",
                name="callback_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("callback_data", sa.JSON(), nullable=False),
        sa.Column("processor_subdir", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_request")),
    )
    op.create_index(
        "ix_callback_request_subdir_priority",
        "callback_request",
        ["processor_subdir", "priority_weight", "created_at"],
    )

    op.create_table(
        "dag",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("fileloc", sa.String(length=2000), nullable=False),
        sa.Column("relative_fileloc", sa.String(length=2000), nullable=False),
        sa.Column("processor_subdir", sa.String(length=2000), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("last_parsed_time", UtcDateTime(), nullable=True),
        sa.Column("latest_dag_hash", sa.String(length=64), nullable=True),
        sa.Column("owners", sa.String(length=2000), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("schedule_description", sa.String(length=1000), nullable=True),
        sa.Column("next_dagrun_create_after", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("dag_id", name=op.f("pk_dag")),
    )
    op.create_index("ix_dag_is_active_is_paused", "dag", ["is_active", "is_paused"])
    op.create_index("ix_dag_processor_subdir_is_active", "dag", ["processor_subdir", "is_active"])

    op.create_table(
        "dag_code",
        sa.Column("source_digest", sa.String(length=64), nullable=False),
        sa.Column("relative_fileloc", sa.String(length=2000), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source_digest", name=op.f("pk_dag_code")),
    )
    op.create_table(
        "deployment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("digest_map", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=250), nullable=True),
        sa.Column("created_from", sa.String(length=2000), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment")),
    )
    op.create_index(op.f("ix_deployment_is_current"), "deployment", ["is_current"])

    op.create_table(
        "import_error",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=2000), nullable=False),
        sa.Column("processor_subdir", sa.String(length=2000), nullable=True),
        sa.Column("stacktrace", sa.Text(), nullable=False),
        sa.Column("timestamp", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_error")),
    )
    op.create_index(
        "ix_import_error_processor_subdir_filename", "import_error", ["processor_subdir", "filename"]
    )

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_type", sa.String(length=30), nullable=False),
        sa.Column("hostname", sa.String(length=500), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("processor_subdir", sa.String(length=2000), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("start_date", UtcDateTime(), nullable=False),
        sa.Column("end_date", UtcDateTime(), nullable=True),
        sa.Column("latest_heartbeat", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_type_state_heartbeat", "job", ["job_type", "state", "latest_heartbeat"])

    op.create_table(
        "serialized_dag",
        sa.Column("dag_hash", sa.String(length=64), nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("processor_subdir", sa.String(length=2000), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("dag_hash", name=op.f("pk_serialized_dag")),
    )
    op.create_index(op.f("ix_serialized_dag_dag_id"), "serialized_dag", ["dag_id"])
    op.create_index("ix_serialized_dag_dag_id_created_at", "serialized_dag", ["dag_id", "created_at"])

    op.create_table(
        "callback_claim",
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["callback_request.id"],
            name=op.f("fk_callback_claim_callback_id_callback_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_callback_claim_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("callback_id", name=op.f("pk_callback_claim")),
    )
    op.create_index(op.f("ix_callback_claim_job_id"), "callback_claim", ["job_id"])

    op.create_table(
        "dag_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("run_type", sa.String(length=20), nullable=False),
        sa.Column("logical_date", UtcDateTime(), nullable=True),
        sa.Column("data_interval_start", UtcDateTime(), nullable=True),
        sa.Column("data_interval_end", UtcDateTime(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("dag_hash", sa.String(length=64), nullable=False),
        sa.Column("image_digest", sa.String(length=255), nullable=True),
        sa.Column("deployment_id", sa.Integer(), nullable=True),
        sa.Column("conf", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("start_date", UtcDateTime(), nullable=True),
        sa.Column("end_date", UtcDateTime(), nullable=True),
        sa.Column("last_scheduling_decision", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_hash"], ["serialized_dag.dag_hash"], name=op.f("fk_dag_run_dag_hash_serialized_dag")
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"], ["deployment.id"], name=op.f("fk_dag_run_deployment_id_deployment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dag_run")),
        sa.UniqueConstraint("dag_id", "run_id", name=op.f("uq_dag_run_dag_id_run_id")),
    )
    op.create_index("ix_dag_run_dag_id_logical_date", "dag_run", ["dag_id", "logical_date"])
    op.create_index("ix_dag_run_dag_id_state", "dag_run", ["dag_id", "state"])
    op.create_index(
        "ix_dag_run_state_last_scheduling_decision", "dag_run", ["state", "last_scheduling_decision"]
    )

    op.create_table(
        "task_instance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dag_run_id", sa.Integer(), nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("max_tries", sa.Integer(), nullable=False),
        sa.Column("priority_weight", sa.Integer(), nullable=False),
        sa.Column("scheduled_dttm", UtcDateTime(), nullable=True),
        sa.Column("queued_dttm", UtcDateTime(), nullable=True),
        sa.Column("start_date", UtcDateTime(), nullable=True),
        sa.Column("end_date", UtcDateTime(), nullable=True),
        sa.Column("exited_at", UtcDateTime(), nullable=True),
        sa.Column("duration", sa.Double(), nullable=True),
        sa.Column("hostname", sa.String(length=500), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("next_retry_at", UtcDateTime(), nullable=True),
        sa.Column("return_value", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("image_digest", sa.String(length=255), nullable=True),
        sa.Column("executor_state", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_run_id"],
            ["dag_run.id"],
            name=op.f("fk_task_instance_dag_run_id_dag_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_instance")),
        sa.UniqueConstraint(
            "dag_id", "run_id", "task_id", name=op.f("uq_task_instance_dag_id_run_id_task_id")
        ),
    )
    op.create_index("ix_task_instance_dag_run_id_state", "task_instance", ["dag_run_id", "state"])
    op.create_index(op.f("ix_task_instance_job_id"), "task_instance", ["job_id"])
    op.create_index(op.f("ix_task_instance_state"), "task_instance", ["state"])


def downgrade() -> None:
    op.drop_table("task_instance")
    op.drop_table("dag_run")
    op.drop_table("callback_claim")
    op.drop_table("serialized_dag")
    op.drop_table("job")
    op.drop_table("import_error")
    op.drop_table("deployment")
    op.drop_table("dag_code")
    op.drop_table("dag")
    op.drop_table("callback_request")
