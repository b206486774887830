"""Scratch folders that know their owner, and the sweep that removes the ones nobody owns any more.

Every folder under the workspace's ``.staging`` is made by :class:`OwnedFolder`: next to folder ``X`` lies
``X.owner``, naming the host and process, which that process holds an exclusive ``flock`` on for as long
as it works in ``X``. A process that dies, even by ``kill -9``, loses its locks with its file descriptors,
so :func:`sweep_orphans` tells an orphan (lock free) from the folder of a live job (lock held) without
guessing from ages: a training that runs for hours keeps its folder. The owner file is locked before it
is renamed into place, so it is never seen unlocked while its owner lives. Folders owned on another host
(a workspace shared over the network) are left to that host's sweeps; a folder without an owner file
(a crash between creating it and claiming it) is removed once it is older than ``grace_seconds``.

Sweeps run when a workspace is opened (every CLI command, server and worker start) and every ten minutes
in every job consumer.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

OWNER_SUFFIX = ".owner"
GRACE_SECONDS = 600.0


class OwnedFolder:
    """A new empty folder in ``root`` and the lock that says this process owns it (see the module docs)."""

    def __init__(self, root: Path, prefix: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(dir=root, prefix=prefix))
        self.owner_file = self.path.with_name(self.path.name + OWNER_SUFFIX)
        fd, claim = tempfile.mkstemp(dir=root, prefix=f".{self.path.name}.", suffix=".claim")
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{socket.gethostname()} {os.getpid()}\n".encode())
        os.replace(claim, self.owner_file)
        self._fd: int | None = fd

    def release(self) -> None:
        """End the ownership (the folder itself is left as it is: moved away or removed by the caller)."""
        if self._fd is not None:
            self.owner_file.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None

    def remove(self) -> None:
        """Delete the folder, then end the ownership."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


@contextmanager
def scratch_folder(root: Path, prefix: str = "scratch.") -> Iterator[Path]:
    """An owned empty folder in ``root`` for the length of the block, removed afterwards whatever happens."""
    folder = OwnedFolder(root, prefix)
    try:
        yield folder.path
    finally:
        folder.remove()


def _host_of(owner_file: Path) -> str:
    try:
        return owner_file.read_text(encoding="utf-8").split()[0]
    except (OSError, IndexError):
        return ""


def _unowned(owner_file: Path) -> bool:
    """True when no process holds ``owner_file``'s lock (its owner is gone); False while one does."""
    try:
        fd = os.open(owner_file, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def sweep_orphans(root: Path, grace_seconds: float = GRACE_SECONDS) -> list[str]:
    """Remove the folders in ``root`` whose owner is gone; return their names (see the module docs)."""
    if not root.is_dir():
        return []
    removed = []
    here = socket.gethostname()
    for entry in sorted(root.iterdir()):
        if entry.name.endswith(OWNER_SUFFIX):
            if not entry.with_name(entry.name.removesuffix(OWNER_SUFFIX)).exists() and _unowned(entry):
                entry.unlink(missing_ok=True)  # a stale claim whose folder is gone
            continue
        owner_file = entry.with_name(entry.name + OWNER_SUFFIX)
        if owner_file.exists():
            if _host_of(owner_file) not in (here, "") or not _unowned(owner_file):
                continue
        else:
            with suppress(FileNotFoundError):
                if time.time() - entry.lstat().st_mtime < grace_seconds:
                    continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        owner_file.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed
