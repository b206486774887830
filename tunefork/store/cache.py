"""A machine's read-through cache of artifact objects: verified on download, bounded, least recently used out.

Each cached artifact is an unpacked folder ``<root>/<digest>``; its modification time is its last use.
A download is verified against its digest and unpacked in an owned scratch folder, then renamed into
place, so readers never see half an artifact. Above ``max_bytes`` the least recently used folders are
removed, except those used in the last ``IN_USE_SECONDS`` (a reader may still have them open).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from tunefork.store.objects import ObjectStore, unpack
from tunefork.store.staging import scratch_folder, sweep_orphans

log = logging.getLogger(__name__)

IN_USE_SECONDS = 600.0


def folder_size(folder: Path) -> int:
    """Bytes of the files under ``folder``."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


class ArtifactCache:
    """Unpacked artifacts of ``store`` under ``root``, at most ``max_bytes`` (LRU)."""

    def __init__(self, root: Path, store: ObjectStore, max_bytes: int, in_use_seconds: float = IN_USE_SECONDS) -> None:
        self.root, self.store, self.max_bytes, self.in_use_seconds = root, store, max_bytes, in_use_seconds
        self._scratch = root / ".staging"
        root.mkdir(parents=True, exist_ok=True)
        sweep_orphans(self._scratch)

    def folder(self, digest: str) -> Path:
        """The unpacked artifact ``digest``, downloaded and verified first when not cached here."""
        entry = self.root / digest
        if not entry.is_dir():
            with scratch_folder(self._scratch, "fetch.") as scratch:
                archive = scratch / "object.tar"
                self.store.get(digest, archive)
                unpack(archive, digest, scratch / "tree")
                self._settle(scratch / "tree", entry)
            self.evict(keep=digest)
        os.utime(entry)
        return entry

    def fetch_into(self, digest: str, folder: Path) -> None:
        """Download, verify and unpack ``digest`` into ``folder`` without caching it (a one-time read)."""
        with scratch_folder(self._scratch, "fetch.") as scratch:
            archive = scratch / "object.tar"
            self.store.get(digest, archive)
            unpack(archive, digest, folder)

    def adopt(self, digest: str, folder: Path) -> Path:
        """Move a folder this process just published as ``digest`` into the cache (no download later)."""
        entry = self.root / digest
        self._settle(folder, entry)
        self.evict(keep=digest)
        return entry

    def _settle(self, folder: Path, entry: Path) -> None:
        """Rename ``folder`` to ``entry``; if another process got there first its copy (same content) stays.
        A folder on another filesystem is copied into the cache's scratch space first."""
        if entry.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            return
        try:
            folder.rename(entry)
        except OSError:
            if entry.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
                return
            with scratch_folder(self._scratch, "adopt.") as scratch:
                shutil.copytree(folder, scratch / "tree")
                self._settle(scratch / "tree", entry)
            shutil.rmtree(folder, ignore_errors=True)

    def evict(self, keep: str = "") -> list[str]:
        """Remove least recently used artifacts until the cache fits ``max_bytes``; returns their digests."""
        entries = [(p.stat().st_mtime, p) for p in self.root.iterdir() if p.is_dir() and p.name.startswith("sha256-")]
        sizes = {path: folder_size(path) for _, path in entries}
        total = sum(sizes.values())
        removed = []
        now = time.time()
        for used, path in sorted(entries, key=lambda entry: entry[0]):
            if total <= self.max_bytes:
                break
            if path.name == keep or now - used < self.in_use_seconds:
                continue
            shutil.rmtree(path, ignore_errors=True)
            total -= sizes[path]
            removed.append(path.name)
        if removed:
            log.info("artifact cache: evicted %d artifact(s), %d bytes kept", len(removed), total)
        return removed
