"""Settings from the environment: where the workspace lives, which database and which limits apply."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tunefork.errors import SettingError

DEFAULT_HOME = Path.home() / ".tunefork"
DATABASE_FILE = "tunefork.db"
"""The SQLite database in the workspace, when no database URL is configured."""
MAX_AUDIO_SECONDS = 2 * 3600.0
"""Longest audio any file may hold (uploads, transcription): decoding stops there whatever the header says."""

N = TypeVar("N", int, float)


def env_int(name: str, default: int, minimum: int | None = None, meaning: str = "") -> int:
    """The whole number in environment variable ``name`` (``default`` when unset or blank).

    Raises :class:`SettingError` naming the variable and its value when it is not a whole number or is below
    ``minimum``; ``meaning`` (e.g. "a number of guard sentences (0 turns the check off)") says what to give.
    """
    return _env_number(name, default, int, minimum, meaning or _expected("a whole number", minimum))


def env_float(name: str, default: float, minimum: float | None = None, meaning: str = "") -> float:
    """The finite number in environment variable ``name`` (``default`` when unset or blank); see :func:`env_int`."""
    return _env_number(name, default, float, minimum, meaning or _expected("a number", minimum))


def _expected(what: str, minimum: float | None) -> str:
    return what if minimum is None else f"{what} of at least {minimum:g}"


def _env_number(name: str, default: N, parse: Callable[[str], N], minimum: N | None, meaning: str) -> N:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or (minimum is not None and value < minimum):
        raise SettingError(f"{name}={raw!r} is not usable: give {meaning}, or unset it for the default ({default}).")
    return value


@dataclass(frozen=True)
class UploadLimits:
    """Bounds that protect the server from hostile or accidental huge uploads."""

    max_archive_bytes: int = 2 * 1024**3
    """Largest total uncompressed size of an archive's entries."""
    max_archive_files: int = 20_000
    """Most entries an archive may hold."""
    max_compression_ratio: float = 200.0
    """Largest uncompressed/compressed ratio of a single entry (zip bombs)."""
    warn_audio_seconds: float = 60.0
    """Training audio longer than this is accepted with a warning."""
    max_audio_seconds: float = MAX_AUDIO_SECONDS
    """Audio longer than this is rejected."""
    min_audio_seconds: float = 0.1
    """Audio shorter than this is rejected (too short to hold a word)."""

    @classmethod
    def from_env(cls) -> UploadLimits:
        """Read overrides from ``TUNEFORK_MAX_ARCHIVE_BYTES`` / ``TUNEFORK_MAX_ARCHIVE_FILES``."""
        defaults = cls()
        return cls(
            max_archive_bytes=env_int("TUNEFORK_MAX_ARCHIVE_BYTES", defaults.max_archive_bytes, minimum=1),
            max_archive_files=env_int("TUNEFORK_MAX_ARCHIVE_FILES", defaults.max_archive_files, minimum=1),
        )


@dataclass(frozen=True)
class StorageSettings:
    """Where artifacts are published: the workspace folder (default) or a shared object store."""

    url: str = ""
    """``TUNEFORK_STORAGE_URL``: ``s3://bucket/prefix`` (or ``file:///shared/folder``); empty: the workspace."""
    endpoint_url: str = ""
    """``TUNEFORK_S3_ENDPOINT_URL``: an S3-compatible server (SeaweedFS, MinIO); empty: AWS."""
    access_key: str = ""
    """``TUNEFORK_S3_ACCESS_KEY_ID`` (else the usual AWS credential chain)."""
    secret_key: str = ""
    """``TUNEFORK_S3_SECRET_ACCESS_KEY``."""
    region: str = ""
    """``TUNEFORK_S3_REGION``."""
    cache_dir: str = ""
    """``TUNEFORK_CACHE_DIR``: this machine's read-through cache (default ``<workspace>/.cache/artifacts``)."""
    cache_max_bytes: int = 20 * 1024**3
    """``TUNEFORK_CACHE_MAX_BYTES``: the cache evicts least recently used artifacts above this size."""

    @classmethod
    def from_env(cls) -> StorageSettings:
        """Settings from ``TUNEFORK_STORAGE_URL``, ``TUNEFORK_S3_*`` and ``TUNEFORK_CACHE_*``."""
        env = os.environ
        return cls(
            url=env.get("TUNEFORK_STORAGE_URL", "").rstrip("/"),
            endpoint_url=env.get("TUNEFORK_S3_ENDPOINT_URL", ""),
            access_key=env.get("TUNEFORK_S3_ACCESS_KEY_ID", ""),
            secret_key=env.get("TUNEFORK_S3_SECRET_ACCESS_KEY", ""),
            region=env.get("TUNEFORK_S3_REGION", ""),
            cache_dir=env.get("TUNEFORK_CACHE_DIR", ""),
            cache_max_bytes=env_int("TUNEFORK_CACHE_MAX_BYTES", cls.cache_max_bytes, minimum=0),
        )


@dataclass(frozen=True)
class Settings:
    """Everything a workspace needs to open: its folder, database URL and upload limits."""

    home: Path
    database_url: str
    limits: UploadLimits = field(default_factory=UploadLimits)
    storage: StorageSettings = field(default_factory=StorageSettings)

    @classmethod
    def load(cls, home: Path | str | None = None) -> Settings:
        """Settings from ``--home`` (if given), else ``TUNEFORK_HOME``, else ``~/.tunefork``."""
        chosen = Path(home or os.environ.get("TUNEFORK_HOME") or DEFAULT_HOME).expanduser().resolve()
        url = os.environ.get("TUNEFORK_DATABASE_URL") or f"sqlite:///{chosen / DATABASE_FILE}"
        return cls(home=chosen, database_url=url, limits=UploadLimits.from_env(), storage=StorageSettings.from_env())
