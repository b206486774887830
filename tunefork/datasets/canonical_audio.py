"""Turn listed speech items into canonical records: decode, check duration, write 16 kHz mono 16-bit WAV."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunefork.audio import read_audio, write_wav
from tunefork.config import UploadLimits
from tunefork.datasets.hashing import sha256_file
from tunefork.datasets.ids import IdAllocator
from tunefork.datasets.results import ItemIssue
from tunefork.datasets.speech_formats import SpeechItem
from tunefork.errors import AudioTooLongError
from tunefork.progress import ProgressCallback, no_progress

AUDIO_FOLDER = "audio"
DURATION_SLACK_SECONDS = 1.0
"""A listed length this far from the audio's (or 10% of it, if more) is warned about: probably another file."""


@dataclass
class ConvertedAudio:
    """Manifest records of the accepted items, the refused ones, warnings and per-item conversions."""

    records: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[ItemIssue] = field(default_factory=list)
    warnings: list[ItemIssue] = field(default_factory=list)
    item_conversions: dict[str, list[str]] = field(default_factory=dict)


def _decode_error(exc: Exception, path: Path) -> str:
    """The decoder's message without the file name it starts with (the reason names the item already)."""
    return str(exc).removeprefix(f"{path.name}: ")


def convert_items(
    items: list[SpeechItem],
    destination: Path,
    kind: str,
    limits: UploadLimits,
    progress: ProgressCallback = no_progress,
) -> ConvertedAudio:
    """Decode each item, write ``destination/audio/<id>.wav`` and build its manifest record.

    Unreadable audio (lying headers, files cut short, NaN samples...), audio over
    ``limits.max_audio_seconds`` (refused from the header when it says so, before decoding) and audio
    under ``limits.min_audio_seconds`` are rejected; clipped recordings get a warning, and so does
    ``acoustic`` audio over ``limits.warn_audio_seconds``. Progress is reported per item.
    """
    out = ConvertedAudio()
    ids = IdAllocator()
    total = len(items)
    progress(0, total, "Converting audio")
    for done, item in enumerate(items, start=1):
        _convert_one(item, destination, kind, limits, ids, out)
        progress(done, total, "Converting audio")
    return out


def _convert_one(
    item: SpeechItem, destination: Path, kind: str, limits: UploadLimits, ids: IdAllocator, out: ConvertedAudio
) -> None:
    try:
        audio = read_audio(item.audio, limits.max_audio_seconds)
    except AudioTooLongError as exc:
        length = f"{exc.seconds:.1f} s long" if exc.seconds is not None else "longer than that"
        reason = f"{item.described}: audio is {length}, over the {limits.max_audio_seconds:g} s limit"
        out.rejections.append(ItemIssue(item.label, reason, item.line))
        return
    except Exception as exc:  # any decoder failure rejects this item only, never the upload
        reason = f"{item.described}: unreadable or corrupt audio ({_decode_error(exc, item.audio)})"
        out.rejections.append(ItemIssue(item.label, reason, item.line))
        return
    if audio.duration < limits.min_audio_seconds:
        reason = (
            f"{item.described}: audio is {audio.duration:.3f} s long, too short to hold speech "
            f"(at least {limits.min_audio_seconds:g} s)"
        )
        out.rejections.append(ItemIssue(item.label, reason, item.line))
        return
    for warning in audio.warnings:
        out.warnings.append(ItemIssue(item.label, f"{item.described}: {warning}", item.line))
    declared = item.declared_seconds
    if declared is not None and abs(declared - audio.duration) > max(DURATION_SLACK_SECONDS, 0.1 * declared):
        reason = (f"{item.described}: its listing says {declared:g} s, the audio is {audio.duration:.1f} s long "
                  "(the length kept): is it the right file?")  # fmt: skip
        out.warnings.append(ItemIssue(item.label, reason, item.line))
    if kind == "acoustic" and audio.duration > limits.warn_audio_seconds:
        reason = (
            f"{item.described}: audio is {audio.duration:.1f} s long; training items over "
            f"{limits.warn_audio_seconds:g} s are usually cut or skipped by trainers"
        )
        out.warnings.append(ItemIssue(item.label, reason, item.line))
    item_id = ids.allocate(item.name)
    relative = f"{AUDIO_FOLDER}/{item_id}.wav"
    write_wav(destination / relative, audio.samples)
    record: dict[str, Any] = {"id": item_id, "audio": relative, "duration": round(audio.duration, 3)}
    if item.text is not None:
        record["text"] = item.text
    record["audio_sha256"] = sha256_file(destination / relative)
    record["source"] = item.source
    out.records.append(record)
    if audio.conversions:
        out.item_conversions[item_id] = list(audio.conversions)
