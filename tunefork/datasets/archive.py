"""Safe zip extraction: refuse traversal, links, bombs and oversized archives before and while extracting.

Checks made on the declared entries *before* anything is written:

- no absolute names (``/x``, ``\\x``, ``C:x``) and no ``..`` component (path traversal);
- no symbolic links or other special files (by the Unix mode in the entry's external attributes);
- no encrypted entries and no duplicate names;
- at most ``limits.max_archive_files`` entries and at most ``limits.max_archive_bytes`` uncompressed bytes;
- no entry of 1 MiB or more whose uncompressed/compressed ratio exceeds ``limits.max_compression_ratio``.

Headers can lie, so extraction copies each entry in chunks with byte counters and stops as soon as an
entry writes more than it declared or the total passes ``limits.max_archive_bytes``; a corrupt entry
(bad CRC, truncated data) rejects the whole upload. Any failure removes the extraction folder.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tunefork.config import UploadLimits
from tunefork.datasets.scanning import list_files
from tunefork.errors import UploadRejectedError

RATIO_CHECK_MIN_BYTES = 1 << 20
"""Entries smaller than this are not ratio-checked (tiny text files compress very well, harmlessly)."""
_CHUNK = 1 << 16
_DRIVE = re.compile(r"^[A-Za-z]:")
IGNORED_ENTRY_PREFIXES = ("__MACOSX/",)
"""Archive metadata folders that are skipped (still counted against the limits)."""


@dataclass(frozen=True)
class Upload:
    """What an import reads: ``root`` is the uploaded file or folder, or the folder a zip was unpacked to."""

    root: Path
    name: str
    archived: bool


def is_zip(path: Path) -> bool:
    """True when ``path`` is a file whose content is a zip archive (by signature, whatever its extension)."""
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        magic = handle.read(4)
    return magic in (b"PK\x03\x04", b"PK\x05\x06") and zipfile.is_zipfile(path)


def _entry_parts(name: str, archive_name: str) -> tuple[str, ...]:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or _DRIVE.match(normalized):
        raise UploadRejectedError(f"{archive_name}: entry '{name}' has an absolute path; the upload was refused.")
    parts = PurePosixPath(normalized).parts
    if ".." in parts:
        raise UploadRejectedError(f"{archive_name}: entry '{name}' points outside the archive ('..'); refused.")
    return tuple(p for p in parts if p not in ("", "."))


def check_archive(archive: zipfile.ZipFile, limits: UploadLimits, archive_name: str) -> None:
    """Validate every declared entry of ``archive`` against ``limits``; raise :class:`UploadRejectedError`."""
    entries = archive.infolist()
    if len(entries) > limits.max_archive_files:
        raise UploadRejectedError(
            f"{archive_name}: holds {len(entries)} entries, more than the limit of {limits.max_archive_files}."
        )
    total = 0
    seen: set[tuple[str, ...]] = set()
    for info in entries:
        parts = _entry_parts(info.filename, archive_name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadRejectedError(f"{archive_name}: entry '{info.filename}' is a symbolic link; refused.")
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UploadRejectedError(f"{archive_name}: entry '{info.filename}' is a special file; refused.")
        if info.flag_bits & 0x1:
            raise UploadRejectedError(f"{archive_name}: entry '{info.filename}' is encrypted; upload it unencrypted.")
        if parts and not info.is_dir():
            if parts in seen:
                raise UploadRejectedError(f"{archive_name}: entry '{info.filename}' appears twice; refused.")
            seen.add(parts)
        total += info.file_size
        if total > limits.max_archive_bytes:
            raise UploadRejectedError(
                f"{archive_name}: uncompressed size exceeds the limit of {limits.max_archive_bytes} bytes "
                f"(reached at entry '{info.filename}')."
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > limits.max_compression_ratio:
            raise UploadRejectedError(
                f"{archive_name}: entry '{info.filename}' expands {ratio:.0f}x ({info.file_size} bytes), more than "
                f"the {limits.max_compression_ratio:.0f}x limit (possible zip bomb); refused."
            )


def _copy_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, archive_name: str) -> int:
    """Stream one entry to ``target``; return the bytes written. Raise when it outgrows its size or ``budget``."""
    written = 0
    with archive.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size or written > budget:
                raise UploadRejectedError(
                    f"{archive_name}: entry '{info.filename}' expands beyond its declared size or the archive "
                    "size limit (possible zip bomb); refused."
                )
            dst.write(chunk)
    return written


def extract_zip(zip_path: Path, target: Path, limits: UploadLimits, archive_name: str | None = None) -> None:
    """Check, then extract ``zip_path`` into the existing empty folder ``target`` (see module docs)."""
    name = archive_name or zip_path.name
    root = target.resolve()
    try:
        with zipfile.ZipFile(zip_path) as archive:
            check_archive(archive, limits, name)
            budget = limits.max_archive_bytes
            for info in archive.infolist():
                normalized = info.filename.replace("\\", "/")
                parts = _entry_parts(info.filename, name)
                if not parts or normalized.startswith(IGNORED_ENTRY_PREFIXES):
                    continue
                destination = root.joinpath(*parts)
                if not destination.resolve().is_relative_to(root):
                    raise UploadRejectedError(f"{name}: entry '{info.filename}' points outside the archive; refused.")
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                budget -= _copy_entry(archive, info, destination, budget, name)
    except UploadRejectedError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise UploadRejectedError(f"{name}: corrupt or unsupported zip archive ({exc}).") from exc


@contextmanager
def opened_upload(source: Path, limits: UploadLimits, scratch_dir: Path | None = None) -> Iterator[Upload]:
    """Yield the upload to read: ``source`` itself, or a temporary extraction of it when it is a zip.

    The extraction folder is created in ``scratch_dir`` (default: the system temp folder) and removed
    on exit, whatever happens. Empty uploads (empty file, folder without files, zip without entries)
    are refused with :class:`UploadRejectedError`.
    """
    if not source.exists():
        raise UploadRejectedError(f"{source.name}: no such file or folder.")
    if source.is_file() and source.stat().st_size == 0:
        raise UploadRejectedError(f"{source.name}: the upload is empty.")
    if source.is_dir() and not list_files(source):
        raise UploadRejectedError(f"{source.name}: the folder holds no files.")
    if not is_zip(source):
        yield Upload(root=source, name=source.name, archived=False)
        return
    if scratch_dir is not None:
        scratch_dir.mkdir(parents=True, exist_ok=True)
    extracted = Path(tempfile.mkdtemp(prefix=".tunefork-unzip-", dir=scratch_dir))
    try:
        extract_zip(source, extracted, limits, source.name)
        if not list_files(extracted):
            raise UploadRejectedError(f"{source.name}: the archive holds no files.")
        yield Upload(root=extracted, name=source.name, archived=True)
    finally:
        shutil.rmtree(extracted, ignore_errors=True)
