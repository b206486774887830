"""Convert the bundled acoustic model's compact files into the forms SphinxTrain reads.

The pocketsphinx wheel ships its model definition as a binary ``mdef`` (``BMDF``) and its mixture
weights only as an 8-bit ``sendump``; SphinxTrain's ``bw`` and ``map_adapt`` want a text ``mdef``
and float ``mixture_weights``. Both conversions follow pocketsphinx 5's ``bin_mdef.c``
(``bin_mdef_read`` / ``bin_mdef_write_text``) and ``ptm_mgau.c`` (``read_sendump``), and
SphinxTrain's ``sendump.py``/``s3file.py`` for the output format.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from tunefork.errors import TuneforkError

_BMDF = 0x46444D42
_WORD_POSITIONS = "ibesu"
_LOG_BASE = 1.0001
_S3_MAGIC = 0x11223344


def _cstrings(data: bytes, offset: int, count: int) -> tuple[list[str], int]:
    """``count`` NUL-terminated strings from ``offset``; returns them and the offset after them."""
    names = []
    for _ in range(count):
        end = data.index(b"\0", offset)
        names.append(data[offset:end].decode("ascii"))
        offset = end + 1
    return names, offset


def binary_mdef_to_text(binary: Path, text: Path) -> None:
    """Write the text (``0.3``) form of a binary model definition, as ``pocketsphinx_mdef_convert -text``."""
    data = binary.read_bytes()
    marker, _version, header_length = struct.unpack_from("<iii", data, 0)
    if marker != _BMDF:
        raise TuneforkError(f"{binary} is not a little-endian binary model definition")
    offset = 12 + header_length
    fields = struct.unpack_from("<10i", data, offset)
    n_ciphone, n_phone, n_emit_state, n_ci_sen, n_sen, n_tmat, n_sseq, _n_ctx, n_cd_tree, _sil = fields
    if n_emit_state == 0:
        raise TuneforkError("model definitions with a varying number of states per phone are not supported")
    start = offset + 40
    ciname, end = _cstrings(data, start, n_ciphone)
    offset = start + ((end - start + 3) & ~3) + 8 * n_cd_tree
    phones = np.frombuffer(data, dtype=np.dtype([("ssid", "<i4"), ("tmat", "<i4"), ("info", "u1", 4)]),
                           count=n_phone, offset=offset)  # fmt: skip
    offset += 12 * n_phone
    (sseq_size,) = struct.unpack_from("<i", data, offset)
    sseq = np.frombuffer(data, dtype="<u2", count=sseq_size, offset=offset + 4).reshape(n_sseq, n_emit_state)
    filler = phones["info"][:n_ciphone, 0].astype(bool)
    lines = [
        "0.3",
        f"{n_ciphone} n_base",
        f"{n_phone - n_ciphone} n_tri",
        f"{n_phone * (n_emit_state + 1)} n_state_map",
        f"{n_sen} n_tied_state",
        f"{n_ci_sen} n_tied_ci_state",
        f"{n_tmat} n_tied_tmat",
        "#",
        "# Columns definitions",
        "#base lft  rt p attrib tmat      ... state id's ...",
    ]
    for p in range(n_phone):
        ssid, tmat, info = int(phones["ssid"][p]), int(phones["tmat"][p]), phones["info"][p]
        if p < n_ciphone:
            context, is_filler = f"{ciname[p]:>5} {'-':>3} {'-':>3} -", filler[p]
        else:
            base, left, right = (ciname[int(i)] for i in info[1:4])
            context, is_filler = f"{base:>5} {left:>3} {right:>3} {_WORD_POSITIONS[info[0]]}", filler[info[1]]
        states = " ".join(f"{int(s):>6}" for s in sseq[ssid])
        lines.append(f"{context} {'filler' if is_filler else 'n/a':>6} {tmat:>4} {states} N")
    text.write_text("\n".join(lines) + "\n", encoding="ascii")


def _read_sendump_strings(data: bytes) -> tuple[dict[str, int], int]:
    """Header numbers of a sendump file and the offset where its weights start."""
    offset = 0
    numbers: dict[str, int] = {}
    first = True
    while True:
        (length,) = struct.unpack_from("<i", data, offset)
        offset += 4
        if length == 0 and not first:
            break
        text = data[offset : offset + length].rstrip(b"\0").decode("ascii", "replace")
        offset += length
        key, _, value = text.partition(" ")
        if value.strip().lstrip("-").isdigit():
            numbers[key] = int(value)
        first = False
    return numbers, offset


def sendump_to_mixture_weights(sendump: Path, n_feat: int, n_density: int, out: Path) -> None:
    """Rebuild float ``mixture_weights`` (senone x stream x density, normalized) from an 8-bit sendump.

    Each byte is ``-log_1.0001(w) >> 10`` (``mixw_shift``); weights are decoded, then renormalized per
    senone and stream because 8-bit quantization loses a little mass.
    """
    data = sendump.read_bytes()
    numbers, offset = _read_sendump_strings(data)
    if numbers.get("cluster_count", 0):
        raise TuneforkError("clustered (4-bit) sendump files are not supported")
    rows, cols = struct.unpack_from("<ii", data, offset)
    offset += 8
    if rows != n_density:
        raise TuneforkError(f"sendump has {rows} densities per codebook, the model has {n_density}")
    shift = numbers.get("mixw_shift", 10)
    quantized = np.frombuffer(data, np.uint8, count=n_feat * rows * cols, offset=offset).reshape(n_feat, rows, cols)
    weights = np.power(_LOG_BASE, -(quantized.astype(np.float64) * (1 << shift)))
    weights = weights.transpose(2, 0, 1)  # senone, stream, density
    weights /= weights.sum(axis=2, keepdims=True)
    write_s3_array(out, weights.astype(np.float32))


def write_s3_array(path: Path, array: np.ndarray) -> None:
    """Write a 3-D float32 array as a Sphinx-III binary parameter file (no checksum)."""
    header = b"s3\nversion 1.0\n"
    pad = (4 - (len(header) + len(b"endhdr\n")) % 4) % 4
    header += b" " * pad + b"endhdr\n"
    d1, d2, d3 = array.shape
    with open(path, "wb") as out:
        out.write(header)
        out.write(struct.pack("<i", _S3_MAGIC))
        out.write(struct.pack("<4I", d1, d2, d3, d1 * d2 * d3))
        out.write(np.ascontiguousarray(array, dtype="<f4").tobytes())


def gaussian_shape(means: Path) -> tuple[int, int, int]:
    """(codebooks, streams, densities) of a Sphinx-III ``means`` file."""
    data = means.read_bytes()
    end = data.index(b"endhdr\n") + len(b"endhdr\n")
    (magic,) = struct.unpack_from("<i", data, end)
    if magic != _S3_MAGIC:
        raise TuneforkError(f"{means} is not a little-endian Sphinx-III parameter file")
    n_mgau, n_feat, n_density = struct.unpack_from("<3i", data, end + 4)
    return n_mgau, n_feat, n_density
