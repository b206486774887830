"""Settings from the environment: where the workspace lives, which database and which limits apply."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOME = Path.home() / ".tunefork"
DATABASE_FILE = "tunefork.db"
"""The SQLite database in the workspace, when no database URL is configured."""
MAX_AUDIO_SECONDS = 2 * 3600.0
"""Longest audio any file may hold (uploads, transcription): decoding stops there whatever the header says."""


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
            max_archive_bytes=int(os.environ.get("TUNEFORK_MAX_ARCHIVE_BYTES", defaults.max_archive_bytes)),
            max_archive_files=int(os.environ.get("TUNEFORK_MAX_ARCHIVE_FILES", defaults.max_archive_files)),
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
            cache_max_bytes=int(env.get("TUNEFORK_CACHE_MAX_BYTES", cls.cache_max_bytes)),
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
