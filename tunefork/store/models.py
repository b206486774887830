"""SQLAlchemy 2 ORM tables. Schema changes go through Alembic migrations in ``migrations/``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id() -> str:
    """A random, URL-safe object id."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """Timezone-aware now, stored by every timestamp column."""
    return datetime.now(UTC)


class Status:
    """Lifecycle shared by datasets, models and evaluations (Azure Custom Speech vocabulary)."""

    NOT_STARTED = "NotStarted"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[Any]: JSON}


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(32), default="en-US")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    datasets: Mapped[list[Dataset]] = relationship(back_populates="project", cascade="all, delete-orphan")
    models: Mapped[list[Model]] = relationship(back_populates="project", cascade="all, delete-orphan")


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_dataset_project_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    source_format: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=Status.NOT_STARTED)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejections: Mapped[list[Any]] = mapped_column(default=list)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    artifact: Mapped[str] = mapped_column(String(80), default="", server_default="")
    """``sha256-<hex>`` of the published object when a shared store is configured, else "" (the workspace)."""
    error: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(Text, default="", server_default="")
    """Where the labels came from when not from the user's upload (an endpoint's logs: the model's own answers)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship(back_populates="datasets")


class Model(Base):
    """A custom model trained in a project (base models live in the engine registry, not here)."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_model_project_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    base_model: Mapped[str] = mapped_column(String(200))
    engine: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=Status.NOT_STARTED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    dataset_ids: Mapped[list[Any]] = mapped_column(default=list)
    dataset_hashes: Mapped[list[Any]] = mapped_column(default=list)
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artifact: Mapped[str] = mapped_column(String(80), default="", server_default="")
    """``sha256-<hex>`` of the published object when a shared store is configured, else "" (the workspace)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship(back_populates="models")


class Evaluation(Base):
    __tablename__ = "evaluations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    model_refs: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default=Status.NOT_STARTED)
    error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artifact: Mapped[str] = mapped_column(String(80), default="", server_default="")
    """``sha256-<hex>`` of the published object when a shared store is configured, else "" (the workspace)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Transcription(Base):
    """A batch transcription of a dataset's audio or of uploaded files (issue 4)."""

    __tablename__ = "transcriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    model_ref: Mapped[str] = mapped_column(String(200))
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True)
    files: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default=Status.NOT_STARTED)
    error: Mapped[str] = mapped_column(Text, default="")
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    artifact: Mapped[str] = mapped_column(String(80), default="", server_default="")
    """``sha256-<hex>`` of the published object when a shared store is configured, else "" (the workspace)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Endpoint(Base):
    """A deployed model: recognition keys (stored hashed), request logging and its retention."""

    __tablename__ = "endpoints"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_endpoint_project_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    model_ref: Mapped[str] = mapped_column(String(200))
    """The base model name, or the custom model's name when ``model_id`` is set."""
    model_id: Mapped[str | None] = mapped_column(ForeignKey("models.id"), nullable=True)
    language_model_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """A voice endpoint's language model (base name or custom name): ``/understand`` parses the transcript."""
    language_model_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The custom language model's id (guarded against deletion like ``model_id``)."""
    key1_hash: Mapped[str] = mapped_column(String(64))
    key2_hash: Mapped[str] = mapped_column(String(64))
    logging_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(16), default=Status.SUCCEEDED)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()


class EndpointLog(Base):
    """One logged request: its result, and the kept input (the canonical audio) on disk or in the store."""

    __tablename__ = "endpoint_logs"
    __table_args__ = (Index("ix_endpoint_logs_endpoint_created", "endpoint_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(200), default="")
    audio: Mapped[str] = mapped_column(String(300))
    """Path of the kept file (the 16 kHz mono WAV), relative to the workspace; "" when nothing was kept."""
    artifact: Mapped[str] = mapped_column(String(80), default="", server_default="")
    """``sha256-<hex>`` of the object holding the kept file (named as ``audio``'s last component) when a
    shared store is configured, else "" (the file is at ``audio`` in the workspace)."""
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    display_text: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """The unit of background work; its lease (``worker`` + ``heartbeat_at``) lets a dead worker's job be retried."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=Status.NOT_STARTED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=2)
    worker: Mapped[str] = mapped_column(String(200), default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    enqueued: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())
    """False until the id is on the queue (the outbox: the relay enqueues jobs a crash left here)."""
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Monitor(Base):
    """A deployed endpoint re-tested on a cron schedule against a held-out dataset (issue 14).

    ``endpoint_id`` and ``dataset_id`` are set to NULL when those are deleted (their names stay), so the
    monitor's next run fails with the reason instead of the monitor vanishing. ``key`` is the endpoint key
    the runs send, as a client would.
    """

    __tablename__ = "monitors"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_monitor_project_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    endpoint_id: Mapped[str | None] = mapped_column(ForeignKey("endpoints.id", ondelete="SET NULL"), nullable=True)
    endpoint_name: Mapped[str] = mapped_column(String(200))
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True)
    dataset_name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(Text)
    schedule: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(32))
    max_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    min_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_regression: Mapped[float | None] = mapped_column(Float, nullable=True)
    baseline_run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    after_failures: Mapped[int] = mapped_column(Integer, default=1)
    exclude: Mapped[list[Any]] = mapped_column(default=list)
    terms: Mapped[list[Any]] = mapped_column(default=list)
    webhook_url: Mapped[str] = mapped_column(String(1000), default="")
    retention_days: Mapped[int] = mapped_column(Integer, default=90)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    """``unknown`` before the first run, then ``passing`` or ``failing`` (after ``after_failures`` failures)."""
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()


class MonitorRun(Base):
    """One run of a monitor: the metrics measured, the latencies, the model that answered, or why it failed.

    One row per scheduled slot (``uq_monitor_run_slot``): two schedulers racing, or a restart, cannot
    double a run; the job that runs it carries the lease that makes a restart retry it instead of losing it.
    """

    __tablename__ = "monitor_runs"
    __table_args__ = (
        UniqueConstraint("monitor_id", "scheduled_for", name="uq_monitor_run_slot"),
        Index("ix_monitor_runs_monitor_created", "monitor_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    monitor_id: Mapped[str] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")
    status: Mapped[str] = mapped_column(String(16), default=Status.NOT_STARTED)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    """``pass``, ``fail`` (a threshold crossed) or ``error`` (nothing measured: ``error`` says why)."""
    error: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model: Mapped[str] = mapped_column(String(200), default="")
    model_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    items: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[list[Any]] = mapped_column(default=list)
    """The per-item report: what was sent, what came back, the latency and the error of each item."""
    probe_hash: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class MonitorAlert(Base):
    """A webhook notification of a monitor crossing a threshold (``alert``) or coming back (``recovery``)."""

    __tablename__ = "monitor_alerts"
    __table_args__ = (Index("ix_monitor_alerts_status_next", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    monitor_id: Mapped[str] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("monitor_runs.id", ondelete="SET NULL"), nullable=True)
    event: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(1000), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="Pending")
    """``Pending`` (to send at ``next_attempt_at``), ``Delivered``, ``Failed`` (gave up), ``Recorded`` (no webhook)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_action_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Secret(Base):
    """A key every process sharing the database uses: each studio session's signing key, made at sign-in and
    deleted at sign-out or once expired."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    """Hex of the random key."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
