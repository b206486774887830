"""Database engine and sessions; the schema is created and upgraded by Alembic migrations."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, IntegrityError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import sessionmaker

from tunefork.errors import ConflictError, TuneforkError
from tunefork.store.redaction import redacted_text, redacted_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


POSTGRES_URL_HINT = "a PostgreSQL URL reads postgresql+psycopg2://USER:PASSWORD@HOST:5432/DATABASE"


def first_line(exc: BaseException) -> str:
    """``Type: first line of the message`` of an exception (drivers' messages run over many lines), every URL in it
    without its secrets (:func:`~tunefork.store.redaction.redacted_text`)."""
    text = redacted_text(str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def open_database(url: str) -> Engine:
    """An engine for ``url`` with its schema brought to the newest migration; a URL that cannot be used or a
    database that does not answer is a one-line :class:`TuneforkError` (password hidden), not a driver traceback."""
    shown = redacted_url(url)
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise TuneforkError(
            f"TUNEFORK_DATABASE_URL {shown!r} is not a usable URL ({first_line(exc)}); {POSTGRES_URL_HINT}"
        ) from None
    try:
        upgrade_schema(engine)
    except (OperationalError, InterfaceError) as exc:
        engine.dispose()
        raise TuneforkError(
            f"the database {shown} does not answer ({first_line(exc)}); check TUNEFORK_DATABASE_URL and that the "
            "server runs (`tunefork doctor` checks every setting)"
        ) from None
    return engine


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on and a busy timeout for concurrent writers."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


MIGRATION_LOCK = 0x7475_6E65_666F_726B  # "tunefork"
"""PostgreSQL advisory lock key held while migrating."""


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the newest migration (idempotent), one process at a time: servers, workers and CLI
    commands started at once on an empty database take turns (the later ones find it migrated) instead of racing
    to create the same tables. PostgreSQL: an advisory lock; a SQLite file: a lock file beside it."""
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # its nine set-up lines, on import
    from alembic import command  # imported here: commands that never open a workspace start faster
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with _sqlite_file_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock on ``<database>.migrate.lock`` for a SQLite file (nothing for other databases)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def make_sessionmaker(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded attributes readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


_NOUNS = {"projects": "project", "datasets": "dataset", "models": "model", "endpoints": "endpoint"}
_UNIQUE = re.compile(
    r"UNIQUE constraint failed: (\w+)\.|unique constraint \"(?:uq_)?(\w+?)(?:_project_name|_name_key)\""
)


def conflict_from(error: IntegrityError) -> ConflictError:
    """The user-facing 409 for a constraint the database enforced (two requests racing for one name).

    Names are checked before anything is created; this is the answer when another request took the
    name between that check and the insert (SQLite and PostgreSQL word the violation differently).
    """
    text = str(error.orig)
    match = _UNIQUE.search(text)
    if match:
        table = match.group(1) or match.group(2)
        noun = _NOUNS.get(table, _NOUNS.get(f"{table}s", "item"))
        where = "" if noun == "project" else " in this project"
        return ConflictError(
            f"A {noun} with this name already exists{where}: another request created it at the same moment. "
            "Choose another name."
        )
    return ConflictError("The request conflicts with a change made at the same moment by another request; retry it.")
