"""Synthesize speech with Debian's espeak-ng and sox, reproducibly, for demos, tests and benchmarks.

:func:`build_azure_zip` turns sentences into an Azure Custom Speech zip (WAVs + ``trans.txt``).

Output is canonical 16 kHz mono 16-bit WAV. ``sox -D`` turns dithering off, so the same text,
voice and settings always give the same bytes; noise is mixed in with a seeded generator, and a voice's
``reverb`` is sox's ``reverb`` effect (deterministic too).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from tunefork.errors import TuneforkError
from tunefork.progress import ProgressCallback, no_progress

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice (``en-us``, ``en-gb-scotland``, ``en-us+f3``...) with speed, pitch and room reverb.

    ``reverb`` is sox's reverberance in percent (0: a dry voice, as espeak-ng speaks it).
    """

    name: str = "en-us"
    speed: int = 160
    pitch: int = 50
    reverb: int = 0

    @property
    def label(self) -> str:
        """Names the voice and its settings (a dry voice keeps the label, and cache keys, it had before reverb)."""
        return f"{self.name}-s{self.speed}-p{self.pitch}" + (f"-r{self.reverb}" if self.reverb else "")


def require_tools() -> None:
    """Raise a clear error when espeak-ng or sox is missing."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise TuneforkError(
            f"Speech synthesis needs {' and '.join(missing)}: install with "
            "`sudo apt-get install espeak-ng sox` (the README setup command does this)."
        )


def _mix_noise(path: Path, snr_db: float, seed: int) -> None:
    audio, rate = sf.read(path, dtype="float32")
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(len(audio)).astype(np.float32)
    signal_power = float(np.mean(audio**2)) or 1e-10
    noise *= np.sqrt(signal_power / (10 ** (snr_db / 10)) / float(np.mean(noise**2)))
    mixed = np.clip(audio + noise, -1.0, 1.0)
    sf.write(path, mixed, rate, subtype="PCM_16")


def synthesize(
    text: str, out_path: Path, voice: Voice = Voice(), noise_snr_db: float | None = None, seed: int = 0
) -> Path:
    """Speak ``text`` into ``out_path`` (16 kHz mono 16-bit WAV); add white noise at ``noise_snr_db``."""
    require_tools()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw, said = Path(tmp) / "raw.wav", Path(tmp) / "text.txt"
        said.write_text(text, encoding="utf-8")  # a file, not an argument: no length limit, a leading '-' is text
        subprocess.run(
            ["espeak-ng", "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch), "-w", str(raw), "-f",
             str(said)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        converted = Path(tmp) / "out.wav"
        room = ["reverb", str(voice.reverb)] if voice.reverb else []
        subprocess.run(
            ["sox", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(converted), *room],
            check=True,
            capture_output=True,
        )
        if noise_snr_db is not None:
            _mix_noise(converted, noise_snr_db, seed)
        shutil.move(converted, out_path)
    return out_path


def synthesize_cached(
    text: str,
    cache_dir: Path,
    voice: Voice = Voice(),
    noise_snr_db: float | None = None,
    seed: int = 0,
) -> Path:
    """Like :func:`synthesize`, but reuse an earlier result for the same inputs from ``cache_dir``."""
    key = hashlib.sha256(f"{text}|{voice.label}|{noise_snr_db}|{seed}".encode()).hexdigest()[:24]
    path = cache_dir / f"{key}.wav"
    if not path.exists():
        tmp = cache_dir / f".{key}.{np.random.default_rng().integers(1 << 30)}.wav"
        synthesize(text, tmp, voice, noise_snr_db, seed)
        tmp.replace(path)
    return path


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
