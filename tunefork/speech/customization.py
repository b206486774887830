"""The training data of speech engines: Azure's table of which data fixes which problem.

A speech trainer (:mod:`tunefork.speech.whisper_custom`, :mod:`tunefork.speech.sphinx_custom`) follows
the contract of :mod:`tunefork.engines.contract`: ``train(base_model, data, parameters, output_dir,
progress) -> TrainedComponents`` with a :class:`TrainingData`, and ``load(artifact_dir, card)``.
Adding an engine = one trainer module plus one entry in :data:`tunefork.speech.registry.CUSTOM_ENGINES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_SENTENCE_WORDS = 50
"""Related text is used in pieces of at most this many words: a line is split at its sentence ends, then every
this many words (a 30,000-word line was one "sentence" to speak: espeak-ng refused it, Whisper hears 30 s)."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentence_pieces(text: str) -> list[str]:
    """``text`` as it is, or, over :data:`MAX_SENTENCE_WORDS` words, its sentences, each cut every that many words."""
    if len(text.split()) <= MAX_SENTENCE_WORDS:
        return [text]
    pieces = []
    for sentence in _SENTENCE_END.split(text.strip()):
        words = sentence.split()
        pieces += [" ".join(words[i : i + MAX_SENTENCE_WORDS]) for i in range(0, len(words), MAX_SENTENCE_WORDS)]
    return pieces


def clips_left_out(left_out: list[str], total: int, how: str) -> str | None:
    """A training warning's sentence naming the recorded clips that ``how`` (``"were not fine-tuned on"``), the
    first three as ``file: why`` (they were only on the card's JSON: a review), or ``None`` without any."""
    if not left_out:
        return None
    shown = "; ".join(left_out[:3]) + ("; ..." if len(left_out) > 3 else "")
    return f"{len(left_out)} of the {total} recorded clips {how}: {shown}"


@dataclass
class TrainingData:
    """Training material by kind: Azure's table of which data fixes which problem."""

    related_text: list[str] = field(default_factory=list)
    """Sentences from ``language`` and ``structured-text`` datasets (vocabulary, domain phrasing), long lines in
    :func:`sentence_pieces`."""
    pronunciations: list[tuple[str, str]] = field(default_factory=list)
    """``(display, spoken)`` pairs from ``pronunciation`` and ``structured-text`` datasets."""
    utterances: list[tuple[Path, str]] = field(default_factory=list)
    """``(16 kHz mono wav, transcript)`` from ``acoustic`` datasets (accents, noise, speaking style)."""

    def kinds(self) -> list[str]:
        """Which kinds of material are present, in a stable order."""
        present = {"related_text": self.related_text, "pronunciations": self.pronunciations}
        present["utterances"] = self.utterances
        return [kind for kind, items in present.items() if items]

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, dict[str, Any]]]) -> TrainingData:
        """Gather ``(dataset kind, canonical record)`` pairs by what they fix (audio paths are absolute)."""
        data = cls()
        for kind, record in records:
            record_type = record.get("type")
            if kind == "acoustic":
                data.utterances.append((Path(record["audio"]), record["text"]))
            elif kind == "pronunciation" or record_type == "pronunciation":
                data.pronunciations.append((record["display"], record["spoken"]))
            elif kind == "language" or record_type == "sentence":
                data.related_text += sentence_pieces(record["text"])
        return data
