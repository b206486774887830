"""Objects in the shared store that nothing points at any more are swept.

An object is written before the row that points at it, so a crash in between (or a deleted dataset)
leaves an orphan. Objects referenced by a row (a dataset, a model, a report, a transcript, a logged
request), or by the upload of a job that has not ended, are kept; others are removed once older than the
grace period (a publish still in flight is younger).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from tunefork.store.models import Dataset, EndpointLog, Evaluation, Job, Model, Status, Transcription, utcnow
from tunefork.store.redaction import redacted_url
from tunefork.workspace import Workspace

log = logging.getLogger(__name__)

GRACE_SECONDS = 3600.0


def reads_unreachable_store(workspace: Workspace, job_id: str) -> bool:
    """True when this workspace has no shared object store (``TUNEFORK_STORAGE_URL`` unset) but job ``job_id``,
    still NotStarted, may need one: its upload travels through the store, or the database holds datasets or models
    published there (by machines that have it), which its work may read. A job that is gone or no longer NotStarted
    needs nothing (its message is dropped)."""
    if workspace.artifacts is not None:
        return False
    with workspace.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != Status.NOT_STARTED:
            return False
        if job.payload.get("upload"):
            return True
        published = (select(table.id).where(table.artifact != "").limit(1) for table in (Dataset, Model))
        return any(session.scalar(query) is not None for query in published)


def referenced_objects(workspace: Workspace) -> set[str]:
    """Digests that rows still point at: published datasets, models, reports, transcripts and logged
    requests, and the uploads of unfinished jobs."""
    with workspace.session() as session:
        found = {
            digest
            for table in (Dataset, Model, Evaluation, Transcription, EndpointLog)
            for digest in session.scalars(select(table.artifact))
            if digest
        }
        pending = session.scalars(select(Job.payload).where(Job.status.in_((Status.NOT_STARTED, Status.RUNNING))))
        found |= {payload["upload"] for payload in pending if payload.get("upload")}
    return found


def sweep_objects(workspace: Workspace, grace_seconds: float = GRACE_SECONDS) -> list[str]:
    """Remove orphaned objects older than ``grace_seconds``; returns their digests (none without a store)."""
    if workspace.artifacts is None:
        return []
    store = workspace.artifacts.store
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    candidates = [digest for digest, written in store.objects() if written is None or written <= cutoff]
    if not candidates:
        return []
    keep = referenced_objects(workspace)
    removed = [digest for digest in candidates if digest not in keep]
    for digest in removed:
        store.delete(digest)
    if removed:
        log.warning("swept %d orphaned object(s) from %s", len(removed), redacted_url(store.url))
    return removed
