"""Content hashes: identical uploads give identical hashes, whatever the upload's container or order."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def content_hash(records: Iterable[dict[str, Any]]) -> str:
    """Hex SHA-256 over the canonical manifest records, sorted, serialized with sorted keys.

    Speech records carry ``audio_sha256`` (the hash of the canonical WAV bytes), so the audio is covered.
    """
    digest = hashlib.sha256()
    for line in sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
