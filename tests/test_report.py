"""Comparison results and the report files written from them."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from tunefork.cli.common import result_table
from tunefork.evaluation.comparison import ComparisonResult, compare_models
from tunefork.evaluation.report import render_markdown, write_report
from tunefork.store.artifacts import read_jsonl

REFERENCES = {f"u{k}": f"please deploy kubernetes cluster number {k} today" for k in range(40)}
BASELINE = {key: text.replace("kubernetes", "cooper netties") for key, text in REFERENCES.items()}
CUSTOM = {key: text.replace("today", "to day") for key, text in list(REFERENCES.items())[:10]}
CUSTOM.update({key: text for key, text in list(REFERENCES.items())[10:39]})

MODEL_KEYS = {
    "model",
    "wer",
    "raw_wer",
    "sentence_error_rate",
    "words",
    "substitutions",
    "deletions",
    "insertions",
    "term_recall",
    "sentences",
    "sentence_errors",
    "term_hits",
    "term_total",
    "term_counts",
    "unsaid_terms",
}


def _result():
    return compare_models(
        REFERENCES, {"baseline": BASELINE, "custom": CUSTOM}, terms=["Kubernetes"], dataset="ops-test", iterations=500
    )


def test_compare_two_models() -> None:
    result = _result()
    assert result.models == ["baseline", "custom"]
    base, custom = result.scores["baseline"], result.scores["custom"]
    assert base.words == custom.words == sum(len(result.normalizer(text).split()) for text in REFERENCES.values())
    assert (base.term_hits, base.term_total, base.term_recall) == (0, 40, 0.0)
    assert (base.terms, custom.terms) == ({"kubernetes": [0, 40]}, {"kubernetes": [39, 40]})
    notes = result.table().notes
    assert "Terms missed by baseline (1): Kubernetes (0/40)." in notes  # as the terms are written, not normalized
    assert "Terms missed by custom (1): Kubernetes (39/40)." in notes
    stored = type(result).from_json(result.to_json())
    assert stored.table().notes == notes  # the stored result lists the same terms
    # a term ending in a period ends the sentence once, written as given (a review read "bid", "b.i.d..")
    dotted = compare_models({"u1": "give one tablet b.i.d."}, {"base": {"u1": "give one tablet bid"}},
                            terms=["b.i.d."], dataset="vet", iterations=100)  # fmt: skip
    assert "Found every time (1): b.i.d." in " ".join(dotted.table().notes)
    assert "b.i.d.." not in " ".join(dotted.table().notes)
    assert custom.deletions == 8  # u39 missing, counted as empty: "... number thirty nine today"
    assert (custom.substitutions, custom.insertions) == (10, 10)  # "today" -> "to day" in u0..u9
    assert result.difference is not None and result.difference.significant
    assert result.difference.wer_delta < 0
    assert result.verdict().startswith("custom is better by ")
    assert any("no hypothesis for 1 of 40" in w and "u39" in w for w in result.warnings)


def test_single_model_has_no_difference() -> None:
    result = compare_models(REFERENCES, {"baseline": BASELINE})
    assert result.difference is None and result.verdict() is None
    assert result.to_json()["difference"] is None
    assert result.to_json()["models"][0]["term_recall"] is None


def test_identical_models_are_not_significant() -> None:
    result = compare_models(REFERENCES, {"a": BASELINE, "b": dict(BASELINE)}, iterations=200)
    assert result.verdict() == "The difference is not significant." and result.winner() is None


def test_to_json_has_exact_shape() -> None:
    result = _result()
    result.warnings.append("extra warning from the caller")
    data = result.to_json()
    assert set(data) == {"dataset", "normalizer", "models", "difference", "warnings", "terms", "terms_source"}
    assert data["dataset"] == "ops-test"
    assert data["normalizer"] == {"name": "tunefork-english", "version": "1.2"}
    assert [m["model"] for m in data["models"]] == ["baseline", "custom"]
    for model in data["models"]:
        assert set(model) == MODEL_KEYS
        assert all(isinstance(model[k], int) for k in ("words", "substitutions", "deletions", "insertions"))
        assert 0.0 <= model["wer"] <= 1.0
        assert model["wer"] == round(model["wer"], 6)
    assert set(data["difference"]) == {"wer_delta", "ci95", "significant", "iterations", "confidence", "items"}
    assert isinstance(data["difference"]["ci95"], list) and len(data["difference"]["ci95"]) == 2
    assert data["difference"]["significant"] is True
    assert data["warnings"][-1] == "extra warning from the caller"
    json.dumps(data)


def test_write_report(tmp_path: Path) -> None:
    result = _result()
    result.warnings.append("TRAIN/TEST OVERLAP: 3 of 40 test item(s) also occur in training data")
    paths = write_report(result, tmp_path / "eval")
    assert [p.name for p in paths] == ["evaluation.json", "report.md", "alignments.jsonl", "wer_per_utterance.png"]
    assert all(p.is_file() for p in paths)
    assert json.loads(paths[0].read_text()) == result.to_json()
    markdown = paths[1].read_text()
    assert markdown.index("WARNING") < markdown.index("| Metric |")
    assert "TRAIN/TEST OVERLAP" in markdown
    assert "custom is better by" in markdown
    assert "## 20 worst utterances" in markdown
    records = read_jsonl(paths[2])
    assert len(records) == 80
    assert {"id", "model", "reference", "hypothesis", "normalized_reference", "ops", "substitutions"} <= set(records[0])
    png = paths[3].read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert not list((tmp_path / "eval").glob(".*.tmp"))


def test_markdown_and_table_render() -> None:
    result = _result()
    markdown = render_markdown(result)
    assert "| WER |" in markdown and "| Term recall | 0.00% (0/40) |" in markdown
    console = Console(record=True, width=140)
    console.print(result_table(result))
    text = console.export_text()
    assert "baseline" in text and "custom" in text and "Raw WER" in text
    assert "custom is better by" in text


def test_stored_results_say_the_same_as_the_live_ones() -> None:
    result = _result()
    stored = ComparisonResult.from_json(result.to_json())
    assert stored.to_json() == result.to_json()
    assert stored.table() == result.table() and stored.verdict() == result.verdict()
    assert stored.headline() == result.headline() and stored.winner() == result.winner() == 1


def test_terms_written_where_the_reference_does_not_say_them_are_counted_and_named() -> None:
    from tunefork.evaluation.comparison import ComparisonResult
    from tunefork.evaluation.wer_report import metric_rows, term_notes

    references = {"e1": "Are you okay for Tuesday?", "e2": "That is good enough for me."}
    hypotheses = {
        "base": {"e1": "Are you okay for Tuesday?", "e2": "That is good enough for me."},
        "custom": {"e1": "Are you Okafor Tuesday?", "e2": "That is Goodenough for me, Okafor."},
    }
    result = compare_models(references, hypotheses, terms=["Okafor", "Goodenough"], dataset="everyday", iterations=200)
    assert dict(metric_rows(result))["Terms written unsaid"] == ["0", "3"]
    assert dict(metric_rows(result))["Term recall"] == ["n/a (no term in references)"] * 2
    assert "Terms custom wrote where the reference does not say them (2): Goodenough (x1), Okafor (x2)." in term_notes(
        result
    )
    stored = ComparisonResult.from_json(result.to_json())
    assert stored.scores["custom"].unsaid_terms == {"goodenough": 1, "okafor": 2}
    assert stored.scores["custom"].term_false_alarms == 3 and stored.scores["base"].term_false_alarms == 0
    assert "Terms written unsaid" not in dict(metric_rows(compare_models(references, hypotheses, iterations=200)))


def test_terms_the_references_never_say_are_named() -> None:
    """A studio review gave three terms, two of which no test sentence says: recall read as if all were measured."""
    from tunefork.evaluation.wer_report import term_notes

    references = {"a": "Check the INR today.", "b": "Take lisinopril daily."}
    hypotheses = {"base": {"a": "Check the I N R today.", "b": "Take lisinopril daily."}}
    result = compare_models(references, hypotheses, terms=["lisinopril", "INR", "metoprolol", "x" * 30],
                            dataset="calls", iterations=200)  # fmt: skip
    notes = term_notes(result)
    assert f"Terms the references never say (2 of 4): metoprolol, {'x' * 30}." in notes
