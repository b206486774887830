"""Read PocketSphinx's binary trie language model (``en-us.lm.bin``) into numpy arrays.

``sphinx_lm_convert`` asserts and ``NGramModel.write`` segfaults when asked to turn the bundled
model back into ARPA, so this module reads the format itself (layout from pocketsphinx 5's
``ngram_model_trie.c``, ``lm_trie.c``, ``lm_trie_quant.c`` and ``bitarr.c``), vectorized: the whole
3.7-million n-gram model loads in well under a second.

File layout (little-endian)::

    "Trie Language Model"            header, no terminator
    uint8 order; uint32 counts[order]
    int32 quantization type (unused); float32 tables[(order - 2) * 2 + 1][65536]
                                     (prob and back-off tables per middle order, prob for the last)
    {float32 prob; float32 bo; uint32 next}[counts[0] + 1]   unigrams, plus a sentinel
    middle arrays (one per order 2..order-1), then the longest array: bit-packed records
        middle:  word | 16-bit back-off code | 16-bit prob code | next pointer
        longest: word | 16-bit prob code
    int32 length; NUL-separated word strings

The trie is keyed from the predicted word backwards: unigram ``w`` owns a range of middle records,
each naming the previous word ``h1`` (the bigram ``h1 w``), which owns a range of longest records
naming ``h2`` (the trigram ``h2 h1 w``). Values are natural-log-ish "logmath" units of base
1.0001; they are converted to log10 here. Records PocketSphinx inserted to make a trigram
reachable (a bigram absent from the original ARPA, given its back-off estimate and weight 0) come
back as ordinary bigrams, which leaves every probability unchanged.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.speech.sphinx_custom.ngram import BackoffLM

HEADER = b"Trie Language Model"
LOGMATH_BASE = 1.0001
"""PocketSphinx's default log base: stored values are log_1.0001(p)."""
QUANT_BITS = 16
_QUANT_BINS = 1 << QUANT_BITS
_UNIGRAM = np.dtype([("prob", "<f4"), ("bo", "<f4"), ("next", "<u4")])
_NO_NGRAMS = {
    name: np.zeros(0, np.int64 if name[-1] in "12w" else np.float64)
    for name in ("bi_h1", "bi_w", "bi_logp", "bi_bo", "tri_h2", "tri_h1", "tri_w", "tri_logp")
}


def _required_bits(max_value: int) -> int:
    """Bits to store values up to ``max_value`` (``bitarr_required_bits``)."""
    return int(max_value).bit_length()


def _packed_size(entries: int, total_bits: int) -> int:
    """Bytes of a bit-packed array of ``entries`` records plus a sentinel (``base_size``)."""
    return ((1 + entries) * total_bits + 7) // 8 + 8


def _read_bits(memory: np.ndarray, bit_offsets: np.ndarray, width: int) -> np.ndarray:
    """Read ``width``-bit little-endian fields (``width`` <= 32) at each bit offset."""
    byte = bit_offsets >> 3
    shift = (bit_offsets & 7).astype(np.uint64)
    value = np.zeros(len(bit_offsets), np.uint64)
    for k in range(5):
        value |= memory[byte + k].astype(np.uint64) << np.uint64(8 * k)
    return ((value >> shift) & np.uint64((1 << width) - 1)).astype(np.int64)


class _Reader:
    """A cursor over the file's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def take(self, size: int) -> bytes:
        if self.offset + size > len(self.data):
            raise TuneforkError("truncated trie language model file")
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def array(self, dtype: np.dtype | str, count: int) -> np.ndarray:
        dtype = np.dtype(dtype)
        return np.frombuffer(self.take(dtype.itemsize * count), dtype=dtype)

    def padded_bytes(self, size: int) -> np.ndarray:
        """``size`` bytes as uint8 with 8 zero bytes after them (the bit reader overreads)."""
        return np.concatenate([np.frombuffer(self.take(size), np.uint8), np.zeros(8, np.uint8)])


def read_trie_lm(path: Path) -> BackoffLM:
    """Read a PocketSphinx binary trie LM of order 1 to 3 (``.lm.bin``) as a :class:`BackoffLM`."""
    reader = _Reader(Path(path).read_bytes())
    if reader.take(len(HEADER)) != HEADER:
        raise TuneforkError(f"{path} is not a PocketSphinx binary trie language model")
    order = reader.take(1)[0]
    if not 1 <= order <= 3:
        raise TuneforkError(f"{path}: only trigram models or lower are supported, this one is {order}-gram")
    counts = struct.unpack(f"<{order}I", reader.take(4 * order))
    to_log10 = np.log10(LOGMATH_BASE)
    tables = np.zeros((0, _QUANT_BINS))
    if order > 1:
        reader.take(4)
        tables = reader.array("<f4", ((order - 2) * 2 + 1) * _QUANT_BINS).reshape(-1, _QUANT_BINS)
        tables = tables.astype(np.float64) * to_log10
    unigrams = reader.array(_UNIGRAM, counts[0] + 1)
    vocab_size = counts[0]
    columns = _read_ngrams(reader, counts, order, unigrams, tables) if order > 1 else _NO_NGRAMS
    (length,) = struct.unpack("<i", reader.take(4))
    vocab = reader.take(length).decode("utf-8").split("\0")[:vocab_size]
    if len(vocab) != vocab_size:
        raise TuneforkError(f"{path}: expected {vocab_size} words, found {len(vocab)}")
    return BackoffLM(
        vocab=vocab,
        uni_logp=unigrams["prob"][:-1].astype(np.float64) * to_log10,
        uni_bo=unigrams["bo"][:-1].astype(np.float64) * to_log10,
        **columns,
    )


def _read_ngrams(
    reader: _Reader, counts: tuple[int, ...], order: int, unigrams: np.ndarray, tables: np.ndarray
) -> dict[str, np.ndarray]:
    """Decode the bit-packed bigram (and trigram) records into :class:`BackoffLM` columns."""
    word_bits = _required_bits(counts[0])
    unigram_next = unigrams["next"].astype(np.int64)
    n_bigrams = int(unigram_next[-1])
    predicted = np.repeat(np.arange(counts[0], dtype=np.int64), np.diff(unigram_next))
    if order == 2:
        memory = reader.padded_bytes(_packed_size(counts[1], word_bits + QUANT_BITS))
        offsets = np.arange(n_bigrams, dtype=np.int64) * (word_bits + QUANT_BITS)
        return {
            **_NO_NGRAMS,
            "bi_h1": _read_bits(memory, offsets, word_bits),
            "bi_w": predicted,
            "bi_logp": tables[0][_read_bits(memory, offsets + word_bits, QUANT_BITS)],
            "bi_bo": np.zeros(n_bigrams),
        }
    next_bits = _required_bits(counts[2])
    middle_bits = word_bits + 2 * QUANT_BITS + next_bits
    longest_bits = word_bits + QUANT_BITS
    middle = reader.padded_bytes(_packed_size(counts[1], middle_bits))
    longest = reader.padded_bytes(_packed_size(counts[2], longest_bits))
    offsets = np.arange(n_bigrams + 1, dtype=np.int64) * middle_bits
    h1 = _read_bits(middle, offsets[:-1], word_bits)
    middle_next = _read_bits(middle, offsets + word_bits + 2 * QUANT_BITS, next_bits)
    n_trigrams = int(middle_next[-1])
    parent = np.repeat(np.arange(n_bigrams, dtype=np.int64), np.diff(middle_next))
    tri_offsets = np.arange(n_trigrams, dtype=np.int64) * longest_bits
    return {
        "bi_h1": h1,
        "bi_w": predicted,
        "bi_logp": tables[0][_read_bits(middle, offsets[:-1] + word_bits + QUANT_BITS, QUANT_BITS)],
        "bi_bo": tables[1][_read_bits(middle, offsets[:-1] + word_bits, QUANT_BITS)],
        "tri_h2": _read_bits(longest, tri_offsets, word_bits),
        "tri_h1": h1[parent],
        "tri_w": predicted[parent],
        "tri_logp": tables[2][_read_bits(longest, tri_offsets + word_bits, QUANT_BITS)],
    }
