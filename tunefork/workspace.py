"""A workspace: one folder holding the metadata database (by default) and every artifact.

:class:`Workspace` owns every path in it; nothing else joins names onto ``home``. The layout::

    tunefork.db                    metadata (SQLite, unless a database URL is configured)
    queue.db                       the job queue (SqliteHuey, unless a Redis URL is configured)
    admin-token.sha256             the hash of the generated admin token
    datasets/<id>/                 canonical datasets (manifest.jsonl, audio/, import.json)
    models/<id>/                   custom models (model.json card and engine files)
    reports/<id>/                  evaluation reports
    transcripts/<id or stamp>/     batch transcriptions
    endpoints/<id>/logs/           logged request files of an endpoint (with a shared store: objects)
    uploads/{datasets,transcriptions,exports}/   uploads and log snapshots waiting for their job
    demo-inputs/<project>/         what ``tunefork demo`` generated
    .cache/synth/                  synthesized speech (guard set, demo), reused between runs
    .staging/                      scratch space: artifacts are built here and renamed into place
    .cache/artifacts/<digest>/     with a shared object store (TUNEFORK_STORAGE_URL): this machine's
                                   read-through cache of published artifacts (TUNEFORK_CACHE_DIR)
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tunefork.config import DATABASE_FILE, Settings
from tunefork.errors import TuneforkError
from tunefork.store.cache import ArtifactCache
from tunefork.store.db import conflict_from, make_sessionmaker, open_database
from tunefork.store.models import Dataset, Evaluation, Model, Status
from tunefork.store.objects import ObjectMissingError, ObjectStore, ObjectStoreError, pack
from tunefork.store.staging import scratch_folder, sweep_orphans

log = logging.getLogger(__name__)

INLINE_PREFIX = "inline-"
INLINE_TABLES = {"models": Model, "datasets": Dataset, "evaluations": Evaluation}
"""The resources a command works on in place (:meth:`Workspace.inline_work`), by collection."""
INTERRUPTED = "interrupted: the command that ran it stopped before it ended (killed, or its terminal closed)"
JOB_PUBLISH_RETRY_PAUSES = (2.0, 8.0, 30.0)
"""Seconds a background job waits before trying the shared object store again when publishing its result."""


@dataclass
class _Transaction:
    """An open :meth:`Workspace.transaction`: its session and what runs once it commits."""

    workspace: Workspace
    session: Session
    after_commit: list[Callable[[], None]]


_TRANSACTION: ContextVar[_Transaction | None] = ContextVar("tunefork_transaction", default=None)


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (SQLite then keeps that mode, WAL files too)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


@dataclass
class Workspace:
    """Opened workspace: settings, a migrated database, and the artifact folders."""

    settings: Settings
    engine: Engine = field(repr=False)
    _sessions: sessionmaker = field(repr=False)

    @classmethod
    def open(cls, home: Path | str | None = None) -> Workspace:
        """Open (creating if needed) the workspace chosen by ``home`` / ``TUNEFORK_HOME``."""
        settings = Settings.load(home)
        if not settings.home.exists():
            settings.home.mkdir(parents=True, mode=0o700)
            settings.home.chmod(0o700)  # whatever the umask: the workspace holds keys and user data
        if settings.database_url == f"sqlite:///{settings.home / DATABASE_FILE}":
            _create_private(settings.home / DATABASE_FILE)
        engine = open_database(settings.database_url)
        workspace = cls(settings=settings, engine=engine, _sessions=make_sessionmaker(engine))
        workspace.sweep_staging()
        return workspace

    @property
    def home(self) -> Path:
        """The workspace folder."""
        return self.settings.home

    @property
    def datasets_dir(self) -> Path:
        """Canonical datasets, one folder per id."""
        return self.home / "datasets"

    @property
    def models_dir(self) -> Path:
        """Custom models, one folder per id."""
        return self.home / "models"

    @property
    def reports_dir(self) -> Path:
        """Evaluation reports, one folder per id."""
        return self.home / "reports"

    @property
    def transcripts_dir(self) -> Path:
        """Batch transcriptions."""
        return self.home / "transcripts"

    @property
    def predictions_dir(self) -> Path:
        """Batch predictions (`tunefork predict`) without an output folder of their own."""
        return self.home / "predictions"

    @property
    def staging_dir(self) -> Path:
        """Scratch space on the workspace's filesystem, so finished artifacts move in atomically."""
        return self.home / ".staging"

    def sweep_staging(self) -> list[str]:
        """Remove staging folders whose owner process is gone (a crash mid-import): :mod:`tunefork.store.staging`;
        work that such a process ran in place (:meth:`inline_work`) is marked Failed."""
        removed = sweep_orphans(self.staging_dir)
        if removed:
            log.warning("removed %d orphaned staging folder(s): %s", len(removed), ", ".join(removed[:10]))
        for name in removed:
            if name.startswith(INLINE_PREFIX):
                collection, _, resource_id = name.removeprefix(INLINE_PREFIX).split(".", 1)[0].partition("-")
                self._fail_interrupted(collection, resource_id)
        return removed

    @contextmanager
    def inline_work(self, collection: str, resource_id: str) -> Iterator[None]:
        """Mark work on a resource (``models``, ``datasets``, ``evaluations``) that this process runs in place,
        outside the job queue (a CLI command): while it runs, an owned staging folder names it. A process that
        dies (kill -9, SIGTERM, a closed terminal) left its resource Running for ever, its name and project
        blocked; the next sweep finds the folder orphaned and marks the resource Failed."""
        with scratch_folder(self.staging_dir, f"{INLINE_PREFIX}{collection}-{resource_id}."):
            yield

    def _fail_interrupted(self, collection: str, resource_id: str) -> None:
        table = INLINE_TABLES.get(collection)
        if table is None:
            return
        with self.session() as session:
            row = session.get(table, resource_id)
            if row is not None and row.status in (Status.NOT_STARTED, Status.RUNNING):
                log.warning("%s %s was left %s by a process that is gone: marked Failed", collection, resource_id,
                            row.status)  # fmt: skip
                row.status, row.error = Status.FAILED, INTERRUPTED

    def public_message(self, text: str) -> str:
        """``text`` with every path inside the workspace or the temp folder cut to its last component.

        Error messages are shown to API clients and studio users, who must never see server paths.
        """
        for root in (str(self.home), tempfile.gettempdir()):
            pattern = re.escape(root) + r"(?:/[^\s'\"():,;]*)?"
            text = re.sub(pattern, lambda m, top=root: Path(m.group(0)).name if m.group(0) != top else "<server>", text)
        return text

    @cached_property
    def artifacts(self) -> ArtifactCache | None:
        """The shared object store behind this machine's cache, or None: artifacts stay in the workspace."""
        storage = self.settings.storage
        if not storage.url:
            return None
        root = Path(storage.cache_dir).expanduser() if storage.cache_dir else self.home / ".cache" / "artifacts"
        return ArtifactCache(root, ObjectStore(storage), storage.cache_max_bytes)

    def publish(self, folder: Path, cache: bool = True, retry_pauses: tuple[float, ...] = ()) -> str:
        """Publish a finished artifact folder; returns its digest, to be committed on its row afterwards.

        With a shared object store the folder is packed, uploaded as an immutable object (before any row
        points at it: a crash leaves an orphan object, swept later, never a row without its object) and
        moved into this machine's cache (left where it is with ``cache=False``: an object read once, if
        ever, such as a logged request). Without a store, the folder stays where it is and "" is returned.
        A store that does not answer is tried again after each of ``retry_pauses`` seconds (background jobs pass
        :data:`JOB_PUBLISH_RETRY_PAUSES`: a short outage must not throw a finished training away).
        """
        if self.artifacts is None:
            return ""
        with scratch_folder(self.staging_dir, "publish.") as scratch:
            archive = scratch / "object.tar"
            digest = pack(folder, archive)
            for pause in (*retry_pauses, None):
                try:
                    self.artifacts.store.put(archive, digest)
                    break
                except ObjectMissingError:
                    raise
                except ObjectStoreError as exc:
                    if pause is None:
                        raise
                    log.warning("publishing %s: %s; trying again in %g s", digest, exc, pause)
                    time.sleep(pause)
        if cache:
            self.artifacts.adopt(digest, folder)
        return digest

    def discard(self, digest: str) -> None:
        """Delete a published object no row points at any more (a logged request past its retention)."""
        if self.artifacts is None:
            raise TuneforkError("This object is in a shared object store: set TUNEFORK_STORAGE_URL to delete it.")
        self.artifacts.store.delete(digest)

    def artifact_folder(self, digest: str, local: Path) -> Path:
        """Where to read an artifact: its cached copy when it was published as ``digest``, else ``local``."""
        if not digest:
            return local
        if self.artifacts is None:
            raise TuneforkError("This artifact is in a shared object store: set TUNEFORK_STORAGE_URL to read it.")
        return self.artifacts.folder(digest)

    def artifact_fetch(self, digest: str, folder: Path) -> None:
        """Download, verify and unpack a published object into ``folder`` (a one-time read, not cached)."""
        if self.artifacts is None:
            raise TuneforkError("This upload is in a shared object store: set TUNEFORK_STORAGE_URL to read it.")
        self.artifacts.fetch_into(digest, folder)

    @property
    def synth_cache_dir(self) -> Path:
        """Synthesized speech kept between runs (the guard set, the demo's test audio)."""
        return self.home / ".cache" / "synth"

    @property
    def inspections_cache_dir(self) -> Path:
        """Datasets' inspection reports, computed once per dataset and code version."""
        return self.home / ".cache" / "inspections"

    def forget_inspections(self, dataset_ids: list[str]) -> None:
        """Delete the cached inspection reports of datasets that are gone (they quote the datasets' texts)."""
        for dataset_id in dataset_ids:
            for report in self.inspections_cache_dir.glob(f"{dataset_id}-*.json"):
                report.unlink(missing_ok=True)

    @property
    def hypotheses_cache_dir(self) -> Path:
        """Models' answers kept between evaluations (:mod:`tunefork.engines.hypotheses`)."""
        return self.home / ".cache" / "hypotheses"

    @property
    def admin_token_file(self) -> Path:
        """Where the hash of the generated admin token is kept."""
        return self.home / "admin-token.sha256"

    @property
    def queue_file(self) -> Path:
        """The SqliteHuey queue database."""
        return self.home / "queue.db"

    def dataset_path(self, dataset_id: str) -> Path:
        """A dataset's canonical folder."""
        return self.datasets_dir / dataset_id

    def model_dir(self, model_id: str) -> Path:
        """A custom model's artifact folder."""
        return self.models_dir / model_id

    def report_dir(self, evaluation_id: str) -> Path:
        """An evaluation's report folder."""
        return self.reports_dir / evaluation_id

    def transcription_dir(self, transcription_id: str) -> Path:
        """A batch transcription's outputs (``transcripts.jsonl``, ``trans.txt``)."""
        return self.transcripts_dir / transcription_id

    def upload_dir(self, resource: str, resource_id: str) -> Path:
        """Where the files uploaded for a resource (``datasets``, ``transcriptions``) wait for their job."""
        return self.home / "uploads" / resource / resource_id

    @property
    def exports_dir(self) -> Path:
        """Snapshots of endpoint logs waiting to be imported as datasets."""
        return self.home / "uploads" / "exports"

    def endpoint_dir(self, endpoint_id: str) -> Path:
        """Everything an endpoint keeps on disk."""
        return self.home / "endpoints" / endpoint_id

    def endpoint_logs_dir(self, endpoint_id: str) -> Path:
        """The files of an endpoint's logged requests."""
        return self.endpoint_dir(endpoint_id) / "logs"

    def monitor_run_dir(self, run_id: str) -> Path:
        """Files of a monitor run (runs keep everything in the database today: nothing is written here)."""
        return self.home / "monitor-runs" / run_id

    def demo_dir(self, name: str) -> Path:
        """What ``tunefork demo`` generated for its project ``name``."""
        return self.home / "demo-inputs" / name

    def relative(self, path: Path) -> str:
        """``path`` relative to the workspace, as stored in the database and job payloads."""
        return str(Path(path).relative_to(self.home))

    def resolve(self, relative: str) -> Path:
        """A path stored relative to the workspace, made absolute."""
        return self.home / relative

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error.

        A constraint violation (two requests racing for one name) becomes a
        :class:`~tunefork.errors.ConflictError` with a readable message, never the SQL statement.
        Inside :meth:`transaction` (same thread), the session is the transaction's: nothing commits
        until the transaction does.
        """
        current = _TRANSACTION.get()
        if current is not None and current.workspace is self:
            try:
                yield current.session
            except IntegrityError as exc:
                raise conflict_from(exc) from None
            return
        try:
            with self._sessions() as session, session.begin():
                yield session
        except IntegrityError as exc:
            raise conflict_from(exc) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One database transaction for everything inside: every :meth:`session` opened in it (in this
        thread) joins it, so a resource and its job are committed together or not at all. Callbacks
        given to :meth:`after_commit` run once it has committed. Nested transactions join the outer one.
        """
        current = _TRANSACTION.get()
        if current is not None and current.workspace is self:
            yield
            return
        callbacks: list[Callable[[], None]] = []
        with self.session() as session:
            token = _TRANSACTION.set(_Transaction(self, session, callbacks))
            try:
                yield
            finally:
                _TRANSACTION.reset(token)
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current :meth:`transaction` commits (at once outside one)."""
        current = _TRANSACTION.get()
        if current is not None and current.workspace is self:
            current.after_commit.append(callback)
        else:
            callback()

    def close(self) -> None:
        self.engine.dispose()
