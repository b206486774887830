"""A trained sphinx model: PocketSphinx with the custom files, writing display forms in its output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.speech.base import Transcript, Word, as_canonical_samples
from tunefork.speech.sphinx_custom.adaptation import fill_digital_silence
from tunefork.speech.sphinx_engine import SphinxEngine

CONFIG_FORMAT = 1
"""Version of the ``engine_config`` layout written by :func:`tunefork.speech.sphinx_custom.train`."""


class CustomSphinxModel:
    """A :class:`SphinxEngine` over custom files whose display tokens are written as display text.

    ``display_forms`` maps dictionary tokens (``contoso_pro``) to what the user wants to read
    (``Contoso Pro``); a multi-word display form stays one :class:`Word` with its timing.
    """

    engine = "sphinx"

    def __init__(
        self, recognizer: SphinxEngine, display_forms: dict[str, str], fill_digital_silence: bool = False
    ) -> None:
        self.recognizer = recognizer
        self.name = recognizer.name
        self.display_forms = dict(display_forms)
        self.fill_digital_silence = fill_digital_silence

    def __repr__(self) -> str:
        return f"CustomSphinxModel(name={self.name!r}, display_forms={len(self.display_forms)})"

    def display(self, token: str) -> str:
        """What to write for a recognized dictionary word."""
        return self.display_forms.get(token, token)

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """Recognize one utterance and write display forms.

        A MAP-adapted model was trained on audio whose digital silence got a faint noise floor
        (:func:`~tunefork.speech.sphinx_custom.adaptation.fill_digital_silence`); it decodes with the
        same front end, deterministically.
        """
        if self.fill_digital_silence:
            samples = fill_digital_silence(as_canonical_samples(samples))
        raw = self.recognizer.transcribe(samples)
        words = [Word(self.display(w.text), w.start, w.end, w.confidence) for w in raw.words]
        return Transcript(text=" ".join(w.text for w in words), words=words, duration=raw.duration, model=self.name)


def _resolve(artifact_dir: Path, relative: str | None) -> Path | None:
    """An artifact-relative path from the config (None = the bundled file)."""
    if relative is None:
        return None
    path = (artifact_dir / relative).resolve()
    if artifact_dir.resolve() not in path.parents:
        raise TuneforkError(f"model file {relative!r} points outside the model folder")
    return path


def load_model(artifact_dir: Path, card: dict[str, Any]) -> CustomSphinxModel:
    """Rebuild the recognizer described by ``card["engine_config"]`` in ``artifact_dir``."""
    config = card.get("engine_config") or {}
    if config.get("format", CONFIG_FORMAT) > CONFIG_FORMAT:
        raise TuneforkError(f"model {card.get('name')!r} was written by a newer tunefork (format {config['format']})")
    recognizer = SphinxEngine(
        card.get("name") or artifact_dir.name,
        hmm=_resolve(artifact_dir, config.get("hmm")),
        lm=_resolve(artifact_dir, config.get("lm")),
        dict=_resolve(artifact_dir, config.get("dict")),
        **dict(config.get("decoder_options") or {}),
    )
    front_end = config.get("front_end") or {}
    return CustomSphinxModel(
        recognizer, config.get("display_forms") or {}, bool(front_end.get("fill_digital_silence", False))
    )
