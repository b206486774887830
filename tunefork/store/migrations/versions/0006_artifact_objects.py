"""Artifact objects: a dataset published to the shared object store records the object's digest.

Revision ID: 0006_artifact_objects
Revises: 0005_job_outbox
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_artifact_objects"
down_revision = "0005_job_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("artifact", sa.String(80), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("artifact")
