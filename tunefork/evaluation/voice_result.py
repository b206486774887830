"""A voice app evaluation as an :class:`~tunefork.evaluation.result.EvaluationResult`: the CLI's table and
``report.md`` read the same rows and the same error descriptions.

It wraps the JSON of :func:`tunefork.workflows.voice_evaluation.evaluate_voice`: one result per speech model +
language model pair, each with its WER, intent accuracy and slot F1 from audio and from text, and every error
blamed on speech or language (:mod:`tunefork.evaluation.voice_blame`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tunefork.evaluation.result import Headline, ResultTable, md_cell

ROWS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("WER", lambda r: _percent(r["wer"])),
    ("Intent accuracy from audio", lambda r: _percent(r["intentAccuracyFromAudio"])),
    ("Intent accuracy from text", lambda r: _percent(r["intentAccuracyFromText"])),
    ("Slot F1 from audio", lambda r: _percent(r["slotF1FromAudio"])),
    ("Slot F1 from text", lambda r: _percent(r["slotF1FromText"])),
    ("Intent errors: speech / language", lambda r: f"{r['blame']['intent']['asr']} / {r['blame']['intent']['nlu']}"),
    ("Slot errors: speech / language", lambda r: f"{r['blame']['slot']['asr']} / {r['blame']['slot']['nlu']}"),
)
"""The table's rows: a label and the cell of one pair's result."""


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def pair_name(result: dict[str, Any]) -> str:
    """``speech model + language model`` of one pair's result."""
    return f"{result['speechModel']} + {result['languageModel']}"


def describe_error(error: dict[str, Any]) -> str:
    """One blamed error in words: the item, what went wrong, whose fault and the culprit words."""
    words = "; ".join(f"'{w['said']}' heard as '{w['heard']}'" for w in error["words"])
    if error["what"] == "intent":
        what = f"intent {error['fromAudio']} instead of {error['expected']} (from text: {error['fromText']})"
    else:
        what = f"slot {error['error']} {error['slot'][0]}='{error['slot'][1]}'"
    owner = "speech" if error["blame"] == "asr" else "language"
    if error.get("writtenForm"):
        words = f"every word heard right, as '{error['heard']}': the transcript's digits, case or punctuation"
    return f"{error['id']}: {what}: {owner} model" + (f" ({words})" if words else "")


@dataclass
class VoiceEvaluationResult:
    """The report of one voice app evaluation (the JSON ``evaluate --language-model --json`` prints)."""

    report: dict[str, Any]

    @property
    def warnings(self) -> list[str]:
        """What the evaluation warned about (overlap with training, utterances left out)."""
        return list(self.report["warnings"])

    def to_json(self) -> dict[str, Any]:
        """The report as the workflow returned it."""
        return self.report

    def headline(self) -> Headline:
        """Intent accuracy from audio of each pair: what the app's users get."""
        return Headline("intent accuracy from audio", [r["intentAccuracyFromAudio"] for r in self.report["results"]])

    def verdict(self) -> str | None:
        """No verdict: the pairs are shown side by side with each error's blame."""
        return None

    def winner(self) -> int | None:
        """No winner is named (see :meth:`verdict`)."""
        return None

    def concerns(self) -> list[str]:
        """No side-effect check runs on a voice app."""
        return []

    def table(self) -> ResultTable:
        """One column per pair, one row per :data:`ROWS` entry, and the hypothesis cache's notes."""
        results = self.report["results"]
        rows = [(label, [cell(result) for result in results]) for label, cell in ROWS]
        title = f"{self.report['dataset']} ({self.report['items']} utterances): a voice app end to end"
        return ResultTable(title, [pair_name(r) for r in results], rows, list(self.report["notes"]))

    def markdown_details(self) -> list[str]:
        """Every blamed error of each pair."""
        lines: list[str] = []
        for result in self.report["results"]:
            lines += [f"## Errors of {md_cell(pair_name(result))} ({len(result['errors'])})", ""]
            lines += [f"- {md_cell(describe_error(error))}" for error in result["errors"]] or ["None."]
            lines.append("")
        return lines

    def report_files(self) -> dict[str, bytes | str | list[dict[str, Any]]]:
        """``errors.jsonl``: every error of every pair, with its pair."""
        return {"errors.jsonl": [{"speechModel": r["speechModel"], "languageModel": r["languageModel"], **error}
                                 for r in self.report["results"] for error in r["errors"]]}  # fmt: skip
