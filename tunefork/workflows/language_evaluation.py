"""Run language models over a held-out ``utterances`` or ``annotated-text`` dataset and score them.

The speech evaluation workflow (:mod:`tunefork.workflows.evaluation`) calls :func:`score_language` when
the test dataset holds text, so evaluations of both kinds share one table, one job and one REST resource.
"""

from __future__ import annotations

from typing import Any

from tunefork.errors import TuneforkError
from tunefork.evaluation.language_scoring import (
    LanguageEvaluationResult,
    forgetting_check,
    gold_items,
    score_models,
)
from tunefork.language.base import LanguageModel, Parse
from tunefork.language.general_text import side_effect_texts
from tunefork.progress import ProgressCallback, no_progress
from tunefork.workflows.models import ResolvedModel

BATCH = 64


def parse_all(model: LanguageModel, texts: list[str], progress: ProgressCallback, label: str) -> list[Parse]:
    """Parse ``texts`` in batches, reporting progress."""
    parses: list[Parse] = []
    for start in range(0, len(texts), BATCH):
        parses += model.parse_batch(texts[start : start + BATCH])
        progress(len(parses), len(texts), label)
    return parses


def score_language(
    records: list[dict[str, Any]],
    dataset_name: str,
    kind: str,
    models: list[ResolvedModel],
    progress: ProgressCallback = no_progress,
) -> LanguageEvaluationResult:
    """Parse the dataset's ``records`` with each (language) model and score them; with two, add the forgetting check."""
    items = gold_items(kind, records)
    if not items:
        raise TuneforkError(f"Dataset '{dataset_name}' has no examples to evaluate on (only rules or synonyms).")
    loaded = [model.load() for model in models]
    texts = [item.text for item in items]
    parses = [parse_all(m, texts, progress, f"{r.name}: parsing") for r, m in zip(models, loaded, strict=True)]
    result = score_models(
        dataset_name, kind, items, [(r.name, r.model_id, p) for r, p in zip(models, parses, strict=True)]
    )
    if len(models) == 2 and all(scores.entities is not None for scores in result.models):
        general = side_effect_texts()
        before, after = (
            [[e.span for e in p.entities] for p in parse_all(m, general, progress, f"{r.name}: general text")]
            for r, m in zip(models, loaded, strict=True)
        )
        base_labels = sorted(set(loaded[0].entity_labels) & set(loaded[1].entity_labels))
        result.forgetting = forgetting_check(result, base_labels, before, after)
    return result
