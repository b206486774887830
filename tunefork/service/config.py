"""Service settings from the environment: upload limits and recognition concurrency."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSettings:
    """Limits that keep one server responsive."""

    max_upload_bytes: int = 2 * 1024**3
    """``TUNEFORK_MAX_UPLOAD_BYTES``: largest request body on upload routes (413 beyond)."""
    max_recognition_bytes: int = 50 * 1024**2
    """``TUNEFORK_MAX_RECOGNITION_BYTES``: largest audio body of one recognition request (413 beyond)."""
    max_recognition_seconds: float = 600.0
    """``TUNEFORK_MAX_RECOGNITION_SECONDS``: longest audio one recognition request may carry (422 beyond)."""
    max_request_bytes: int = 1024**2
    """Largest body of every other route (JSON requests)."""
    recognition_workers: int = 8
    """``TUNEFORK_RECOGNITION_WORKERS``: recognitions running at once (threads off the event loop); Whisper
    decodes the ones that wait for the model together, so this bounds its batches too."""
    recognition_queue: int = 32
    """``TUNEFORK_RECOGNITION_QUEUE``: recognitions allowed to wait; beyond, 503 with Retry-After."""

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Settings from ``TUNEFORK_*`` variables (defaults when unset)."""
        env, d = os.environ, cls()
        return cls(
            max_upload_bytes=int(env.get("TUNEFORK_MAX_UPLOAD_BYTES", d.max_upload_bytes)),
            max_recognition_bytes=int(env.get("TUNEFORK_MAX_RECOGNITION_BYTES", d.max_recognition_bytes)),
            max_recognition_seconds=float(env.get("TUNEFORK_MAX_RECOGNITION_SECONDS", d.max_recognition_seconds)),
            recognition_workers=max(1, int(env.get("TUNEFORK_RECOGNITION_WORKERS", d.recognition_workers))),
            recognition_queue=max(0, int(env.get("TUNEFORK_RECOGNITION_QUEUE", d.recognition_queue))),
        )
