"""Sample text shipped with tunefork and helpers that turn it into synthesized speech datasets."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.synthesis import Voice, synthesize_cached

DATA_DIR = Path(__file__).parent / "data"


def read_lines(name: str) -> list[str]:
    """Non-empty lines of a shipped text file (``general_sentences.txt``, ``domain_terms.txt``...)."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def build_azure_zip(
    sentences: Sequence[str],
    voices: Sequence[Voice],
    zip_path: Path,
    cache_dir: Path,
    noise_snr_db: float | None = None,
    progress: ProgressCallback = no_progress,
) -> Path:
    """Speak each sentence (voices in turn) and pack WAVs + ``trans.txt`` in the Azure Custom Speech layout."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, sentence in enumerate(sentences):
            voice = voices[index % len(voices)]
            wav = synthesize_cached(sentence, cache_dir, voice, noise_snr_db, seed=index)
            name = f"utt{index:04d}_{voice.name}.wav"
            archive.write(wav, name)
            lines.append(f"{name}\t{sentence}\n")
            progress(index + 1, len(sentences), f"Synthesizing {len(sentences)} utterances")
        archive.writestr("trans.txt", "".join(lines))
    return zip_path
