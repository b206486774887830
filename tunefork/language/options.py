"""Options of the language engine (light: the CLI and the REST schemas import it without loading models)."""

from __future__ import annotations

from typing import Any

MAX_TEXT_CHARACTERS = 2000
"""The longest text a language endpoint parses in one request."""
LANGUAGE_OPTIONS = frozenset(
    {
        "intent_classifier",
        "rehearsal",
        "oos_threshold",
        "rehearsal_texts",
        "base_labels_in_output",
        "label_check",
        "slot_tagger",
    }
)
"""Every option the language engine reads (see :mod:`tunefork.language.trainer`)."""
FEATURE_SETS = ("embeddings", "tfidf", "combined", "contrastive", "supervised")
INTENT_CLASSIFIERS = ("auto", *FEATURE_SETS, "finetune")
"""Choices of ``--intent-classifier``: ``auto`` picks among the feature sets by cross-validation (see
:mod:`tunefork.language.intents`; ``contrastive`` fine-tunes the encoder on pairs of examples first, see
:mod:`tunefork.language.intent_contrastive`; ``supervised`` fine-tunes its top layers with a classification loss
first, see :mod:`tunefork.language.intent_supervised`); ``finetune`` fine-tunes the encoder end to end with a
classification loss (:mod:`tunefork.language.intent_finetune`)."""
SLOT_TAGGERS = ("spacy", "crf")
"""Statistical slot taggers: spaCy's NER (fine-tuned from the base model) and a CRF over token features."""
SLOT_TAGGER_CHOICES = ("auto", *SLOT_TAGGERS)
"""Choices of ``--slot-tagger``: ``auto`` picks one by cross-validation or a held-out split on small data (see
:mod:`tunefork.language.slot_cv`); ``spacy`` or ``crf`` trains that one."""


def engine_options(
    intent_classifier: str | None = None,
    rehearsal: bool | None = None,
    oos_threshold: float | None = None,
    slot_tagger: str | None = None,
) -> dict[str, Any]:
    """``TrainingParameters.options`` for the language engine; ``None`` (and ``auto``) leave the default out.

    Only what is set goes in, so the options stay empty for speech models (whose engines refuse unknown ones).
    """
    options: dict[str, Any] = {}
    if intent_classifier not in (None, "auto"):
        options["intent_classifier"] = intent_classifier
    if rehearsal is not None:
        options["rehearsal"] = rehearsal
    if oos_threshold is not None:
        options["oos_threshold"] = oos_threshold
    if slot_tagger not in (None, "auto"):
        options["slot_tagger"] = slot_tagger
    return options
