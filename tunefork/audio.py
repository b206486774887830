"""Read any audio file into canonical form: 16 kHz mono float32 samples, and write 16-bit WAV.

WAV/FLAC/OGG are read with libsndfile; anything else (MP3, M4A, WebM...) is decoded with PyAV,
which faster-whisper already depends on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from tunefork.errors import AudioDecodeError

SAMPLE_RATE = 16_000


@dataclass
class AudioData:
    """Canonical samples plus what the source looked like and which conversions were made."""

    samples: np.ndarray
    original_sample_rate: int
    original_channels: int
    conversions: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def _decode_with_pyav(path: Path) -> tuple[np.ndarray, int, int]:
    import av

    try:
        with av.open(str(path)) as container:
            stream = next(s for s in container.streams if s.type == "audio")
            rate = stream.codec_context.sample_rate
            channels = stream.codec_context.channels
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            chunks = [
                out.to_ndarray().reshape(-1) for frame in container.decode(stream) for out in resampler.resample(frame)
            ]
    except (StopIteration, av.FFmpegError, OSError, ValueError) as exc:
        raise AudioDecodeError(f"{path.name}: not readable audio ({exc.__class__.__name__}: {exc})") from exc
    if not chunks:
        raise AudioDecodeError(f"{path.name}: the file holds no audio samples")
    return np.concatenate(chunks).astype(np.float32), rate, channels


def read_audio(path: Path) -> AudioData:
    """Decode ``path`` to 16 kHz mono float32, recording resampling and downmixing that happened."""
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        channels = data.shape[1]
        mono = data.mean(axis=1) if channels > 1 else data[:, 0]
    except (sf.LibsndfileError, RuntimeError):
        mono, rate, channels = _decode_with_pyav(path)
    if len(mono) == 0:
        raise AudioDecodeError(f"{path.name}: the file holds no audio samples")
    conversions = []
    if channels > 1:
        conversions.append(f"downmixed {channels} channels to mono")
    if rate != SAMPLE_RATE:
        divisor = gcd(rate, SAMPLE_RATE)
        mono = resample_poly(mono, SAMPLE_RATE // divisor, rate // divisor).astype(np.float32)
        conversions.append(f"resampled {rate} Hz to {SAMPLE_RATE} Hz")
    return AudioData(np.asarray(mono, dtype=np.float32), rate, channels, conversions)


def write_wav(path: Path, samples: np.ndarray) -> None:
    """Write canonical samples as 16 kHz mono 16-bit PCM WAV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.clip(samples, -1.0, 1.0), SAMPLE_RATE, subtype="PCM_16", format="WAV")
