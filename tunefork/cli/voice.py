"""`tunefork evaluate --language-model`: a voice app end to end, with each error blamed on speech or language."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from tunefork.cli.common import console, err_console, plain, print_json, print_verbatim, progress_bar
from tunefork.errors import TuneforkError
from tunefork.workflows import voice_evaluation
from tunefork.workspace import Workspace

SHOWN_ERRORS = 10


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _table(report: dict[str, Any]) -> Table:
    table = Table(title=Text(f"Voice app on {report['dataset']} ({report['items']} utterances)"))
    table.add_column("Metric", style="bold")
    results = report["results"]
    for result in results:
        table.add_column(Text(f"{result['speechModel']} + {result['languageModel']}"), justify="right")
    rows = [
        ("WER", lambda r: _percent(r["wer"])),
        ("Intent accuracy from audio", lambda r: _percent(r["intentAccuracyFromAudio"])),
        ("Intent accuracy from text", lambda r: _percent(r["intentAccuracyFromText"])),
        ("Slot F1 from audio", lambda r: _percent(r["slotF1FromAudio"])),
        ("Slot F1 from text", lambda r: _percent(r["slotF1FromText"])),
        (
            "Intent errors: speech / language",
            lambda r: f"{r['blame']['intent']['asr']} / {r['blame']['intent']['nlu']}",
        ),
        ("Slot errors: speech / language", lambda r: f"{r['blame']['slot']['asr']} / {r['blame']['slot']['nlu']}"),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(r) for r in results))
    return table


def _describe(error: dict[str, Any]) -> str:
    words = "; ".join(f"'{w['said']}' heard as '{w['heard']}'" for w in error["words"])
    if error["what"] == "intent":
        what = f"intent {error['fromAudio']} instead of {error['expected']} (from text: {error['fromText']})"
    else:
        what = f"slot {error['error']} {error['slot'][0]}='{error['slot'][1]}'"
    owner = "speech" if error["blame"] == "asr" else "language"
    if error.get("writtenForm"):
        words = f"every word heard right, as '{error['heard']}': the transcript's digits, case or punctuation"
    return f"{error['id']}: {what}: {owner} model" + (f" ({words})" if words else "")


def evaluate(
    workspace: Workspace,
    dataset: str | None,
    models: list[str],
    language_models: list[str],
    utterances: str | None,
    project: str | None,
    as_json: bool,
) -> None:
    """Run the end-to-end evaluation and print its table and first errors (or JSON)."""
    if dataset is None or utterances is None:
        raise TuneforkError("A voice evaluation needs --dataset (audio) and --utterances (their intents and slots).")
    with progress_bar("Evaluating the voice app") as progress:
        report = voice_evaluation.evaluate_voice(
            workspace, dataset, models, language_models, utterances, project, progress
        )
    if as_json:
        print_json(report)
        return
    for warning in report["warnings"]:
        err_console.print(f"[bold red]WARNING:[/] {plain(warning)}", highlight=False)
    console.print(_table(report))
    print_verbatim(*report["notes"])
    for result in report["results"]:
        errors = result["errors"]
        if errors:
            first = f"the first {SHOWN_ERRORS} of {len(errors)}" if len(errors) > SHOWN_ERRORS else str(len(errors))
            pair = f"{plain(result['speechModel'])} + {plain(result['languageModel'])}"
            console.print(f"Errors of {pair} ({first}; all of them with --json):", highlight=False)
        print_verbatim(*("  " + _describe(error) for error in errors[:SHOWN_ERRORS]))
