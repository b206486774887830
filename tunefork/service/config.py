"""Service settings from the environment: upload limits, recognition concurrency and model warm-up."""

from __future__ import annotations

from dataclasses import dataclass

from tunefork.config import env_float, env_int


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
    warm_models: int = 3
    """``TUNEFORK_WARM_MODELS``: models of the most recently used endpoints loaded in the background when the
    server starts, so their first request does not wait for a load (0: none; the others load on first use)."""

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Settings from ``TUNEFORK_*`` variables (defaults when unset)."""
        d = cls()
        return cls(
            max_upload_bytes=env_int("TUNEFORK_MAX_UPLOAD_BYTES", d.max_upload_bytes, minimum=1),
            max_recognition_bytes=env_int("TUNEFORK_MAX_RECOGNITION_BYTES", d.max_recognition_bytes, minimum=1),
            max_recognition_seconds=env_float("TUNEFORK_MAX_RECOGNITION_SECONDS", d.max_recognition_seconds, minimum=0),
            recognition_workers=env_int("TUNEFORK_RECOGNITION_WORKERS", d.recognition_workers, minimum=1),
            recognition_queue=env_int("TUNEFORK_RECOGNITION_QUEUE", d.recognition_queue, minimum=0),
            warm_models=env_int("TUNEFORK_WARM_MODELS", d.warm_models, minimum=0),
        )
