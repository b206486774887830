"""Label conventions shared by training data, models and scores: the "none of these" intent, labels written two
ways, token tags written as labels."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

OUT_OF_SCOPE = "out_of_scope"
"""The label an out-of-scope decision gets in evaluations (and the intent name users give such examples)."""

OUT_OF_SCOPE_NAMES = frozenset({OUT_OF_SCOPE, "oos", "none", "nlu_fallback", "fallback"})
"""Intent names that mean "none of these" in training and test data (Rasa, CLINC150, Lex habits)."""


def _label_key(label: str) -> str:
    """What a person means by a label: its letters without case, accents, or the spaces, ``_`` and ``-`` between."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c))
    return re.sub(r"[\s_-]+", "_", letters.casefold()).strip("_")


def label_variants(labels: Iterable[str]) -> list[tuple[list[str], str]]:
    """Groups of labels that differ only in case, accents or separators (``ship``, ``SHIP``; ``leaf spot``,
    ``leaf_spot``; ``brulure``, ``brûlure``), each with what differs: two labels to a model, most likely one to the
    person who wrote them."""
    groups: dict[str, list[str]] = {}
    for label in sorted(set(labels)):
        groups.setdefault(_label_key(label), []).append(label)
    return [
        (group, "case" if len({label.strip().casefold() for label in group}) == 1 else "case, accents or separators")
        for group in groups.values()
        if len(group) > 1
    ]


TAGGING_PREFIX = re.compile(r"^[BIELSU]-(?=\S)")
"""A BIO/BILOU tag's prefix (``B-DRUG``): a token's tag, not an entity label."""


def tag_prefixed(labels: Iterable[str]) -> list[str]:
    """The labels written as a token tagging scheme's tags, sorted: a prefixed label whose bare name is another
    label too, bare or with another prefix (``B-PRODUCT`` beside ``I-PRODUCT`` or ``PRODUCT``; ``E-MAIL`` alone
    is a label of its own)."""
    labels = set(labels)
    bare = [TAGGING_PREFIX.sub("", label) for label in labels]
    return sorted(
        label
        for label, name in zip(labels, bare, strict=True)
        if label != name and (name in labels or bare.count(name) > 1)
    )


def tag_prefix_warning(labels: Iterable[str]) -> str | None:
    """What to do about labels written as BIO tags, or ``None``: a span carries its entity's label alone."""
    tagged = tag_prefixed(labels)
    if not tagged:
        return None
    shown = ", ".join(repr(label) for label in tagged[:5]) + (" ..." if len(tagged) > 5 else "")
    bare = TAGGING_PREFIX.sub("", tagged[0])
    said = "label {} looks like a BIO tag" if len(tagged) == 1 else "labels {} look like BIO tags"
    return (
        f"{said.format(shown)}, not an entity label: learned as a label of its own. A span carries its entity's "
        f"label alone ('{bare}'), from the entity's first character to its last."
    )
