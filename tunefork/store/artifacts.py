"""Artifact files on disk, written atomically: readers see the old state or the new, never half."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tunefork.store.staging import OwnedFolder


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, value: Any) -> None:
    """Pretty-printed JSON written atomically."""
    atomic_write_text(path, json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    """One JSON object per line, written atomically."""
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSONL file (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_jsonl_page(path: Path, skip: int, top: int) -> tuple[list[dict[str, Any]], int]:
    """Records ``skip`` to ``skip + top`` of a JSONL file (blank lines skipped) and how many it holds: only those
    are parsed, so a page of a file of millions of lines costs one pass over it, not its records in memory."""
    page: list[dict[str, Any]] = []
    total = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            if skip <= total < skip + top:
                page.append(json.loads(line))
            total += 1
    return page, total


@contextmanager
def staged_directory(final: Path, staging_root: Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success rename it to ``final``, on error delete it.

    The rename is atomic on one filesystem, so ``final`` either appears complete or not at all. The
    staging folder is owned by this process while it exists (:mod:`tunefork.store.staging`), so a crash
    leaves an orphan that the next sweep removes, and no sweep touches it while this process lives.
    """
    staging = OwnedFolder(staging_root, f"{final.name}.")
    try:
        yield staging.path
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging.path, final)
        staging.release()
    except BaseException:
        staging.remove()
        raise
