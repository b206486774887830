"""Report and transcript objects: evaluations and batch transcriptions published to the shared object store
record the object's digest.

Revision ID: 0008_report_objects
Revises: 0007_model_objects
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_report_objects"
down_revision = "0007_model_objects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("evaluations", "transcriptions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("artifact", sa.String(80), nullable=False, server_default=""))


def downgrade() -> None:
    for table in ("evaluations", "transcriptions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("artifact")
