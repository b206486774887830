"""Voice endpoints: a speech endpoint may chain a language model (``POST /endpoints/{id}/understand``).

Revision ID: 0004_voice_endpoints
Revises: 0003_monitors
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_voice_endpoints"
down_revision = "0003_monitors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(sa.Column("language_model_ref", sa.String(200), nullable=True))
        batch.add_column(sa.Column("language_model_id", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("language_model_id")
        batch.drop_column("language_model_ref")
