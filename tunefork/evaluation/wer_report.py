"""What a WER comparison reports: the metric rows, the difference in words, the worst utterances, the alignments
and the per-utterance plot. Content only: :mod:`tunefork.evaluation.report` writes the files.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from tunefork.evaluation.metrics import UtteranceScore
from tunefork.evaluation.result import md_cell, percent
from tunefork.evaluation.significance import MIN_PAIRED_ITEMS

if TYPE_CHECKING:
    from tunefork.evaluation.comparison import ComparisonResult

ALIGNMENTS_FILE = "alignments.jsonl"
PLOT_FILE = "wer_per_utterance.png"
WORST_COUNT = 20
MAX_TERMS_LISTED = 50
"""Most terms listed in a note (``evaluation.json`` has every term's counts)."""


def _points(value: float) -> str:
    """A WER difference in percentage points, signed."""
    return f"{value * 100:+.2f}"


def _term_recall(result: ComparisonResult, model: str) -> str:
    """Term recall with its counts, e.g. '85.00% (17/20)', or why there is none."""
    score = result.scores[model]
    if score.term_recall is not None:
        return f"{percent(score.term_recall)} ({score.term_hits}/{score.term_total})"
    return "n/a (no term in references)" if result.terms else "n/a (no terms given)"


def _terms(terms: list[str]) -> str:
    """The first terms listed and how many more, ending a sentence (no second period after ``b.i.d.``)."""
    shown = ", ".join(terms[:MAX_TERMS_LISTED])
    shown += f" and {len(terms) - MAX_TERMS_LISTED} more" if len(terms) > MAX_TERMS_LISTED else ""
    return shown if shown.endswith(".") else shown + "."


def term_notes(result: ComparisonResult) -> list[str]:
    """Where the domain terms came from and those the references never say (their recall cannot be measured here);
    for each model, the terms it wrote unsaid, missed and found every time."""
    notes = [f"Domain terms: {len(result.terms)}, from {result.terms_source}."] if result.terms_source else []
    said = {term for model in result.models for term in result.scores[model].terms}
    unheard = [term for term in result.terms if " ".join(result.normalizer(term).split()) not in said]
    if result.terms and unheard:
        notes.append(f"Terms the references never say ({len(unheard)} of {len(result.terms)}): {_terms(unheard)}")
    written = {" ".join(result.normalizer(term).split()): term for term in reversed(result.terms)}  # b.i.d., not bid
    for model in result.models:
        score = result.scores[model]
        unsaid = [f"{written.get(term, term)} (x{count})" for term, count in score.unsaid_terms.items()]
        if unsaid:
            notes.append(f"Terms {model} wrote where the reference does not say them ({len(unsaid)}): {_terms(unsaid)}")
        if not score.terms:
            continue
        counts = [(written.get(term, term), hits, total) for term, (hits, total) in score.terms.items()]
        missed = [f"{term} ({hits}/{total})" for term, hits, total in counts if hits < total]
        found = [term for term, hits, total in counts if hits == total]
        parts = [f"Terms missed by {model} ({len(missed)}): {_terms(missed) if missed else 'none.'}"]
        if found:
            parts.append(f"Found every time ({len(found)}): {_terms(found)}")
        notes.append(" ".join(parts))
    return notes


def metric_rows(result: ComparisonResult) -> list[tuple[str, list[str]]]:
    """(label, one cell per model) for the side-by-side table."""
    scores = [result.scores[model] for model in result.models]
    return [
        ("WER", [percent(s.wer) for s in scores]),
        ("Raw WER (no normalization)", [percent(s.raw_wer) for s in scores]),
        (
            "Sentence error rate",
            [f"{percent(s.sentence_error_rate)} ({s.sentence_errors}/{s.sentences})" for s in scores],
        ),
        ("Substitutions", [str(s.substitutions) for s in scores]),
        ("Deletions", [str(s.deletions) for s in scores]),
        ("Insertions", [str(s.insertions) for s in scores]),
        ("Reference words", [str(s.words) for s in scores]),
        ("Term recall", [_term_recall(result, model) for model in result.models]),
        *([("Terms written unsaid", [str(s.term_false_alarms) for s in scores])] if result.terms else []),
    ]


def verdict(result: ComparisonResult) -> str | None:
    """The difference in plain words: which model is better by how many points, or not significant."""
    difference = result.difference
    if difference is None:
        return None
    if difference.too_few_items:
        return (f"Too few utterances ({difference.items}) to call the difference significant: at least "
                f"{MIN_PAIRED_ITEMS} are needed.")  # fmt: skip
    if not difference.significant:
        return "The difference is not significant."
    first, second = result.models
    better = second if difference.wer_delta < 0 else first
    return f"{better} is better by {abs(difference.wer_delta) * 100:.2f} points of WER (significant)."


def difference_text(result: ComparisonResult) -> str | None:
    """One sentence with the WER difference and its confidence interval."""
    difference = result.difference
    if difference is None:
        return None
    first, second = result.models
    low, high = difference.ci95
    level = round(difference.confidence * 100)
    return (
        f"WER({second}) − WER({first}) = {_points(difference.wer_delta)} points "
        f"({level}% CI {_points(low)} to {_points(high)}, paired bootstrap over utterances"
        + (f", {difference.iterations:,} resamples)." if difference.iterations else ").")
    )


def _worst_ids(result: ComparisonResult, count: int) -> list[str]:
    """Ids of the utterances with the most word errors summed over models (ties: higher WER first)."""
    totals: dict[str, list[float]] = {}
    for model in result.models:
        for utterance in result.utterances[model]:
            entry = totals.setdefault(utterance.id, [0.0, 0.0])
            entry[0] += utterance.errors
            entry[1] += utterance.wer
    ranked = sorted(
        (key for key, (errors, _) in totals.items() if errors), key=lambda k: (-totals[k][0], -totals[k][1])
    )
    return ranked[:count]


def worst_section(result: ComparisonResult) -> list[str]:
    """Markdown lines for the worst utterances, each model's hypothesis under the reference."""
    by_model = {model: {u.id: u for u in result.utterances[model]} for model in result.models}
    worst = _worst_ids(result, WORST_COUNT)
    lines = [f"## {len(worst)} worst utterances (most word errors first)", ""]
    if not worst:
        return [*lines, "No utterance has an error.", ""]
    for rank, key in enumerate(worst, start=1):
        first = by_model[result.models[0]][key]
        lines += [f"### {rank}. `{key}`", "", f"- **Reference:** {md_cell(first.reference)}"]
        for model in result.models:
            utterance = by_model[model][key]
            lines.append(
                f"- **{model}** ({utterance.errors} errors, WER {percent(utterance.wer)}): "
                f"{md_cell(utterance.hypothesis)}"
            )
        lines.append("")
    return lines


def _utterance_record(model: str, utterance: UtteranceScore) -> dict[str, Any]:
    """One line of ``alignments.jsonl``."""
    return {
        "id": utterance.id,
        "model": model,
        "reference": utterance.reference,
        "hypothesis": utterance.hypothesis,
        "normalized_reference": utterance.normalized_reference,
        "normalized_hypothesis": utterance.normalized_hypothesis,
        "ops": [{"op": pair.op, "ref": pair.ref, "hyp": pair.hyp} for pair in utterance.alignment],
        "words": utterance.words,
        "substitutions": utterance.substitutions,
        "deletions": utterance.deletions,
        "insertions": utterance.insertions,
        "wer": round(utterance.wer, 6),
    }


def alignment_records(result: ComparisonResult) -> list[dict[str, Any]]:
    """One record per utterance per model, models in order."""
    return [_utterance_record(model, u) for model in result.models for u in result.utterances[model]]


def render_plot(result: ComparisonResult) -> bytes:
    """PNG of per-utterance WER for each model, each sorted ascending (Agg backend, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    figure = Figure(figsize=(9, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for model in result.models:
        rates = sorted(u.wer for u in result.utterances[model])
        label = f"{model} (corpus WER {percent(result.scores[model].wer)})"
        axes.stairs(rates, range(len(rates) + 1), baseline=None, linewidth=2, label=label)
    if not any(result.utterances.values()):
        axes.text(0.5, 0.5, "no utterances", ha="center", va="center", transform=axes.transAxes)
    axes.set_title(f"Per-utterance WER{' on ' + result.dataset if result.dataset else ''}", fontsize=14)
    axes.set_xlabel("Utterances, sorted by WER (each model separately)", fontsize=12)
    axes.set_ylabel("Utterance WER", fontsize=12)
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    axes.tick_params(labelsize=11)
    axes.grid(True, alpha=0.3)
    if result.models and any(result.utterances.values()):
        axes.legend(fontsize=11, loc="upper left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
