"""Monitors: scheduled re-tests of deployed endpoints, their runs and their webhook alerts (issue 14).

Revision ID: 0003_monitors
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_monitors"
down_revision = "0002"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_action_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project_id", sa.String(32), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("endpoint_id", sa.String(32), sa.ForeignKey("endpoints.id", ondelete="SET NULL"), nullable=True),
        sa.Column("endpoint_name", sa.String(200), nullable=False),
        sa.Column("dataset_id", sa.String(32), sa.ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True),
        sa.Column("dataset_name", sa.String(200), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("max_value", sa.Float, nullable=True),
        sa.Column("min_value", sa.Float, nullable=True),
        sa.Column("max_regression", sa.Float, nullable=True),
        sa.Column("baseline_run_id", sa.String(32), nullable=True),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("after_failures", sa.Integer, nullable=False),
        sa.Column("exclude", sa.JSON, nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("webhook_url", sa.String(1000), nullable=False),
        sa.Column("retention_days", sa.Integer, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint("project_id", "name", name="uq_monitor_project_name"),
    )
    op.create_table(
        "monitor_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("monitor_id", sa.String(32), sa.ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("model_id", sa.String(32), nullable=True),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("probe_hash", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint("monitor_id", "scheduled_for", name="uq_monitor_run_slot"),
    )
    op.create_index("ix_monitor_runs_monitor_created", "monitor_runs", ["monitor_id", "created_at"])
    op.create_table(
        "monitor_alerts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("monitor_id", sa.String(32), sa.ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("monitor_runs.id", ondelete="SET NULL"), nullable=True),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
    )
    op.create_index("ix_monitor_alerts_status_next", "monitor_alerts", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_monitor_alerts_status_next", table_name="monitor_alerts")
    op.drop_table("monitor_alerts")
    op.drop_index("ix_monitor_runs_monitor_created", table_name="monitor_runs")
    op.drop_table("monitor_runs")
    op.drop_table("monitors")
