"""PocketSphinx customization: domain language model, lexicon with display forms, MAP acoustic adaptation.

The trainer/loader pair of the ``sphinx`` engine (see :mod:`tunefork.speech.customization`):

- :func:`train` writes a custom model folder from related text (a Witten-Bell trigram model
  linearly interpolated with the bundled general model at ``custom_weight`` percent),
  pronunciations (dictionary words written back as their display forms) and transcribed audio
  (MAP adaptation with SphinxTrain);
- :func:`load` rebuilds the recognizer from that folder and its ``model.json`` card.

``engine_config`` keys: ``format`` (1), ``hmm`` / ``lm`` / ``dict`` (paths relative to the model
folder; ``None`` = the bundled file), ``display_forms`` (token -> display text),
``decoder_options`` (extra PocketSphinx parameters) and, for MAP-adapted models, ``front_end``
(``{"fill_digital_silence": true}``: decode with the preprocessing the adaptation audio had).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunefork.speech.base import SpeechModel
from tunefork.speech.sphinx_custom.model import CustomSphinxModel, load_model
from tunefork.speech.sphinx_custom.training import train

__all__ = ["CustomSphinxModel", "load", "train"]


def load(artifact_dir: Path, card: dict[str, Any]) -> SpeechModel:
    """The custom model in ``artifact_dir``, named ``card["name"]``, writing display forms."""
    return load_model(Path(artifact_dir), card)
