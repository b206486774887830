"""Batch transcription of audio files with any speech model, reporting progress as it goes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tunefork.audio import read_audio
from tunefork.errors import AudioDecodeError
from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.base import SpeechModel, Transcript


def transcribe_files(
    model: SpeechModel,
    items: Sequence[tuple[str, Path]],
    progress: ProgressCallback = no_progress,
    skipped: list[tuple[str, str]] | None = None,
) -> list[tuple[str, Transcript]]:
    """Transcribe each ``(item_id, path)`` in order and return ``(item_id, transcript)`` pairs.

    Any audio format :func:`tunefork.audio.read_audio` reads is accepted (it resamples to 16 kHz and
    downmixes to mono). ``progress(done, total, description)`` is called once before the first file
    and after each one, so the last call has ``done == total``. A file that cannot be decoded raises
    :class:`~tunefork.errors.AudioDecodeError`, or with a ``skipped`` list is added to it as ``(item_id, reason)``, and
    the others are transcribed (one bad file of four lost the whole batch: a review).
    """
    total = len(items)
    progress(0, total, f"transcribing with {model.name}")
    results: list[tuple[str, Transcript]] = []
    for done, (item_id, path) in enumerate(items, start=1):
        try:
            audio = read_audio(Path(path))
        except AudioDecodeError as exc:
            if skipped is None:
                raise
            skipped.append((item_id, str(exc)))
        else:
            results.append((item_id, model.transcribe(audio.samples)))
        progress(done, total, f"transcribed {item_id}")
    return results
