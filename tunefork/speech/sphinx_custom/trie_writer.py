"""Write a :class:`BackoffLM` in PocketSphinx's binary format; trigrams straight into its trie, vectorized.

The alternative, writing ARPA text and letting ``pocketsphinx.NGramModel`` parse and convert it,
takes about 10 s for the 3.7 million n-grams of a model interpolated with ``en-us.lm.bin``; this
takes about 2 s. The layout is the one :mod:`.trie` reads (and pocketsphinx 5's
``ngram_model_trie_write_bin`` writes), including its details:

- probabilities and back-off weights are quantized to 65536 bins per table, each bin the mean of
  an equal share of the sorted values (``lm_trie_quant_train``), and encoded as the nearest bin;
- a trigram ``h2 h1 w`` is reached through the bigram ``h1 w``; when that bigram is absent a
  placeholder is inserted with its back-off estimate and weight 0, as ``recursive_insert`` does,
  which leaves every probability unchanged.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.speech.sphinx_custom.ngram import BackoffLM, sorted_contains, sorted_unique, write_arpa
from tunefork.speech.sphinx_custom.trie import HEADER, LOGMATH_BASE, QUANT_BITS, _packed_size, _required_bits

_BINS = 1 << QUANT_BITS
_EMPTY_FIRST_BIN = -float(0x7F800000)
"""What pocketsphinx puts in a leading empty bin (``-FLOAT_INF`` cast to float)."""
_MAX_FIELD_BITS = 25


def _bin_centers(values: np.ndarray) -> np.ndarray:
    """``make_bins``: 65536 non-decreasing centers, each the mean of an equal share of sorted values."""
    ordered = np.sort(values.astype(np.float64))
    edges = (len(ordered) * np.arange(_BINS + 1, dtype=np.int64)) // _BINS
    sums = np.concatenate([[0.0], np.cumsum(ordered)])
    sizes = np.diff(edges)
    centers = np.full(_BINS, -np.inf)
    filled = sizes > 0
    centers[filled] = (sums[edges[1:]] - sums[edges[:-1]])[filled] / np.maximum(sizes[filled], 1)
    if not filled[0]:
        centers[0] = _EMPTY_FIRST_BIN
    return np.maximum.accumulate(centers).astype(np.float32)  # empty bins repeat their predecessor


def _encode(centers: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``bins_encode``: index of the nearest center (the lower one on a tie)."""
    centers64 = centers.astype(np.float64)
    above = np.searchsorted(centers64, values, side="left")
    inner = np.clip(above, 1, _BINS - 1)
    closer_below = (values - centers64[inner - 1]) < (centers64[inner] - values)
    code = inner - closer_below
    return np.where(above == 0, 0, np.where(above >= _BINS, _BINS - 1, code)).astype(np.int64)


def _write_bits(memory: np.ndarray, bit_offsets: np.ndarray, values: np.ndarray, width: int) -> None:
    """OR ``width``-bit fields into ``memory`` (records never share the bytes of one field)."""
    if width > _MAX_FIELD_BITS:
        raise ValueError(f"bit field of {width} bits is wider than the trie format allows")
    shifted = values.astype(np.uint64) << (bit_offsets & 7).astype(np.uint64)
    byte = bit_offsets >> 3
    for k in range(4):
        memory[byte + k] |= ((shifted >> np.uint64(8 * k)) & np.uint64(0xFF)).astype(np.uint8)


def _with_suffix_bigrams(lm: BackoffLM) -> tuple[np.ndarray, ...]:
    """Bigram columns plus placeholders for trigram suffixes ``h1 w`` the model lacks."""
    size = len(lm.vocab)
    keys = np.sort(lm.bi_h1 * size + lm.bi_w)
    suffixes = sorted_unique(lm.tri_h1 * size + lm.tri_w)
    missing = suffixes[~sorted_contains(keys, suffixes)]
    h1, w = np.divmod(missing, size)
    return (
        np.concatenate([lm.bi_h1, h1]),
        np.concatenate([lm.bi_w, w]),
        np.concatenate([lm.bi_logp, lm.uni_bo[h1] + lm.uni_logp[w]]),
        np.concatenate([lm.bi_bo, np.zeros(len(missing))]),
    )


def write_trie(lm: BackoffLM, path: Path) -> None:
    """Write a trigram model (``lm.order == 3``) as a PocketSphinx ``.lm.bin`` file."""
    if lm.order != 3:
        raise ValueError("the trie writer handles trigram models; write lower orders as ARPA")
    scale = 1.0 / np.log10(LOGMATH_BASE)
    size = len(lm.vocab)
    bi_h1, bi_w, bi_logp, bi_bo = _with_suffix_bigrams(lm)
    bi_order = np.lexsort((bi_h1, bi_w))
    bi_h1, bi_w, bi_logp, bi_bo = bi_h1[bi_order], bi_w[bi_order], bi_logp[bi_order], bi_bo[bi_order]
    tri_order = np.lexsort((lm.tri_h2, lm.tri_h1, lm.tri_w))
    tri_h2, tri_logp = lm.tri_h2[tri_order], lm.tri_logp[tri_order]
    parents = np.searchsorted(bi_w * size + bi_h1, (lm.tri_w * size + lm.tri_h1)[tri_order])
    n_bi, n_tri = len(bi_w), len(tri_h2)

    unigrams = np.zeros(size + 1, dtype=[("prob", "<f4"), ("bo", "<f4"), ("next", "<u4")])
    unigrams["prob"][:size] = lm.uni_logp * scale
    unigrams["bo"][:size] = lm.uni_bo * scale
    unigrams["next"] = np.searchsorted(bi_w, np.arange(size + 1), side="left")
    middle_next = np.searchsorted(parents, np.arange(n_bi + 1), side="left")

    tables = [_bin_centers(bi_logp * scale), _bin_centers(bi_bo * scale), _bin_centers(tri_logp * scale)]
    word_bits = _required_bits(size)
    next_bits = _required_bits(n_tri)
    middle_bits = word_bits + 2 * QUANT_BITS + next_bits
    longest_bits = word_bits + QUANT_BITS
    middle = np.zeros(_packed_size(n_bi, middle_bits) + 8, np.uint8)
    starts = np.arange(n_bi + 1, dtype=np.int64) * middle_bits
    _write_bits(middle, starts[:-1], bi_h1, word_bits)
    _write_bits(middle, starts[:-1] + word_bits, _encode(tables[1], bi_bo * scale), QUANT_BITS)
    _write_bits(middle, starts[:-1] + word_bits + QUANT_BITS, _encode(tables[0], bi_logp * scale), QUANT_BITS)
    _write_bits(middle, starts + word_bits + 2 * QUANT_BITS, middle_next, next_bits)
    longest = np.zeros(_packed_size(n_tri, longest_bits) + 8, np.uint8)
    tri_starts = np.arange(n_tri, dtype=np.int64) * longest_bits
    _write_bits(longest, tri_starts, tri_h2, word_bits)
    _write_bits(longest, tri_starts + word_bits, _encode(tables[2], tri_logp * scale), QUANT_BITS)

    words = b"".join(word.encode("utf-8") + b"\0" for word in lm.vocab)
    with open(path, "wb") as out:
        out.write(HEADER + struct.pack("<B3I", 3, size, n_bi, n_tri))
        out.write(struct.pack("<i", 1))
        out.write(np.concatenate(tables).astype("<f4").tobytes())
        out.write(unigrams.tobytes())
        out.write(middle[:-8].tobytes())
        out.write(longest[:-8].tobytes())
        out.write(struct.pack("<i", len(words)) + words)


def write_binary(lm: BackoffLM, path: Path) -> None:
    """Write ``lm`` in PocketSphinx's binary trie format.

    Trigram models are written directly (:func:`write_trie`, about 2 s for 3.7 million n-grams);
    lower orders go through ARPA and ``pocketsphinx.NGramModel``.
    """
    if lm.order == 3:
        write_trie(lm, path)
        return
    import pocketsphinx

    arpa = path.with_name(f".{path.name}.{os.getpid()}.arpa")
    try:
        write_arpa(lm, arpa)
        pocketsphinx.set_loglevel("FATAL")
        try:
            model = pocketsphinx.NGramModel.readfile(str(arpa))
            model.write(str(path), pocketsphinx.NGramModel.str_to_type("bin"))
        except (RuntimeError, ValueError) as exc:
            raise TuneforkError(f"PocketSphinx could not convert the language model: {exc}") from exc
    finally:
        arpa.unlink(missing_ok=True)
