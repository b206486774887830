"""A workspace: one folder holding the metadata database (by default) and every artifact."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tunefork.config import DATABASE_FILE, Settings
from tunefork.store.db import conflict_from, make_engine, make_sessionmaker, upgrade_schema
from tunefork.store.staging import sweep_orphans

log = logging.getLogger(__name__)


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
        engine = make_engine(settings.database_url)
        upgrade_schema(engine)
        workspace = cls(settings=settings, engine=engine, _sessions=make_sessionmaker(engine))
        workspace.sweep_staging()
        return workspace

    @property
    def home(self) -> Path:
        return self.settings.home

    @property
    def datasets_dir(self) -> Path:
        return self.home / "datasets"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def transcripts_dir(self) -> Path:
        return self.home / "transcripts"

    @property
    def staging_dir(self) -> Path:
        """Scratch space on the workspace's filesystem, so finished artifacts move in atomically."""
        return self.home / ".staging"

    def sweep_staging(self) -> list[str]:
        """Remove staging folders whose owner process is gone (a crash mid-import): :mod:`tunefork.store.staging`."""
        removed = sweep_orphans(self.staging_dir)
        if removed:
            log.warning("removed %d orphaned staging folder(s): %s", len(removed), ", ".join(removed[:10]))
        return removed

    def public_message(self, text: str) -> str:
        """``text`` with every path inside the workspace or the temp folder cut to its last component.

        Error messages are shown to API clients and studio users, who must never see server paths.
        """
        for root in (str(self.home), tempfile.gettempdir()):
            pattern = re.escape(root) + r"(?:/[^\s'\"():,;]*)?"
            text = re.sub(pattern, lambda m, top=root: Path(m.group(0)).name if m.group(0) != top else "<server>", text)
        return text

    def dataset_path(self, dataset_id: str) -> Path:
        return self.datasets_dir / dataset_id

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error.

        A constraint violation (two requests racing for one name) becomes a
        :class:`~tunefork.errors.ConflictError` with a readable message, never the SQL statement.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except IntegrityError as exc:
            raise conflict_from(exc) from None

    def close(self) -> None:
        self.engine.dispose()
