"""The pronunciation dictionary of a custom model: the CMU dictionary plus domain words and display forms.

PocketSphinx can only output words its dictionary lists, with phones its acoustic model knows.
Words come from three places:

- words of the related text (and of acoustic transcripts) missing from CMUdict get phones from
  g2p (:mod:`.g2p`);
- a pronunciation entry ``(display, spoken)`` becomes one dictionary word, the *display token*
  (:func:`display_token`: the display form lowercased with spaces as ``_``, e.g. ``"Contoso Pro"``
  -> ``contoso_pro``), pronounced as the spoken form's words in a row (CMUdict phones, g2p for
  unknown ones, up to :data:`MAX_VARIANTS` pronunciations). The loader maps the token back to the
  display text, so the recognizer writes ``INR`` or ``Contoso Pro`` where it heard "i n r" or
  "contoso pro";
- when a token is already a dictionary word, the new pronunciations are added as variants
  (``word(2)``...), keeping the old ones.

The written dictionary is the full bundled CMUdict followed by the new entries, in Sphinx format.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tunefork.errors import TuneforkError
from tunefork.speech.sphinx_custom.g2p import G2P, shared_g2p

MAX_VARIANTS = 4
"""Most pronunciations listed for one new word (more make the search slower and more confusable)."""

_PHONE_NAMES = "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH"
PHONES = frozenset(_PHONE_NAMES.split())
"""Phones of the bundled US English acoustic model (besides SIL and the fillers)."""

_VARIANT = re.compile(r"\(\d+\)$")
_UNSAFE = re.compile(r"[\s()]+")


def display_token(display: str) -> str:
    """The single dictionary word standing for a display form: lowercase, whitespace -> ``_``."""
    token = _UNSAFE.sub("_", display.strip().lower()).strip("_")
    if not token or token.startswith(("<", "[", "+")):
        raise TuneforkError(f"pronunciation display form {display!r} cannot be used as a dictionary word")
    return token


def read_dictionary(path: Path) -> dict[str, list[list[str]]]:
    """Sphinx dictionary -> ``{word: [phones, ...]}`` with variants (``word(2)``) folded under ``word``."""
    entries: dict[str, list[list[str]]] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 2 or parts[0].startswith((";;;", "#")):
                continue
            entries.setdefault(_VARIANT.sub("", parts[0]), []).append(parts[1:])
    return entries


@lru_cache(maxsize=2)
def _cached_dictionary(path: str, mtime_ns: int) -> dict[str, list[list[str]]]:
    return read_dictionary(Path(path))


def base_dictionary(path: Path) -> dict[str, list[list[str]]]:
    """:func:`read_dictionary`, remembered per file version (callers must not modify the result)."""
    return _cached_dictionary(str(path), path.stat().st_mtime_ns)


@dataclass
class Lexicon:
    """The base dictionary plus the words added for one custom model."""

    base_path: Path
    base: dict[str, list[list[str]]]
    """Shared, read-only: new words and variants go to :attr:`added`."""
    g2p_variants: int = 1
    added: dict[str, list[list[str]]] = field(default_factory=dict)
    g2p_words: list[str] = field(default_factory=list)
    _g2p: G2P | None = None

    @classmethod
    def from_file(cls, path: Path, g2p_variants: int = 1) -> Lexicon:
        """Start from the dictionary at ``path`` (normally the bundled ``cmudict-en-us.dict``)."""
        return cls(base_path=path, base=base_dictionary(path), g2p_variants=max(1, g2p_variants))

    def knows(self, word: str) -> bool:
        """True when ``word`` is in the base dictionary or was added."""
        return word in self.base or word in self.added

    def pronunciations(self, word: str) -> list[list[str]]:
        """Known pronunciations of ``word``, or g2p's guesses (remembered in :attr:`g2p_words`)."""
        if word in self.added:
            return self.added[word]
        if word in self.base:
            return self.base[word]
        if self._g2p is None:
            self._g2p = shared_g2p()
        guesses = [p for p in self._g2p.variants(word, self.g2p_variants) if set(p) <= PHONES]
        if not guesses:
            raise TuneforkError(f"cannot pronounce {word!r}: it has no letters g2p can read")
        self.added[word] = guesses
        self.g2p_words.append(word)
        return guesses

    def ensure(self, words: Iterable[str]) -> list[str]:
        """Make every word pronounceable (g2p for unknown ones); return the words that were new."""
        new = []
        for word in words:
            if not self.knows(word):
                self.pronunciations(word)
                new.append(word)
        return new

    def can_pronounce(self, word: str) -> bool:
        """True when ``word`` is known or g2p could pronounce it (it is then added)."""
        try:
            self.pronunciations(word)
        except TuneforkError:
            return False
        return True

    def phrase_pronunciations(self, words: list[str]) -> list[list[str]]:
        """Pronunciations of a word sequence said in a row (combinations of variants, at most MAX_VARIANTS)."""
        per_word = [self.pronunciations(word)[:MAX_VARIANTS] for word in words]
        combos = itertools.islice(itertools.product(*per_word), MAX_VARIANTS)
        return [[phone for part in combo for phone in part] for combo in combos]

    def add(self, token: str, pronunciations: list[list[str]]) -> None:
        """Add ``token`` with ``pronunciations`` (after the base ones when the base already has it)."""
        known = self.base.get(token, []) + self.added.get(token, [])
        fresh = [p for p in pronunciations if p and p not in known]
        if fresh:
            self.added.setdefault(token, []).extend(fresh)

    def write(self, path: Path) -> None:
        """Write the base dictionary followed by the added entries (variants numbered after the base's)."""
        shutil.copyfile(self.base_path, path)
        with open(path, "a", encoding="utf-8") as out:
            for word in sorted(self.added):
                start = len(self.base.get(word, []))
                for i, phones in enumerate(self.added[word], start=start + 1):
                    label = word if i == 1 else f"{word}({i})"
                    out.write(f"{label} {' '.join(phones)}\n")
