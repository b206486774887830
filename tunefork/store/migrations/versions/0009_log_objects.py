"""Endpoint log objects: a logged request's kept file published to the shared object store records the
object's digest.

Revision ID: 0009_log_objects
Revises: 0008_report_objects
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_log_objects"
down_revision = "0008_report_objects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("endpoint_logs") as batch:
        batch.add_column(sa.Column("artifact", sa.String(80), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("endpoint_logs") as batch:
        batch.drop_column("artifact")
