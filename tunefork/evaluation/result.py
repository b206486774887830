"""The one protocol of evaluation results, whatever the kind of model: what the CLI, the reports and the studio say.

Each kind scores its models into its own result type (:class:`~tunefork.evaluation.comparison.ComparisonResult`
for speech, :class:`~tunefork.evaluation.language_scoring.LanguageEvaluationResult` for language models).
Every surface reads them through this protocol, so the CLI table, ``report.md`` and the studio page show the
same headline figure, the same verdict in the same words and the same table. Results round-trip through
their JSON (``to_json`` / ``from_json``), which is what evaluations store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Headline:
    """The one figure that sums a result up, per model (fractions; ``None`` where a model cannot do the task)."""

    metric: str
    values: list[float | None]
    lower_is_better: bool = False


@dataclass(frozen=True)
class ResultTable:
    """The side-by-side table: one column per model, one row per metric, cells already formatted."""

    title: str
    models: list[str]
    rows: list[tuple[str, list[str]]]
    notes: list[str] = field(default_factory=list)
    """Lines under the table (normalizer, the difference and its interval)."""


class EvaluationResult(Protocol):
    """An evaluation result of one or two models (A, then B) on one test dataset."""

    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (what evaluations store, ``--json`` prints and ``evaluation.json`` holds)."""
        ...

    def headline(self) -> Headline:
        """The headline figure of each model."""
        ...

    def verdict(self) -> str | None:
        """The difference between the two models in plain words (``None`` with one model)."""
        ...

    def winner(self) -> int | None:
        """Index of the model the evidence prefers (0: A, 1: B); ``None`` when it cannot tell."""
        ...

    def concerns(self) -> list[str]:
        """Side effects of B against A that should stop a deployment (forgotten labels...)."""
        ...

    def table(self) -> ResultTable:
        """The side-by-side table of metrics."""
        ...

    def markdown_details(self) -> list[str]:
        """Markdown lines ``report.md`` shows after the table (worst utterances, per-label scores...)."""
        ...

    def report_files(self) -> dict[str, bytes | str | list[dict[str, Any]]]:
        """The report's other files by name: bytes (plots), text, or records (written as JSON lines)."""
        ...


def percent(value: float | None, digits: int = 2) -> str:
    """A rate as a percentage ("n/a" for None)."""
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def md_cell(text: str) -> str:
    """Text made safe for one Markdown table cell or list item."""
    return " ".join(str(text).split()).replace("|", "\\|") or "∅"
