"""Read and check a WAV file's header before a single sample is decoded, so a lying header costs nothing.

A WAV header states the sample rate, channels, bits per sample, block alignment and the size of the
audio data; decoders trust those fields and allocate from them. :func:`read_wav_header` walks the RIFF
chunks (a bounded number of them) and :func:`check_wav_header` refuses values no real recording has:
rates outside 1-384 kHz, more than 32 channels, unknown format codes, impossible bit depths, a block
alignment that does not match channels x bits, or a data chunk that claims more bytes than the file
holds (a file cut short).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from tunefork.errors import AudioDecodeError

MIN_SAMPLE_RATE = 1_000
MAX_SAMPLE_RATE = 384_000
MAX_CHANNELS = 32
FORMAT_NAMES = {
    0x0001: "PCM",
    0x0003: "IEEE float",
    0x0006: "A-law",
    0x0007: "µ-law",
    0x0002: "MS ADPCM",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0055: "MP3",
}
"""WAV format codes a decoder here reads (``WAVE_FORMAT_EXTENSIBLE`` is resolved to its sub-format)."""
UNCOMPRESSED_BITS = {0x0001: (8, 16, 24, 32), 0x0003: (32, 64), 0x0006: (8,), 0x0007: (8,)}
"""Bits per sample each uncompressed format may declare; their duration follows from the data size."""
_EXTENSIBLE = 0xFFFE
_UNKNOWN_DATA_SIZES = (0, 0xFFFFFFFF)
"""Data sizes that streaming writers leave as placeholders: the data then runs to the end of the file."""
_MAX_CHUNKS = 256
_CUT_SHORT_SECONDS = 0.1
"""A file missing less audio than this (and under 1% of what it declares) is not called cut short."""


@dataclass(frozen=True)
class WavHeader:
    """The fields of a WAV header that decoding depends on, and how much data the file really holds."""

    format_code: int
    channels: int
    rate: int
    bits: int
    block_align: int
    declared_bytes: int | None
    """Size of the ``data`` chunk as declared (None for a streaming placeholder)."""
    available_bytes: int
    """Bytes of the ``data`` chunk actually present in the file."""

    @property
    def uncompressed(self) -> bool:
        """True for PCM, float and A-law/µ-law: one block per frame, so sizes give durations."""
        return self.format_code in UNCOMPRESSED_BITS

    def seconds(self, data_bytes: int) -> float | None:
        """Seconds of audio in ``data_bytes`` (None for compressed formats)."""
        if not self.uncompressed:
            return None
        return data_bytes // self.block_align / self.rate

    @property
    def declared_seconds(self) -> float | None:
        """Duration the header announces (what is present, for a streaming placeholder)."""
        return self.seconds(self.available_bytes if self.declared_bytes is None else self.declared_bytes)

    @property
    def available_seconds(self) -> float | None:
        """Duration of the data present in the file."""
        return self.seconds(self.available_bytes)


def _format_chunk(body: bytes, name: str) -> tuple[int, int, int, int, int]:
    """``(format code, channels, rate, block align, bits)`` of a ``fmt `` chunk body."""
    if len(body) < 16:
        raise AudioDecodeError(f"{name}: the WAV 'fmt ' chunk is {len(body)} bytes, too short to describe audio")
    code, channels, rate, _, align, bits = struct.unpack("<HHIIHH", body[:16])
    if code == _EXTENSIBLE and len(body) >= 26:
        code = int.from_bytes(body[24:26], "little")  # the sub-format GUID starts with the format code
    return code, channels, rate, align, bits


def read_wav_header(path: Path) -> WavHeader | None:
    """The header of ``path`` when it is a RIFF/RF64 WAVE file, else None.

    Raises :class:`AudioDecodeError` for a WAV file without usable ``fmt `` and ``data`` chunks.
    """
    size = path.stat().st_size
    name = path.name
    with path.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return None
        fmt: tuple[int, int, int, int, int] | None = None
        data_size64: int | None = None
        position = 12
        for _ in range(_MAX_CHUNKS):
            handle.seek(position)
            chunk = handle.read(8)
            if len(chunk) < 8:
                break
            chunk_id, chunk_size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if chunk_id == b"ds64":
                data_size64 = int.from_bytes(handle.read(28)[8:16], "little")
            elif chunk_id == b"fmt ":
                fmt = _format_chunk(handle.read(min(chunk_size, 64)), name)
            elif chunk_id == b"data":
                if fmt is None:
                    raise AudioDecodeError(f"{name}: the WAV file has no 'fmt ' chunk before its audio data")
                start = position + 8
                declared: int | None = chunk_size
                if head[:4] == b"RF64" and chunk_size == 0xFFFFFFFF:
                    declared = data_size64
                elif chunk_size in _UNKNOWN_DATA_SIZES:
                    declared = None
                available = max(0, size - start)
                if declared is not None:
                    available = min(available, declared)
                code, channels, rate, align, bits = fmt
                return WavHeader(code, channels, rate, bits, align, declared, available)
            position += 8 + chunk_size + (chunk_size & 1)
            if position >= size:
                break
    raise AudioDecodeError(f"{name}: not a readable WAV file (no 'fmt ' and 'data' chunks were found)")


def check_rate_and_channels(rate: int, channels: int, name: str) -> None:
    """Refuse a sample rate or channel count no recording has (before anything is allocated from them)."""
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise AudioDecodeError(
            f"{name}: the header declares a sample rate of {rate:,} Hz; "
            f"{MIN_SAMPLE_RATE:,} to {MAX_SAMPLE_RATE:,} Hz are supported"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioDecodeError(f"{name}: the header declares {channels} channels; 1 to {MAX_CHANNELS} are supported")


def check_wav_header(header: WavHeader, name: str) -> None:
    """Refuse impossible or inconsistent header fields, and a data chunk cut short (see the module docs)."""
    if header.format_code not in FORMAT_NAMES:
        known = ", ".join(sorted(set(FORMAT_NAMES.values())))
        raise AudioDecodeError(f"{name}: unsupported WAV format code 0x{header.format_code:04x} (readable: {known})")
    check_rate_and_channels(header.rate, header.channels, name)
    allowed = UNCOMPRESSED_BITS.get(header.format_code)
    if allowed is None:
        return
    kind = FORMAT_NAMES[header.format_code]
    if header.bits not in allowed:
        choices = ", ".join(map(str, allowed))
        raise AudioDecodeError(f"{name}: the header declares {header.bits} bits per {kind} sample ({choices} exist)")
    expected = header.channels * header.bits // 8
    if header.block_align != expected:
        raise AudioDecodeError(
            f"{name}: the header's block align is {header.block_align} bytes, but {header.channels} channel(s) "
            f"of {header.bits} bits take {expected}"
        )
    _check_not_cut_short(header, name)


def _check_not_cut_short(header: WavHeader, name: str) -> None:
    declared, available = header.declared_seconds, header.available_seconds
    if declared is None or available is None:
        return
    missing = declared - available
    if missing > max(_CUT_SHORT_SECONDS, 0.01 * declared):
        raise AudioDecodeError(
            f"{name}: the file is cut short: its header declares {declared:.2f} s of audio but it holds "
            f"{available:.2f} s (re-export or re-copy the complete file)"
        )
