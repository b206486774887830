"""Grapheme-to-phoneme for words the CMU dictionary lacks, offline, from ``g2p-en``'s bundled checkpoint.

``g2p-en`` ships a small GRU encoder-decoder (``checkpoint20.npz``, trained on CMUdict) that predicts
ARPAbet phones for any spelling. Importing ``g2p_en`` itself, however, runs ``nltk.download`` for a
POS tagger and the NLTK copy of CMUdict at import time, which hangs or fails offline, and we need
neither: the CMU dictionary comes with pocketsphinx and homograph disambiguation does not apply to
isolated words. So this module never imports ``g2p_en``: it locates the installed package with
:func:`importlib.util.find_spec` (which does not execute it), loads the checkpoint with numpy and
runs the same greedy decoding as ``g2p_en.G2p.predict`` (about 1 ms a word). Stress digits are
dropped because the PocketSphinx acoustic model's phone set has none.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

from tunefork.errors import TuneforkError

_GRAPHEMES = ["<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz"]
_PHONEMES = [
    "<pad>", "<unk>", "<s>", "</s>",
    "AA0", "AA1", "AA2", "AE0", "AE1", "AE2", "AH0", "AH1", "AH2", "AO0", "AO1", "AO2",
    "AW0", "AW1", "AW2", "AY0", "AY1", "AY2", "B", "CH", "D", "DH", "EH0", "EH1", "EH2",
    "ER0", "ER1", "ER2", "EY0", "EY1", "EY2", "F", "G", "HH", "IH0", "IH1", "IH2",
    "IY0", "IY1", "IY2", "JH", "K", "L", "M", "N", "NG", "OW0", "OW1", "OW2",
    "OY0", "OY1", "OY2", "P", "R", "S", "SH", "T", "TH", "UH0", "UH1", "UH2", "UW",
    "UW0", "UW1", "UW2", "V", "W", "Y", "Z", "ZH",
]  # fmt: skip
"""Output symbols in the checkpoint's order (copied from ``g2p_en.G2p.__init__``)."""

_START, _END = 2, 3
_MAX_PHONES = 20
_STRESS = re.compile(r"\d$")
_GRAPHEME_INDEX = {g: i for i, g in enumerate(_GRAPHEMES)}
INSTALL_HINT = "install it with `pip install g2p-en` (tunefork only reads its bundled checkpoint)"


def checkpoint_path() -> Path:
    """Path of ``g2p_en/checkpoint20.npz`` in the installed package, found without importing it."""
    spec = importlib.util.find_spec("g2p_en")
    if spec is None or not spec.submodule_search_locations:
        raise TuneforkError(f"Pronouncing unknown words needs the g2p-en package: {INSTALL_HINT}.")
    path = Path(next(iter(spec.submodule_search_locations))) / "checkpoint20.npz"
    if not path.exists():
        raise TuneforkError(f"g2p-en is installed but its checkpoint is missing ({path}): reinstall it.")
    return path


def spelling(word: str) -> str:
    """The letters g2p can read: accents stripped, lowercase, anything but a-z dropped."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if "a" <= ch <= "z")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class G2P:
    """The ``g2p-en`` GRU encoder-decoder, run with numpy on one word at a time."""

    def __init__(self, path: Path | None = None) -> None:
        with np.load(path or checkpoint_path()) as weights:
            self._w = {name: weights[name].astype(np.float32) for name in weights.files}
        self._lock = threading.Lock()

    def _cell(self, x: np.ndarray, h: np.ndarray, prefix: str) -> np.ndarray:
        """One GRU step (PyTorch gate layout: reset, update, new)."""
        w = self._w
        gates_x = x @ w[f"{prefix}_w_ih"].T + w[f"{prefix}_b_ih"]
        gates_h = h @ w[f"{prefix}_w_hh"].T + w[f"{prefix}_b_hh"]
        size = h.shape[-1]
        reset = _sigmoid(gates_x[:, :size] + gates_h[:, :size])
        update = _sigmoid(gates_x[:, size : 2 * size] + gates_h[:, size : 2 * size])
        new = np.tanh(gates_x[:, 2 * size :] + reset * gates_h[:, 2 * size :])
        return (1.0 - update) * new + update * h

    def _encode(self, letters: str) -> np.ndarray:
        w = self._w
        h = np.zeros((1, w["enc_w_hh"].shape[1]), np.float32)
        for index in [_GRAPHEME_INDEX.get(ch, 1) for ch in letters] + [_GRAPHEME_INDEX["</s>"]]:
            h = self._cell(w["enc_emb"][[index]], h, "enc")
        return h

    def _beam_search(self, letters: str, width: int) -> list[tuple[float, list[int]]]:
        """Finished phone sequences with their log-probabilities, best first (width 1 = greedy)."""
        w = self._w
        beams: list[tuple[float, list[int], np.ndarray]] = [(0.0, [_START], self._encode(letters))]
        finished: list[tuple[float, list[int]]] = []
        for _ in range(_MAX_PHONES + 1):
            candidates = []
            for score, sequence, h in beams:
                state = self._cell(w["dec_emb"][[sequence[-1]]], h, "dec")
                logits = (state @ w["fc_w"].T + w["fc_b"])[0].astype(np.float64)
                logits -= logits.max()
                log_probs = logits - np.log(np.exp(logits).sum())
                for index in np.argsort(-log_probs)[:width]:
                    candidates.append((score + float(log_probs[index]), [*sequence, int(index)], state))
            candidates.sort(key=lambda item: -item[0])
            beams = []
            for score, sequence, state in candidates[:width]:
                if sequence[-1] == _END or len(sequence) > _MAX_PHONES:
                    finished.append((score, sequence[1:-1] if sequence[-1] == _END else sequence[1:]))
                else:
                    beams.append((score, sequence, state))
            if not beams:
                break
        finished.sort(key=lambda item: -item[0])
        return finished

    def variants(self, word: str, count: int = 1, width: int = 6) -> list[list[str]]:
        """Up to ``count`` distinct pronunciations of ``word`` (ARPAbet, no stress), most likely first.

        The first is greedy decoding, exactly what ``g2p_en.G2p.predict`` returns (stress aside);
        further ones come from a beam search of ``width`` hypotheses. Empty when the word has no letters.
        """
        letters = spelling(word)
        if not letters:
            return []
        with self._lock:
            found = self._beam_search(letters, 1)
            if count > 1:
                found += self._beam_search(letters, max(width, count))
        distinct: list[list[str]] = []
        for _, sequence in found:
            phones = [_STRESS.sub("", _PHONEMES[i]) for i in sequence if not _PHONEMES[i].startswith("<")]
            if phones and phones not in distinct:
                distinct.append(phones)
            if len(distinct) == count:
                break
        return distinct

    def phones(self, word: str) -> list[str]:
        """The most likely ARPAbet phones (no stress digits) for ``word``; empty when it has no letters."""
        found = self.variants(word, 1)
        return found[0] if found else []


@lru_cache(maxsize=1)
def shared_g2p() -> G2P:
    """One loaded model per process (about 3 MB)."""
    return G2P()
