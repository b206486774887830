"""Walk an upload: list its files (hidden and archive metadata skipped) and recognise audio by content."""

from __future__ import annotations

import os
from pathlib import Path

AUDIO_EXTENSIONS = frozenset(
    {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".mp4", ".webm", ".wma",
     ".aif", ".aiff", ".aifc", ".au", ".snd", ".caf", ".amr", ".mka"}
)  # fmt: skip
_IGNORED_DIRS = frozenset({"__MACOSX"})


def is_hidden(name: str) -> bool:
    """True for a file or folder name uploads skip: dot files and folders, and archivers' junk folders."""
    return name.startswith(".") or name in _IGNORED_DIRS


def list_files(root: Path) -> list[Path]:
    """Regular files under ``root`` (or ``[root]`` for a file), sorted; hidden files and folders skipped."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not is_hidden(d))
        found.extend(Path(folder) / f for f in files if not is_hidden(f) and (Path(folder) / f).is_file())
    return sorted(found)


def files_with_extensions(root: Path, extensions: frozenset[str]) -> list[Path]:
    """The files :func:`list_files` finds under the folder ``root`` whose extension (any case) is one of
    ``extensions``, sorted."""
    return [path for path in list_files(root) if path.suffix.lower() in extensions]


def descend_single_folder(root: Path) -> Path:
    """Skip wrapper folders: while ``root`` holds exactly one visible entry and it is a folder, go into it."""
    while root.is_dir():
        entries = [p for p in root.iterdir() if not is_hidden(p.name)]
        if len(entries) != 1 or not entries[0].is_dir():
            break
        root = entries[0]
    return root


def _has_audio_signature(head: bytes) -> bool:
    return (
        (head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE")
        or head[:4] in (b"fLaC", b"OggS", b".snd", b"caff", b"#!AM")
        or head[:3] == b"ID3"
        or (len(head) > 1 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0)  # MPEG audio / ADTS AAC frame sync
        or head[4:8] == b"ftyp"  # MP4 / M4A
        or (head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"))
        or head[:4] == b"\x1a\x45\xdf\xa3"  # Matroska / WebM
        or head[:4] == b"\x30\x26\xb2\x75"  # ASF / WMA
    )


TEXT_EXTENSIONS = frozenset({".txt", ".csv", ".tsv", ".json", ".jsonl", ".yml", ".yaml", ".md", ".scp", ".spacy"})
"""Files with these extensions are never taken for audio (a UTF-16 byte-order mark looks like an MPEG frame)."""


def is_audio_file(path: Path) -> bool:
    """True when ``path`` has an audio extension or starts with a known audio container signature."""
    suffix = path.suffix.lower()
    if suffix in AUDIO_EXTENSIONS:
        return True
    if suffix in TEXT_EXTENSIONS:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return _has_audio_signature(head)


def relative_name(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes (the file name when ``root`` is the file itself)."""
    if path == root or not path.is_relative_to(root):
        return path.name
    return path.relative_to(root).as_posix()
