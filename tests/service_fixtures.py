"""Fixtures for the service tests: live `tunefork serve` processes on loopback, on SQLite or PostgreSQL + Redis.

Loaded with ``pytest_plugins = ["service_fixtures"]`` by the test modules that need it. The
``backend`` fixture runs a test once on SQLite + SqliteHuey and once on PostgreSQL (a throwaway
schema) + Redis (a throwaway queue name); the second run is skipped when those servers are not
reachable (``TUNEFORK_TEST_DATABASE_URL`` / ``TUNEFORK_TEST_REDIS_URL`` override the default URLs).

Test modules also import its helpers, so it is not assertion-rewritten: PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from databases import REDIS_URL, PgSchema, postgres_and_redis_available

ADMIN_TOKEN = "test-admin-token"
TERMINAL = ("Succeeded", "Failed")


def tunefork_command() -> list[str]:
    """The installed ``tunefork`` console script next to this Python."""
    script = Path(sys.executable).parent / "tunefork"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from tunefork.cli.main import app; app()"]


def free_port() -> int:
    """An unused TCP port on loopback."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceEnv:
    """Environment for servers and workers sharing one workspace (and database/queue)."""

    def __init__(self, home: Path, backend: str) -> None:
        self.home, self.backend = home, backend
        self.schema: PgSchema | None = None
        self.queue_name = f"tf-test-{uuid.uuid4().hex[:8]}"
        self.vars = {
            "TUNEFORK_HOME": str(home),
            "TUNEFORK_ADMIN_TOKEN": ADMIN_TOKEN,
            "TUNEFORK_QUEUE_NAME": self.queue_name,
            "HF_HUB_OFFLINE": "1",
        }
        if backend == "pg-redis":
            self.schema = PgSchema()
            self.vars["TUNEFORK_DATABASE_URL"] = self.schema.url
            self.vars["TUNEFORK_REDIS_URL"] = REDIS_URL

    def environ(self, **extra: str) -> dict[str, str]:
        """``os.environ`` with this service's variables (and ``extra``)."""
        env = {k: v for k, v in os.environ.items() if k not in ("TUNEFORK_DATABASE_URL", "TUNEFORK_REDIS_URL")}
        return {**env, **self.vars, **extra}

    def workspace(self):  # type: ignore[no-untyped-def]
        """Open the same workspace in the test process (to inspect or seed it)."""
        from tunefork.workspace import Workspace

        saved = {k: os.environ.get(k) for k in ("TUNEFORK_DATABASE_URL",)}
        try:
            if "TUNEFORK_DATABASE_URL" in self.vars:
                os.environ["TUNEFORK_DATABASE_URL"] = self.vars["TUNEFORK_DATABASE_URL"]
            else:
                os.environ.pop("TUNEFORK_DATABASE_URL", None)
            return Workspace.open(self.home)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def cleanup(self) -> None:
        """Drop the database schema and the Redis queue."""
        if self.schema is not None:
            self.schema.drop()
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"huey.*{self.queue_name}*"):
                client.delete(key)


class Process:
    """A `tunefork` subprocess whose output goes to a log file (shown when a test fails)."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.popen = subprocess.Popen([*tunefork_command(), *args], env=env, stdout=self._log, stderr=self._log)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Stop with ``sig`` (SIGKILL to simulate a crash), then wait."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)
        self._log.close()

    def output(self) -> str:
        """What the process printed so far."""
        return self.log_path.read_text(errors="replace")


class LiveServer(Process):
    """`tunefork serve` on a free loopback port, with an httpx client carrying the admin token."""

    def __init__(self, env: ServiceEnv, log_path: Path, workers: int = 1, **extra_env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"]
        super().__init__(args, env.environ(**extra_env), log_path)
        # No kept-alive connections: uvicorn closes an idle one after 5 s, and a request sent on it at that
        # moment fails with "Server disconnected" (seen polling a job on a loaded machine).
        self.client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=120,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"tunefork serve exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"tunefork serve did not start in {timeout} s:\n{self.output()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Close the client and stop the server."""
        self.client.close()
        super().stop(sig, timeout)

    def wait_for(self, path: str, timeout: float = 120) -> dict[str, Any]:
        """Poll ``path`` (a resource or job URL) until its status is Succeeded or Failed."""
        deadline = time.monotonic() + timeout
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            response = self.client.get(path)
            assert response.status_code == 200, response.text
            body = response.json()
            if body["status"] in TERMINAL:
                return body
            time.sleep(0.2)
        raise AssertionError(f"{path} still {body.get('status')} after {timeout} s:\n{self.output()[-3000:]}")


@pytest.fixture(scope="module", params=["sqlite", "pg-redis"])
def service_env(request, tmp_path_factory) -> Iterator[ServiceEnv]:
    """A fresh service environment per module and backend (pg-redis skipped when unavailable)."""
    if request.param == "pg-redis":
        reason = postgres_and_redis_available()
        if reason:
            pytest.skip(reason)
    env = ServiceEnv(tmp_path_factory.mktemp(f"svc-{request.param}") / "home", request.param)
    yield env
    env.cleanup()


@pytest.fixture(scope="module")
def live_server(service_env: ServiceEnv, tmp_path_factory) -> Iterator[LiveServer]:
    """`tunefork serve` with one in-process job consumer."""
    server = LiveServer(service_env, tmp_path_factory.mktemp("logs") / "serve.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def utterance(speak) -> bytes:
    """A 2-3 s spoken sentence as WAV bytes."""
    return speak("please call me back at five o'clock").read_bytes()


def copy_to(path: Path, folder: Path) -> Path:
    """Copy a file into ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(path, folder / path.name))
