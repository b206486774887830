"""Score one or two models on the same references and test whether their WER differs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tunefork.evaluation.metrics import CorpusScore, UtteranceScore, score_corpus, score_utterance
from tunefork.evaluation.normalizer import Normalizer, get_normalizer
from tunefork.evaluation.significance import BootstrapResult, paired_bootstrap

__all__ = ["ComparisonResult", "compare_models"]

_ROUND = 6
_MAX_LISTED_IDS = 5


def _rounded(value: float | None) -> float | None:
    """Round a rate for JSON (None stays None)."""
    return None if value is None else round(float(value), _ROUND)


@dataclass
class ComparisonResult:
    """Scores of one or two models on one dataset, and their difference when there are two.

    ``models`` keeps the caller's order (A, then B); ``difference`` is WER(B) - WER(A).
    ``warnings`` is a plain list the caller may append to (e.g. train/test overlap); ``terms`` are the
    domain terms whose recall was measured.
    """

    dataset: str
    normalizer: Normalizer
    models: list[str]
    scores: dict[str, CorpusScore]
    utterances: dict[str, list[UtteranceScore]]
    difference: BootstrapResult | None = None
    warnings: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    def _model_json(self, model: str) -> dict[str, Any]:
        """The JSON entry of one model."""
        score = self.scores[model]
        return {
            "model": model,
            "wer": _rounded(score.wer),
            "raw_wer": _rounded(score.raw_wer),
            "sentence_error_rate": _rounded(score.sentence_error_rate),
            "words": score.words,
            "substitutions": score.substitutions,
            "deletions": score.deletions,
            "insertions": score.insertions,
            "term_recall": _rounded(score.term_recall),
        }

    def _difference_json(self) -> dict[str, Any] | None:
        """The JSON entry of the difference (None with one model)."""
        if self.difference is None:
            return None
        low, high = self.difference.ci95
        return {
            "wer_delta": _rounded(self.difference.wer_delta),
            "ci95": [_rounded(low), _rounded(high)],
            "significant": bool(self.difference.significant),
        }

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready summary; rates are fractions rounded to 6 places."""
        return {
            "dataset": self.dataset,
            "normalizer": {"name": self.normalizer.name, "version": self.normalizer.version},
            "models": [self._model_json(model) for model in self.models],
            "difference": self._difference_json(),
            "warnings": list(self.warnings),
        }


def _listed(ids: list[str]) -> str:
    """A short, readable list of ids."""
    shown = ", ".join(ids[:_MAX_LISTED_IDS])
    return shown + (", ..." if len(ids) > _MAX_LISTED_IDS else "")


def _hypothesis_warnings(model: str, references: Mapping[str, str], hypotheses: Mapping[str, str]) -> list[str]:
    """Warnings about utterances missing from, or unknown to, one model's hypotheses."""
    warnings = []
    missing = [key for key in references if key not in hypotheses]
    if missing:
        warnings.append(
            f"Model {model!r} has no hypothesis for {len(missing)} of {len(references)} utterance(s); "
            f"counted as empty (all words deleted): {_listed(missing)}."
        )
    extra = [key for key in hypotheses if key not in references]
    if extra:
        warnings.append(
            f"Model {model!r} has {len(extra)} hypothesis(es) with no reference, ignored: {_listed(extra)}."
        )
    return warnings


def compare_models(
    references: dict[str, str],
    hypotheses: dict[str, dict[str, str]],
    terms: list[str] | None = None,
    normalizer: Normalizer | None = None,
    dataset: str = "",
    iterations: int = 10_000,
    seed: int = 0,
) -> ComparisonResult:
    """Score each model's hypotheses against ``references`` and, for two models, bootstrap the difference.

    ``references`` maps utterance id -> reference text; ``hypotheses`` maps model name -> {utterance
    id -> text} for one or two models (A then B). A missing hypothesis counts as empty and adds a
    warning. ``terms`` are the project's domain terms for term recall.
    """
    if not 1 <= len(hypotheses) <= 2:
        raise ValueError(f"compare_models takes one or two models, got {len(hypotheses)}")
    normalize = normalizer or get_normalizer()
    result = ComparisonResult(
        dataset=dataset,
        normalizer=normalize,
        models=list(hypotheses),
        scores={},
        utterances={},
        terms=list(terms or []),
    )
    for model, texts in hypotheses.items():
        result.warnings.extend(_hypothesis_warnings(model, references, texts))
        scored = [score_utterance(key, ref, texts.get(key) or "", normalize) for key, ref in references.items()]
        result.utterances[model] = scored
        result.scores[model] = score_corpus(scored, terms, normalize)
    if len(result.models) == 2:
        first, second = (result.utterances[model] for model in result.models)
        result.difference = paired_bootstrap(
            [u.errors for u in first],
            [u.errors for u in second],
            [u.words for u in first],
            iterations=iterations,
            seed=seed,
        )
    return result
