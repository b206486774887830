"""A CRF slot tagger (``sklearn-crfsuite``): the candidate to spaCy's NER for the slots of language projects.

It works like Rasa's ``CRFEntityExtractor``: spaCy's English tokenizer splits the text, each token gets
the features of itself and its neighbours (lower case, prefixes, suffixes, word shape, case and digit
flags), and a linear-chain CRF (L-BFGS with L1 and L2 penalties, Rasa's defaults) tags the tokens in the
BILOU scheme. On a handful of annotations it often beats fine-tuning a neural recognizer; which one a
project gets is decided by cross-validation (:mod:`tunefork.language.slot_cv`).

It tags only the labels it was trained on, so it stands in for the recognizer only where a model outputs
its own labels alone (language projects: base labels such as DATE are not part of their output).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tunefork.errors import TuneforkError
from tunefork.language.data import AnnotatedText, Span
from tunefork.language.pipelines import blank_english

MODEL_FILE = "slots.crfsuite"
L1, L2, MAX_ITERATIONS = 0.1, 0.1, 50
"""Rasa's ``CRFEntityExtractor`` defaults."""
_NEIGHBOUR_FEATURES = ("low", "title", "upper")
_TOKEN_FEATURES = ("low", "prefix5", "prefix2", "suffix5", "suffix3", "suffix2", "upper", "title", "digit", "shape")
_SHAPE_RUNS = re.compile(r"(.)\1{3,}")


def _shape(word: str) -> str:
    """``Xxxx``-style shape, runs longer than four collapsed (``DS-300`` -> ``XX-ddd``)."""
    shape = "".join("X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c for c in word)
    return _SHAPE_RUNS.sub(r"\1\1\1\1", shape)


def _word_features(word: str, names: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "low": word.lower(),
        "prefix5": word[:5].lower(),
        "prefix2": word[:2].lower(),
        "suffix5": word[-5:].lower(),
        "suffix3": word[-3:].lower(),
        "suffix2": word[-2:].lower(),
        "upper": word.isupper(),
        "title": word.istitle(),
        "digit": word.isdigit(),
        "shape": _shape(word),
    }
    return {name: values[name] for name in names}


def token_features(words: list[str]) -> list[dict[str, Any]]:
    """Each token's features and its neighbours' (``-1:low``, ``0:suffix3``, ``1:title``...), plus BOS/EOS."""
    sequence = []
    for index, word in enumerate(words):
        features: dict[str, Any] = {"bias": 1.0}
        features.update({f"0:{k}": v for k, v in _word_features(word, _TOKEN_FEATURES).items()})
        if index > 0:
            features.update({f"-1:{k}": v for k, v in _word_features(words[index - 1], _NEIGHBOUR_FEATURES).items()})
        else:
            features["BOS"] = True
        if index + 1 < len(words):
            features.update({f"1:{k}": v for k, v in _word_features(words[index + 1], _NEIGHBOUR_FEATURES).items()})
        else:
            features["EOS"] = True
        sequence.append(features)
    return sequence


def biluo_tags(item: AnnotatedText) -> tuple[list[str], list[str]]:
    """The tokens of ``item`` and their BILOU tags (spans widened to token boundaries; overlaps dropped)."""
    from spacy.util import filter_spans

    doc = blank_english()(item.text)
    spans = [doc.char_span(start, end, label=label, alignment_mode="expand") for start, end, label in item.spans]
    tags = ["O"] * len(doc)
    for span in filter_spans([span for span in spans if span is not None]):
        if len(span) == 1:
            tags[span.start] = f"U-{span.label_}"
            continue
        tags[span.start] = f"B-{span.label_}"
        tags[span.start + 1 : span.end - 1] = [f"I-{span.label_}"] * (len(span) - 2)
        tags[span.end - 1] = f"L-{span.label_}"
    return [token.text for token in doc], tags


def decode(offsets: list[tuple[int, int]], tags: list[str]) -> list[Span]:
    """Character spans from BILOU tags, leniently: a broken sequence still yields its spans."""
    spans: list[Span] = []
    current: list[Any] | None = None  # [start, end, label]
    for (start, end), tag in zip(offsets, tags, strict=True):
        prefix, _, label = tag.partition("-")
        if current is not None and (prefix in ("O", "B", "U") or label != current[2]):
            spans.append((current[0], current[1], current[2]))
            current = None
        if prefix == "U":
            spans.append((start, end, label))
        elif prefix in ("B", "I", "L"):
            current = [current[0] if current else start, end, label]
            if prefix == "L":
                spans.append((current[0], current[1], current[2]))
                current = None
    if current is not None:
        spans.append((current[0], current[1], current[2]))
    return spans


class CrfTagger:
    """A trained CRF slot tagger, read from (and written to) one ``crfsuite`` model file."""

    def __init__(self, path: Path) -> None:
        import sklearn_crfsuite

        if not path.is_file():
            raise TuneforkError(f"no CRF slot model at {path}")
        self.path = path
        self._crf = sklearn_crfsuite.CRF(model_filename=str(path))

    @classmethod
    def train(cls, items: list[AnnotatedText], folder: Path) -> CrfTagger:
        """Train on ``items`` (texts without spans teach what is no slot) into ``folder``."""
        import sklearn_crfsuite

        if not any(item.spans for item in items):
            raise TuneforkError("no entity spans to train the CRF slot tagger on: annotate at least one span.")
        folder.mkdir(parents=True, exist_ok=True)
        tagged = [biluo_tags(item) for item in items]
        crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs", c1=L1, c2=L2, max_iterations=MAX_ITERATIONS, model_filename=str(folder / MODEL_FILE)
        )
        crf.fit([token_features(words) for words, _ in tagged], [tags for _, tags in tagged])
        return cls(folder / MODEL_FILE)

    @property
    def labels(self) -> list[str]:
        """The slot labels the tagger can output."""
        return sorted({tag.partition("-")[2] for tag in self._crf.tagger_.labels() if tag != "O"})

    def predict(self, texts: list[str]) -> list[list[Span]]:
        """Slot spans (character offsets) found in each text."""
        results = []
        for doc in blank_english().pipe(texts):
            if not len(doc):
                results.append([])
                continue
            tags = self._crf.predict_single(token_features([token.text for token in doc]))
            offsets = [(token.idx, token.idx + len(token.text)) for token in doc]
            results.append(decode(offsets, tags))
        return results
