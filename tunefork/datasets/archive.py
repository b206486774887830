"""Safe zip extraction: refuse traversal, links, bombs and oversized archives before and while extracting.

Checks made on the declared entries *before* anything is written:

- no absolute names (``/x``, ``\\x``, ``C:x``) and no ``..`` component (path traversal);
- no symbolic links or other special files (by the Unix mode in the entry's external attributes);
- no encrypted entries, no duplicate names, no name used both as a file and as a folder;
- names a filesystem can hold: no control characters, at most 255 bytes per component, 32 levels deep;
- at most ``limits.max_archive_files`` entries and at most ``limits.max_archive_bytes`` uncompressed bytes;
- no entry of 1 MiB or more whose uncompressed/compressed ratio exceeds ``limits.max_compression_ratio``,
  and no archive whose entries together expand more than that ratio over the archive's own size (many
  medium entries are a bomb too).

Entry names the archive does not flag as UTF-8 are read as UTF-8 when they are valid UTF-8 (Info-ZIP and macOS
write names that way), else as the zip standard's code page 437; every name is NFC-normalized, so ``Zoë 01.wav``
matches the ``Zoë 01.wav`` a transcript names whichever way the archiver encoded it.

Headers can lie, so extraction copies each entry in chunks with byte counters and stops as soon as an
entry writes more than it declared or the total passes ``limits.max_archive_bytes``; a corrupt entry
(bad CRC, truncated data) rejects the whole upload. Any failure removes the extraction folder.
"""

from __future__ import annotations

import contextlib
import re
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tunefork.config import UploadLimits
from tunefork.datasets.scanning import list_files
from tunefork.errors import UploadRejectedError
from tunefork.store.staging import scratch_folder

RATIO_CHECK_MIN_BYTES = 1 << 20
"""Entries (and archives) expanding to less than this are not ratio-checked (small text compresses well)."""
MAX_NAME_BYTES = 255
"""Longest file or folder name (one path component) in bytes, as most filesystems allow."""
MAX_DEPTH = 32
"""Most folder levels an entry name may have."""
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


def _has_zip_signature(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def is_zip(path: Path) -> bool:
    """True when ``path`` is a file whose content is a zip archive (by signature, whatever its extension)."""
    return path.is_file() and _has_zip_signature(path) and zipfile.is_zipfile(path)


def _check_not_broken_zip(path: Path) -> None:
    """Refuse a file that claims to be a zip (by signature or extension) but cannot be read as one."""
    if _has_zip_signature(path):
        raise UploadRejectedError(
            f"{path.name}: starts like a zip archive but cannot be read as one (corrupt or cut short); "
            "re-create the zip and upload it again."
        )
    if path.suffix.lower() == ".zip":
        raise UploadRejectedError(f"{path.name}: is named .zip but is not a zip archive.")


def _entry_parts(name: str, archive_name: str) -> tuple[str, ...]:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or _DRIVE.match(normalized):
        raise UploadRejectedError(f"{archive_name}: entry '{name}' has an absolute path; the upload was refused.")
    parts = PurePosixPath(normalized).parts
    if ".." in parts:
        raise UploadRejectedError(f"{archive_name}: entry '{name}' points outside the archive ('..'); refused.")
    return tuple(p for p in parts if p not in ("", "."))


def _check_name(parts: tuple[str, ...], name: str, archive_name: str) -> None:
    shown = name.encode("unicode_escape").decode("ascii")[:80]
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise UploadRejectedError(f"{archive_name}: entry '{shown}' has control characters in its name; refused.")
    if len(parts) > MAX_DEPTH:
        raise UploadRejectedError(f"{archive_name}: entry '{shown}...' is nested {len(parts)} folders deep; refused.")
    longest = max((len(p.encode("utf-8")) for p in parts), default=0)
    if longest > MAX_NAME_BYTES:
        raise UploadRejectedError(
            f"{archive_name}: entry '{shown}...' has a name of {longest} bytes, over the {MAX_NAME_BYTES}-byte "
            "limit of file names; refused."
        )


class _Tree:
    """Names seen so far, to refuse duplicates and a name used both as a file and as a folder."""

    def __init__(self, archive_name: str) -> None:
        self.archive_name = archive_name
        self.files: set[tuple[str, ...]] = set()
        self.folders: set[tuple[str, ...]] = set()

    def add(self, parts: tuple[str, ...], is_dir: bool, name: str) -> None:
        if not parts:
            return
        prefixes = {parts[:i] for i in range(1, len(parts))}
        clash = prefixes & self.files or ((parts in self.files) if is_dir else (parts in self.folders))
        if clash:
            raise UploadRejectedError(
                f"{self.archive_name}: entry '{name}' uses a name that is both a file and a folder; refused."
            )
        if is_dir:
            self.folders.add(parts)
        else:
            if parts in self.files:
                raise UploadRejectedError(f"{self.archive_name}: entry '{name}' appears twice; refused.")
            self.files.add(parts)
        self.folders |= prefixes


def check_archive(archive: zipfile.ZipFile, limits: UploadLimits, archive_name: str, archive_bytes: int) -> None:
    """Validate every declared entry of ``archive`` against ``limits``; raise :class:`UploadRejectedError`.

    ``archive_bytes`` is the size of the archive file (what all entries together expand from).
    """
    entries = archive.infolist()
    if len(entries) > limits.max_archive_files:
        raise UploadRejectedError(
            f"{archive_name}: holds {len(entries)} entries, more than the limit of {limits.max_archive_files}."
        )
    total = 0
    tree = _Tree(archive_name)
    for info in entries:
        parts = _entry_parts(info.filename, archive_name)
        _check_name(parts, info.filename, archive_name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadRejectedError(f"{archive_name}: entry '{info.filename}' is a symbolic link; refused.")
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UploadRejectedError(f"{archive_name}: entry '{info.filename}' is a special file; refused.")
        if info.flag_bits & 0x1:
            raise UploadRejectedError(f"{archive_name}: entry '{info.filename}' is encrypted; upload it unencrypted.")
        tree.add(parts, info.is_dir(), info.filename)
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
    ratio = total / max(archive_bytes, 1)
    if total >= RATIO_CHECK_MIN_BYTES and ratio > limits.max_compression_ratio:
        raise UploadRejectedError(
            f"{archive_name}: its {len(entries)} entries expand {ratio:.0f}x ({total} bytes from {archive_bytes}), "
            f"more than the {limits.max_compression_ratio:.0f}x limit (possible zip bomb); refused."
        )


UTF8_NAME_FLAG = 0x800
"""General-purpose bit 11 of a zip entry: its name is UTF-8 (without it, the standard says code page 437)."""


def _read_names_as_utf8(archive: zipfile.ZipFile) -> None:
    """Rename (in memory) each entry whose unflagged name is valid UTF-8 to that reading; NFC-normalize all."""
    for info in archive.infolist():
        name = info.filename
        if not info.flag_bits & UTF8_NAME_FLAG:
            with contextlib.suppress(UnicodeError):  # else a genuine code page 437 name: kept
                name = name.encode("cp437").decode("utf-8")
        info.filename = unicodedata.normalize("NFC", name)


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
            _read_names_as_utf8(archive)
            check_archive(archive, limits, name, zip_path.stat().st_size)
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

    The extraction folder is created in ``scratch_dir`` (default: the system temp folder), owned by this
    process while it exists (:mod:`tunefork.store.staging`) and removed on exit, whatever happens. Empty
    uploads (empty file, folder without files, zip without entries) are refused with
    :class:`UploadRejectedError`.
    """
    if not source.exists():
        raise UploadRejectedError(f"{source.name}: no such file or folder.")
    if source.is_file() and source.stat().st_size == 0:
        raise UploadRejectedError(f"{source.name}: the upload is empty.")
    if source.is_dir() and not list_files(source):
        raise UploadRejectedError(f"{source.name}: the folder holds no files.")
    if not is_zip(source):
        if source.is_file():
            _check_not_broken_zip(source)
        yield Upload(root=source, name=source.name, archived=False)
        return
    with scratch_folder(scratch_dir or Path(tempfile.gettempdir()), "unzip.") as extracted:
        extract_zip(source, extracted, limits, source.name)
        if not list_files(extracted):
            raise UploadRejectedError(f"{source.name}: the archive holds no files.")
        yield Upload(root=extracted, name=source.name, archived=True)
