"""One cache of loaded models for every engine: each model is loaded once per process and shared.

Loading is serialized per key (two requests for the same model wait for one load), not globally, so
a slow Whisper load never holds up a spaCy one. Engines make their models safe to share between
threads (each holds its own inference lock).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_models: dict[str, Any] = {}
_key_locks: dict[str, threading.Lock] = {}
_lock = threading.Lock()


def shared_model(key: str, load: Callable[[], T]) -> T:
    """The model cached under ``key``, loaded with ``load()`` the first time (and again after a failure)."""
    with _lock:
        if key in _models:
            return _models[key]
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        with _lock:
            if key in _models:
                return _models[key]
        model = load()
        with _lock:
            _models[key] = model
        return model


def clear_cache() -> None:
    """Forget every loaded model (tests; freeing memory in a long-lived worker)."""
    with _lock:
        _models.clear()
        _key_locks.clear()
