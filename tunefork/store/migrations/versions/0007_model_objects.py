"""Model objects: a model published to the shared object store records the object's digest.

Revision ID: 0007_model_objects
Revises: 0006_artifact_objects
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_model_objects"
down_revision = "0006_artifact_objects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("artifact", sa.String(80), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.drop_column("artifact")
