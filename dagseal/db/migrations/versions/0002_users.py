"""Users of the API server and UI (role, team) and their API tokens (hashes only).

Revision ID: 0002_users
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dagseal.db.base import UtcDateTime

revision: str = "0002_users"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dagseal_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=250), nullable=False),
        sa.Column("password_hash", sa.String(length=500), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("team", sa.String(length=250), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dagseal_user")),
        sa.UniqueConstraint("username", name=op.f("uq_dagseal_user_username")),
    )
    op.create_table(
        "dagseal_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["dagseal_user.id"],
            name=op.f("fk_dagseal_api_token_user_id_dagseal_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dagseal_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dagseal_api_token_token_hash")),
    )
    op.create_index("ix_dagseal_api_token_user_id", "dagseal_api_token", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_dagseal_api_token_user_id", table_name="dagseal_api_token")
    op.drop_table("dagseal_api_token")
    op.drop_table("dagseal_user")
