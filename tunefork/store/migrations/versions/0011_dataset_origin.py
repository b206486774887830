"""Dataset origin: where a dataset's labels came from when not from the user's upload (an endpoint's logs, labelled
with the model's own answers), so training can say so.

Revision ID: 0011_dataset_origin
Revises: 0010_shared_secrets
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_dataset_origin"
down_revision = "0010_shared_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("origin", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("origin")
