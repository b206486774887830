"""Score one or two models on the same references and test whether their WER differs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tunefork.evaluation import wer_report
from tunefork.evaluation.metrics import CorpusScore, UtteranceScore, score_corpus, score_utterance
from tunefork.evaluation.normalizer import Normalizer, get_normalizer
from tunefork.evaluation.result import Headline, ResultTable
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
    terms_source: str = ""
    """Where ``terms`` came from ("the list given (--terms)", a custom model's training data), shown with them."""
    notes: list[str] = field(default_factory=list)
    """How this result was computed, shown under the table (cached transcripts); not stored with it."""

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
            "sentences": score.sentences,
            "sentence_errors": score.sentence_errors,
            "term_hits": score.term_hits,
            "term_total": score.term_total,
            "term_counts": score.terms,
            "unsaid_terms": score.unsaid_terms,
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
            "iterations": self.difference.iterations,
            "confidence": self.difference.confidence,
            "items": self.difference.items,
        }

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready summary; rates are fractions rounded to 6 places."""
        return {
            "dataset": self.dataset,
            "normalizer": {"name": self.normalizer.name, "version": self.normalizer.version},
            "models": [self._model_json(model) for model in self.models],
            "difference": self._difference_json(),
            "warnings": list(self.warnings),
            "terms": list(self.terms),
            "terms_source": self.terms_source,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ComparisonResult:
        """The result as :meth:`to_json` stored it (corpus scores and the difference; no per-utterance scores)."""
        per_term = ("utterances", "terms", "unsaid_terms")
        counts = [name for name in CorpusScore.__dataclass_fields__ if name not in per_term]
        scores = {  # results stored before the counts were kept read as 0 (and without per-term counts)
            entry["model"]: CorpusScore(
                **{name: entry.get(name, 0) for name in counts},
                terms=entry.get("term_counts") or {},
                unsaid_terms=entry.get("unsaid_terms") or {},
            )
            for entry in data["models"]
        }
        difference = data.get("difference")
        return cls(
            dataset=data.get("dataset", ""),
            normalizer=StoredNormalizer(data["normalizer"]["name"], data["normalizer"]["version"]),
            models=list(scores),
            scores=scores,
            utterances={model: [] for model in scores},
            difference=BootstrapResult(
                difference["wer_delta"], tuple(difference["ci95"]), difference["significant"],
                difference.get("iterations", 0), difference.get("confidence", 0.95), difference.get("items"),
            ) if difference else None,
            warnings=list(data.get("warnings") or []),
            terms=list(data.get("terms") or []),
            terms_source=data.get("terms_source", ""),
        )  # fmt: skip

    def headline(self) -> Headline:
        """WER of each model (lower is better)."""
        return Headline("WER", [_rounded(self.scores[model].wer) for model in self.models], lower_is_better=True)

    def verdict(self) -> str | None:
        """Which model is better by how many points, or "not significant" (paired bootstrap)."""
        return wer_report.verdict(self)

    def winner(self) -> int | None:
        """The model with the significantly lower WER; ``None`` when the difference is not significant."""
        if self.difference is None or not self.difference.significant:
            return None
        return 1 if self.difference.wer_delta < 0 else 0

    def concerns(self) -> list[str]:
        """None: a WER comparison has no side-effect check of its own (the speech gate adds a guard set)."""
        return []

    def table(self) -> ResultTable:
        """WER, raw WER, sentence error rate, S/D/I, words and term recall side by side."""
        first = self.scores[self.models[0]] if self.models else None
        notes = [
            f"Normalizer: `{self.normalizer.name}` version {self.normalizer.version}, applied to references and "
            f"hypotheses alike. Utterances: {first.sentences if first else 0}. Rates are corpus-level: "
            "(S + D + I) / N."
        ]
        difference = wer_report.difference_text(self)
        if difference:
            notes.append(difference)
        notes += self.term_notes() + self.notes
        return ResultTable(self.dataset or "evaluation", list(self.models), wer_report.metric_rows(self), notes)

    def term_notes(self) -> list[str]:
        """For each model, the domain terms it missed and those it found (the CLI, report.md and the studio)."""
        return wer_report.term_notes(self)

    def markdown_details(self) -> list[str]:
        """The worst utterances, each model's hypothesis under the reference."""
        return wer_report.worst_section(self) if any(self.utterances.values()) else []

    def report_files(self) -> dict[str, bytes | str | list[dict[str, Any]]]:
        """Per-utterance alignments (JSON lines) and the per-utterance WER plot (PNG)."""
        if not any(self.utterances.values()):
            return {}
        return {
            wer_report.ALIGNMENTS_FILE: wer_report.alignment_records(self),
            wer_report.PLOT_FILE: wer_report.render_plot(self),
        }


@dataclass(frozen=True)
class StoredNormalizer:
    """The name and version of the normalizer a stored result was scored with (it normalizes with that name)."""

    name: str
    version: str

    def __call__(self, text: str) -> str:
        """Normalize ``text`` with the normalizer of this name."""
        return get_normalizer(self.name)(text)


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
    terms_source: str = "",
) -> ComparisonResult:
    """Score each model's hypotheses against ``references`` and, for two models, bootstrap the difference.

    ``references`` maps utterance id -> reference text; ``hypotheses`` maps model name -> {utterance
    id -> text} for one or two models (A then B). A missing hypothesis counts as empty and adds a
    warning. ``terms`` are the project's domain terms for term recall (``terms_source`` says where they came from).
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
        terms_source=terms_source if terms else "",
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
