"""The PostgreSQL and Redis servers the tests use when they are reachable, and throwaway schemas in PostgreSQL.

``TUNEFORK_TEST_DATABASE_URL`` / ``TUNEFORK_TEST_REDIS_URL`` override the default URLs (``.ci/run`` sets
them when the servers answer on 127.0.0.1). Test modules import this helper, so it is not
assertion-rewritten: PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import os
import socket
import uuid

PG_URL = os.environ.get("TUNEFORK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TUNEFORK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_unavailable() -> str | None:
    """None when PostgreSQL answers, else the reason to skip."""
    try:
        from sqlalchemy import create_engine

        if not _reachable("127.0.0.1", 5432) and "127.0.0.1" in PG_URL:
            return "PostgreSQL not reachable on 127.0.0.1:5432"
        engine = create_engine(PG_URL)
        engine.connect().close()
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL not usable ({type(exc).__name__})"
    return None


def postgres_and_redis_available() -> str | None:
    """None when both servers answer, else the reason to skip."""
    return postgres_unavailable() or redis_unavailable()


def redis_unavailable() -> str | None:
    """None when Redis answers, else the reason to skip."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"Redis not usable ({type(exc).__name__})"
    return None


class PgSchema:
    """A throwaway PostgreSQL schema and the database URL that uses it."""

    def __init__(self) -> None:
        from sqlalchemy import create_engine, text

        self.name = f"tf_{uuid.uuid4().hex[:10]}"
        self._text = text
        self._admin = create_engine(PG_URL)
        with self._admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {self.name}"))
        self.url = f"{PG_URL}?options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        """Drop the schema and everything in it."""
        with self._admin.begin() as conn:
            conn.execute(self._text(f"DROP SCHEMA {self.name} CASCADE"))
        self._admin.dispose()
