"""Read any audio file into canonical form (16 kHz mono float32 samples) safely, and write 16-bit WAV.

Decoding is bounded before and while it runs, because headers lie:

- a WAV header is read and checked first (:mod:`tunefork.audio.wav_header`): impossible rates,
  channel counts, bit depths, block alignments and files cut short are refused before any sample is read;
- the duration a container declares (WAV data size, FLAC/OGG frame count, the container's duration) is
  compared with ``max_seconds`` before decoding: :class:`~tunefork.errors.AudioTooLongError`;
- decoding streams block by block with a running count, so a header that understates the length is
  caught as soon as the audio passes ``max_seconds``; blocks are downmixed and resampled as they come
  (:mod:`tunefork.audio.resample`), so memory follows the 16 kHz output, not the source;
- NaN or infinite samples (a broken float WAV) are refused; a recording clipped at full scale is read
  with a warning in :attr:`AudioData.warnings`.

WAV/FLAC/OGG/AIFF are read with libsndfile; anything else (MP3, M4A, WebM...) with PyAV, which
faster-whisper already depends on. Every failure is an :class:`~tunefork.errors.AudioDecodeError`
whose message names the file by its name only (never its folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tunefork.audio.resample import StreamResampler
from tunefork.audio.wav_header import check_rate_and_channels, check_wav_header, read_wav_header
from tunefork.config import MAX_AUDIO_SECONDS
from tunefork.errors import AudioDecodeError, AudioTooLongError

SAMPLE_RATE = 16_000
FULL_SCALE = 0.99
"""Samples at or beyond this magnitude count as clipped."""
CLIPPED_FRACTION = 0.001
"""A recording with more clipped frames than this fraction gets a warning."""
SILENT_PEAK = 10 ** (-60 / 20)
"""A recording whose loudest sample is under -60 dBFS holds no audible speech: a warning."""
_BLOCK_FRAMES = 1 << 16


@dataclass
class AudioData:
    """Canonical samples plus what the source looked like, which conversions were made, and warnings."""

    samples: np.ndarray
    original_sample_rate: int
    original_channels: int
    conversions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


class _Canonicalizer:
    """Checks, downmixes and resamples decoded blocks as they arrive, counting towards the length limit."""

    def __init__(self, name: str, rate: int, channels: int, max_seconds: float, declared: float | None) -> None:
        check_rate_and_channels(rate, channels, name)
        if declared is not None and declared > max_seconds:
            raise AudioTooLongError(
                f"{name}: audio is {declared:.1f} s long, over the {max_seconds:g} s limit", declared, max_seconds
            )
        self.name, self.rate, self.channels, self.max_seconds = name, rate, channels, max_seconds
        self.max_frames = int(max_seconds * rate) + rate // 100  # 10 ms of slack for rounding in headers
        self.frames = self.clipped = 0
        self.peak = 0.0
        self.resampler = StreamResampler(rate, SAMPLE_RATE) if rate != SAMPLE_RATE else None
        self.outputs: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        """One decoded block: ``(frames, channels)`` or mono ``(frames,)`` float32."""
        if not np.isfinite(block).all():
            raise AudioDecodeError(f"{self.name}: the audio holds NaN or infinite sample values (a broken float file)")
        self.frames += len(block)
        if self.frames > self.max_frames:
            raise AudioTooLongError(
                f"{self.name}: audio is longer than the {self.max_seconds:g} s limit (its header understated it)",
                None,
                self.max_seconds,
            )
        magnitude = np.abs(block)
        self.peak = max(self.peak, float(magnitude.max(initial=0.0)))
        loud = magnitude >= FULL_SCALE
        self.clipped += int(np.count_nonzero(loud.any(axis=1) if block.ndim == 2 else loud))
        mono = block.mean(axis=1) if block.ndim == 2 and block.shape[1] > 1 else block.reshape(-1)
        mono = mono.astype(np.float32, copy=False)
        self.outputs.append(self.resampler.feed(mono) if self.resampler else mono.copy())

    def finish(self) -> AudioData:
        """The canonical audio, with the conversions made and the warnings found."""
        if self.resampler is not None:
            self.outputs.append(self.resampler.finish())
        if self.frames == 0:
            raise AudioDecodeError(f"{self.name}: the file holds no audio samples")
        samples = np.concatenate(self.outputs).astype(np.float32, copy=False)
        conversions = []
        if self.channels > 1:
            conversions.append(f"downmixed {self.channels} channels to mono")
        if self.rate != SAMPLE_RATE:
            conversions.append(f"resampled {self.rate} Hz to {SAMPLE_RATE} Hz")
        warnings = []
        if self.clipped > max(10, CLIPPED_FRACTION * self.frames):
            share = 100 * self.clipped / self.frames
            warnings.append(
                f"clipped: {share:.1f}% of the samples are at full scale (recorded too loud); "
                "recognition of clipped speech is less accurate"
            )
        if self.peak < SILENT_PEAK:
            level = f"{20 * np.log10(self.peak):.0f} dBFS" if self.peak > 0 else "zero"
            warnings.append(f"silent: its loudest sample is {level}; no speech can be heard (check the recording)")
        return AudioData(samples, self.rate, self.channels, conversions, warnings)


def _libsndfile_blocks(path: Path, max_seconds: float, declared: float | None) -> tuple[_Canonicalizer, Iterator]:
    """Open ``path`` with libsndfile; raises ``soundfile`` errors when it cannot read the format."""
    import soundfile as sf

    handle = sf.SoundFile(str(path))
    try:
        frames = handle.frames
        if declared is None and 0 < frames < 2**62:
            declared = frames / handle.samplerate if handle.samplerate else None
        canonical = _Canonicalizer(path.name, handle.samplerate, handle.channels, max_seconds, declared)
    except BaseException:
        handle.close()
        raise

    def blocks() -> Iterator[np.ndarray]:
        with handle:  # read, not blocks(): that refuses files libsndfile cannot seek in (GSM 6.10 WAV)
            while len(block := handle.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)):
                yield block

    return canonical, blocks()


NOT_AUDIO = (
    "not readable audio: the file is not in an audio format tunefork reads "
    "(WAV, FLAC, OGG, AIFF, MP3, M4A, WebM and the other formats FFmpeg decodes)"
)


def _pyav_blocks(path: Path, max_seconds: float) -> tuple[_Canonicalizer, Iterator]:
    import av

    try:
        container = av.open(str(path))
    except av.error.InvalidDataError:  # FFmpeg recognises no container in it: not an audio file at all
        raise AudioDecodeError(f"{path.name}: {NOT_AUDIO}") from None
    try:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise AudioDecodeError(f"{path.name}: the file holds no audio stream")
        context = stream.codec_context
        declared = container.duration / 1_000_000 if container.duration else None
        canonical = _Canonicalizer(path.name, context.sample_rate or 0, context.channels or 0, max_seconds, declared)
    except BaseException:
        container.close()
        raise

    def blocks() -> Iterator[np.ndarray]:
        with container:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=canonical.rate)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1)
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1)

    return canonical, blocks()


def _without_path(exc: BaseException, path: Path) -> str:
    """An exception's message with the file's folder removed (server paths never reach users)."""
    if type(exc).__module__.startswith("av.") and getattr(exc, "strerror", None):
        return str(exc.strerror)  # FFmpeg's own words, without its "[Errno 1094995529]" and the path
    text = str(exc).replace(str(path), path.name).replace(str(path.parent), "")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _open(path: Path, max_seconds: float) -> tuple[_Canonicalizer, Iterator]:
    header = read_wav_header(path)
    declared = None
    if header is not None:
        check_wav_header(header, path.name)
        declared = header.declared_seconds
    try:
        return _libsndfile_blocks(path, max_seconds, declared)
    except AudioDecodeError:
        raise
    except Exception as libsndfile_error:
        if header is not None and header.uncompressed:
            raise AudioDecodeError(
                f"{path.name}: not readable audio ({_without_path(libsndfile_error, path)})"
            ) from None
    return _pyav_blocks(path, max_seconds)


def read_audio(path: Path, max_seconds: float = MAX_AUDIO_SECONDS) -> AudioData:
    """Decode ``path`` to 16 kHz mono float32 within ``max_seconds`` (see the module docs).

    Raises :class:`~tunefork.errors.AudioTooLongError` past ``max_seconds`` (from the header when it
    says so, else while decoding) and :class:`~tunefork.errors.AudioDecodeError` for anything unreadable.
    """
    path = Path(path)
    try:
        canonical, blocks = _open(path, max_seconds)
        for block in blocks:
            canonical.add(block)
        return canonical.finish()
    except AudioDecodeError:
        raise
    except MemoryError:
        raise AudioDecodeError(f"{path.name}: too large to decode") from None
    except Exception as exc:  # any decoder failure is the file's fault; say so without a traceback
        raise AudioDecodeError(f"{path.name}: not readable audio ({_without_path(exc, path)})") from None


def write_wav(path: Path, samples: np.ndarray) -> None:
    """Write canonical samples as 16 kHz mono 16-bit PCM WAV."""
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.clip(samples, -1.0, 1.0), SAMPLE_RATE, subtype="PCM_16", format="WAV")
