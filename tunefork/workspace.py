"""A workspace: one folder holding the metadata database (by default) and every artifact."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tunefork.config import Settings
from tunefork.store.db import make_engine, make_sessionmaker, upgrade_schema


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
        settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.database_url)
        upgrade_schema(engine)
        return cls(settings=settings, engine=engine, _sessions=make_sessionmaker(engine))

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

    def dataset_path(self, dataset_id: str) -> Path:
        return self.datasets_dir / dataset_id

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
