"""The baseline vocabulary: which words a base model already knows, for out-of-vocabulary reports.

Both bundled engines use the CMU pronouncing dictionary that ships with pocketsphinx (about 126k
English words). For ``sphinx-en-us`` that is exact: PocketSphinx can only output words in its
dictionary, so a domain term missing from it is never recognized until a lexicon adds it. Whisper
has an open vocabulary (it spells words from sub-word tokens), so no word list is exact for it;
the English dictionary stands in as "words a general English model has seen often", which is what
an OOV report wants to flag (drug names, product names, unusual proper names).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_VARIANT = re.compile(r"\(\d+\)$")


def baseline_dictionary_path() -> Path:
    """Path of the bundled CMU dictionary (``cmudict-en-us.dict``)."""
    from tunefork.speech.sphinx_engine import bundled_model_dir

    return bundled_model_dir() / "cmudict-en-us.dict"


def read_dictionary_words(path: Path) -> frozenset[str]:
    """Lowercase headwords of a Sphinx-format dictionary, pronunciation variants (``word(2)``) folded in."""
    words: set[str] = set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.split(maxsplit=1)
            if not parts or parts[0].startswith(("#", ";;;")):
                continue
            words.add(_VARIANT.sub("", parts[0]).lower())
    words.discard("")
    return frozenset(words)


@lru_cache(maxsize=4)
def _dictionary_words(path: str) -> frozenset[str]:
    return read_dictionary_words(Path(path))


BASELINE_VOCABULARY_NAME = "the CMU pronouncing dictionary of pocketsphinx (taken as what every base model knows)"
"""What out-of-vocabulary words are measured against, as reports say it."""


def baseline_vocabulary(model_name: str | None = None) -> frozenset[str]:
    """Lowercase words a base model is taken to know (the bundled CMU dictionary, for every base model).

    ``model_name`` is accepted so callers can pass the base model they report on; today every base
    model maps to the same dictionary (see the module docstring for why that is fair to Whisper).
    """
    return _dictionary_words(str(baseline_dictionary_path()))
