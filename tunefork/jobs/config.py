"""Job queue settings from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from tunefork.config import env_float, env_int


@dataclass(frozen=True)
class JobSettings:
    """Where the queue lives and how leases behave."""

    redis_url: str | None = None
    """``TUNEFORK_REDIS_URL``: use Redis (shared by workers on many machines) instead of SQLite."""
    queue_name: str = "tunefork"
    """``TUNEFORK_QUEUE_NAME``: the Huey queue name (isolates several installations on one Redis)."""
    lease_seconds: float = 60.0
    """``TUNEFORK_JOB_LEASE_SECONDS``: a Running job whose heartbeat is older is taken back."""
    max_attempts: int = 2
    """``TUNEFORK_JOB_MAX_ATTEMPTS``: runs of a job before a dead worker makes it Failed (2 = retried once)."""
    requeue_after_seconds: float = 600.0
    """``TUNEFORK_JOB_REQUEUE_SECONDS``: a NotStarted job enqueued longer ago is enqueued again (no-op if queued)."""
    time_limit_seconds: float = 86400.0
    """``TUNEFORK_JOB_TIME_LIMIT_SECONDS``: a job running longer is stopped and Failed with the reason."""
    relay_after_seconds: float = 5.0
    """``TUNEFORK_JOB_RELAY_SECONDS``: a job recorded but not enqueued this long ago is enqueued by the relay."""
    abandon_after_seconds: float = 3600.0
    """``TUNEFORK_JOB_ABANDON_SECONDS``: a NotStarted resource this old without a job is Failed (its upload
    or submission was cut off)."""

    @property
    def heartbeat_seconds(self) -> float:
        """How often a running job renews its lease."""
        return max(self.lease_seconds / 4, 0.2)

    @classmethod
    def queue_from_env(cls) -> JobSettings:
        """Where the queue lives (``TUNEFORK_REDIS_URL``, ``TUNEFORK_QUEUE_NAME``), the job limits left at their
        defaults: readable even when a ``TUNEFORK_JOB_*`` number is not (``tunefork doctor`` checks both)."""
        env = os.environ
        return cls(
            redis_url=env.get("TUNEFORK_REDIS_URL") or None, queue_name=env.get("TUNEFORK_QUEUE_NAME") or cls.queue_name
        )

    @classmethod
    def from_env(cls) -> JobSettings:
        """Settings from ``TUNEFORK_*`` variables (defaults when unset)."""
        defaults = cls.queue_from_env()
        return replace(
            defaults,
            lease_seconds=env_float("TUNEFORK_JOB_LEASE_SECONDS", defaults.lease_seconds),
            max_attempts=env_int("TUNEFORK_JOB_MAX_ATTEMPTS", defaults.max_attempts),
            requeue_after_seconds=env_float("TUNEFORK_JOB_REQUEUE_SECONDS", defaults.requeue_after_seconds),
            time_limit_seconds=env_float("TUNEFORK_JOB_TIME_LIMIT_SECONDS", defaults.time_limit_seconds),
            relay_after_seconds=env_float("TUNEFORK_JOB_RELAY_SECONDS", defaults.relay_after_seconds),
            abandon_after_seconds=env_float("TUNEFORK_JOB_ABANDON_SECONDS", defaults.abandon_after_seconds),
        )
