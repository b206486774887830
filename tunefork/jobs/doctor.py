"""``tunefork doctor``: check the database, queue and storage settings and that each answers.

Every check reads the environment as the server and workers do and changes nothing (no workspace is
created, no migration is run). Passwords in URLs are never printed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tunefork.config import DATABASE_FILE, Settings
from tunefork.errors import SettingError
from tunefork.jobs.config import JobSettings
from tunefork.store.db import MIGRATIONS_DIR, POSTGRES_URL_HINT, first_line
from tunefork.store.redaction import redacted_text, redacted_url

TIMEOUT_SECONDS = 5
MIN_FREE_BYTES = 1 << 30
"""Below this much free space where the workspace lives, an upload or a training is likely to fail half-way."""


@dataclass(frozen=True)
class Check:
    """The outcome of one check: ``ok``, what was checked and what is wrong (or what was found); a ``warning`` is
    ok (nothing fails for it today) but worth fixing."""

    name: str
    ok: bool
    detail: str
    warning: bool = False


def shared_database(settings: Settings) -> bool:
    """True when ``TUNEFORK_DATABASE_URL`` names a database server (other machines may use it), not SQLite."""
    return not settings.database_url.startswith("sqlite")


def check_settings() -> Check:
    """The ``TUNEFORK_JOB_*`` numbers parse and make sense."""
    try:
        jobs = JobSettings.from_env()
    except SettingError as exc:
        return Check("job settings", False, str(exc))
    if jobs.lease_seconds <= 0 or jobs.max_attempts < 1 or jobs.time_limit_seconds <= 0:
        return Check("job settings", False, "lease, time limit and max attempts must be positive")
    return Check(
        "job settings", True,
        f"lease {jobs.lease_seconds:g} s, {jobs.max_attempts} attempt(s), time limit {jobs.time_limit_seconds:g} s",
    )  # fmt: skip


def check_workspace(settings: Settings) -> Check:
    """The workspace folder exists (or can be created), is writable, and its disk has room (``MIN_FREE_BYTES``)."""
    home = settings.home
    existing = home if home.exists() else next((p for p in home.parents if p.exists()), Path("/"))
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return Check("workspace", False, f"{home}: {existing} is not a writable folder")
    if home.exists():
        try:
            with tempfile.NamedTemporaryFile(dir=home):
                pass
        except OSError as exc:
            return Check("workspace", False, f"{home}: cannot write there ({exc.strerror})")
    free = shutil.disk_usage(existing).free
    room = f"{free / 1e9:.1f} GB free"
    if free < MIN_FREE_BYTES:
        return Check("workspace", False, f"{home}: only {room} (uploads and trainings need at least 1 GB)")
    return Check("workspace", True, f"{home}{'' if home.exists() else ' (created at first use)'}, {room}")


def check_database(settings: Settings) -> Check:
    """The database answers and its schema is at the newest migration (or will be brought there)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = settings.database_url
    shown = redacted_url(url)
    if url == f"sqlite:///{settings.home / DATABASE_FILE}" and not (settings.home / DATABASE_FILE).exists():
        return Check("database", True, f"{shown} (SQLite in the workspace, created at first use; one machine only)")
    try:
        parsed = make_url(url)
        args = {"connect_timeout": TIMEOUT_SECONDS} if parsed.get_backend_name() == "postgresql" else {}
        engine = create_engine(parsed, connect_args=args)
    except Exception as exc:
        reason = f"TUNEFORK_DATABASE_URL {shown!r} is not a usable URL: {redacted_text(str(exc))}; {POSTGRES_URL_HINT}"
        return Check("database", False, reason)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:
        return Check("database", False, f"{shown}: cannot connect ({first_line(exc)})")
    finally:
        engine.dispose()
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    if current == head:
        state = "at the newest migration"
    else:
        state = f"{'at ' + current if current else 'not created yet'}, brought to {head} at start"
    return Check("database", True, f"{shown}: connected, schema {state}")


def check_queue(settings: Settings) -> Check:
    """Redis answers when ``TUNEFORK_REDIS_URL`` is set; else the SQLite queue in the workspace is used."""
    jobs = JobSettings.queue_from_env()
    if not jobs.redis_url:
        return Check("queue", True, "SQLite queue in the workspace (workers on one machine only)")
    import redis

    shown = redacted_url(jobs.redis_url)
    try:
        client = redis.Redis.from_url(
            jobs.redis_url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
    except ValueError as exc:
        return Check("queue", False, f"TUNEFORK_REDIS_URL {shown!r} is not a usable URL: {redacted_text(str(exc))}")
    try:
        client.ping()
    except Exception as exc:
        return Check("queue", False, f"{shown}: cannot reach Redis ({first_line(exc)})")
    finally:
        client.close()
    return Check("queue", True, f"{shown}: Redis answers (queue '{jobs.queue_name}')")


def check_storage(settings: Settings) -> Check:
    """The shared object store answers (and its bucket exists) when ``TUNEFORK_STORAGE_URL`` is set."""
    storage = settings.storage
    if not storage.url and shared_database(settings) and JobSettings.queue_from_env().redis_url:
        return Check("storage", False, (
            "TUNEFORK_STORAGE_URL is unset while the database and the queue are shared: workers on other machines "
            "cannot read the artifacts and uploads this machine keeps in its workspace folder, and it cannot read "
            "theirs (jobs it takes go back on the queue); set the same TUNEFORK_STORAGE_URL on every machine"
        ))  # fmt: skip
    if not storage.url:
        return Check("storage", True, "artifacts in the workspace folder (one machine only)")
    from tunefork.store.objects import ObjectStore, ObjectStoreError

    aws_endpoint = os.environ.get("AWS_ENDPOINT_URL")
    endpoint = redacted_url(storage.endpoint_url) if storage.endpoint_url else (
        f"{redacted_url(aws_endpoint)} from AWS_ENDPOINT_URL" if aws_endpoint else "AWS")  # fmt: skip
    where = f"{redacted_url(storage.url)} (endpoint {endpoint})"
    try:
        found = ObjectStore(storage).check()
    except ObjectStoreError as exc:
        return Check("storage", False, f"{where}: {first_line(exc)}")
    except Exception as exc:  # a malformed endpoint URL fails inside botocore
        return Check("storage", False, f"{where}: {first_line(exc)}")
    return Check("storage", True, f"{where}: answers, {found}")


def check_admin_token(settings: Settings) -> Check:
    """``TUNEFORK_ADMIN_TOKEN`` is set when the database is shared (a generated token is per workspace folder)."""
    if os.environ.get("TUNEFORK_ADMIN_TOKEN"):
        return Check("admin token", True, "TUNEFORK_ADMIN_TOKEN is set (give every server the same)")
    if shared_database(settings):
        return Check("admin token", True, (
            "TUNEFORK_ADMIN_TOKEN is unset while the database is shared: each server generates a token of its "
            "own, which the other servers refuse; give every server the same TUNEFORK_ADMIN_TOKEN"
        ), warning=True)  # fmt: skip
    return Check("admin token", True, "generated by the first `tunefork serve` in this workspace folder")


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    check_workspace, check_database, check_queue, check_storage, check_admin_token,
)  # fmt: skip


def run_checks(home: Path | str | None = None) -> list[Check]:
    """Every check, in order: the job settings, then the others (which run whatever the job settings' outcome,
    so that every problem is reported at once, unless the settings they read cannot be)."""
    settings_check = check_settings()
    try:
        settings = Settings.load(home)
    except SettingError as exc:
        return [settings_check, Check("settings", False, str(exc))]
    return [settings_check, *(check(settings) for check in CHECKS)]
