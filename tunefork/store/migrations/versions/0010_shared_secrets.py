"""Shared secrets: keys every process sharing the database uses (the studio's session signing key), created
once by whichever process needs one first.

Revision ID: 0010_shared_secrets
Revises: 0009_log_objects
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_shared_secrets"
down_revision = "0009_log_objects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("secrets")
