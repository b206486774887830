"""Batch transcription of audio files with any speech model, reporting progress as it goes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tunefork.audio import read_audio
from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.base import SpeechModel, Transcript


def transcribe_files(
    model: SpeechModel,
    items: Sequence[tuple[str, Path]],
    progress: ProgressCallback = no_progress,
) -> list[tuple[str, Transcript]]:
    """Transcribe each ``(item_id, path)`` in order and return ``(item_id, transcript)`` pairs.

    Any audio format :func:`tunefork.audio.read_audio` reads is accepted (it resamples to 16 kHz and
    downmixes to mono). ``progress(done, total, description)`` is called once before the first file
    and after each one, so the last call has ``done == total``. A file that cannot be decoded raises
    :class:`~tunefork.errors.AudioDecodeError`.
    """
    total = len(items)
    progress(0, total, f"transcribing with {model.name}")
    results: list[tuple[str, Transcript]] = []
    for done, (item_id, path) in enumerate(items, start=1):
        audio = read_audio(Path(path))
        results.append((item_id, model.transcribe(audio.samples)))
        progress(done, total, f"transcribed {item_id}")
    return results
