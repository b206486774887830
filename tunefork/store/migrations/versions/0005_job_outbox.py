"""Job outbox: a job is recorded with its resource in one transaction and handed to the queue after commit.

``jobs.enqueued`` is False until the job's id is on the queue; a relay enqueues the ones a crash left
behind. Jobs recorded before this migration were enqueued when created.

Revision ID: 0005_job_outbox
Revises: 0004_voice_endpoints
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_job_outbox"
down_revision = "0004_voice_endpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("enqueued", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("enqueued")
