"""`tunefork predict`: a language, entities or image model over texts or images, without an endpoint."""

from __future__ import annotations

from pathlib import Path

import typer

from tunefork.cli.answers import decision_cell, entities_cell, intent_cell
from tunefork.cli.common import PlainTable, console, issue_lines, plain, progress_bar, workspace_from
from tunefork.workflows import prediction

SHOWN = 20
"""Answers printed; the rest are in predictions.jsonl."""


def predict(
    ctx: typer.Context,
    model: str = typer.Option(..., "--model", help="A language, entities or image model: base or custom, name or id."),
    inputs: list[Path] | None = typer.Argument(
        None,
        help='Text files (one text a line; JSONL: each line\'s "text"; - reads stdin), or image files and folders.',
    ),
    text: list[str] | None = typer.Option(None, "--text", help="A text to parse (repeat for more)."),
    dataset: str | None = typer.Option(None, "--dataset", help="Predict on every item of this dataset instead."),
    project: str | None = typer.Option(
        None, "--project", help="Narrow ambiguous names; for a base model, the project whose files to write."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="An empty folder for predictions.jsonl and the files to correct (default: under the workspace).",
    ),
) -> None:
    """Run a language, entities or image model over texts or images; writes predictions.jsonl and the model's
    labels to correct and upload again (utterances.yml, spans.jsonl, or images with labels.csv)."""
    with progress_bar(f"Predicting with {model}") as progress:
        out = prediction.predict(workspace_from(ctx), model, inputs, text, dataset, project, output, progress)
    images = any("decision" in answer for _, answer in out.answers)
    intents = any(answer.get("intent") for _, answer in out.answers)
    headers = ["input", *(["decision"] if images else [*(["intent"] if intents else []), "entities found"])]
    table = PlainTable(*headers, *([] if images else ["text"]), title=f"Predictions of {out.model}")
    for source, answer in out.answers[:SHOWN]:
        if images:
            table.add_row(source, decision_cell(answer))
        else:
            cells = [*([intent_cell(answer)] if intents else []), entities_cell(answer)]
            table.add_row(source, *cells, answer.get("text", ""))
    console.print(table)
    if len(out.answers) > SHOWN:
        console.print(f"... {len(out.answers) - SHOWN} more in {prediction.PREDICTIONS_FILE}", highlight=False)
    for line in issue_lines(out.skipped):
        console.print(f"  skipped {line}", highlight=False, soft_wrap=True)
    skipped = f", {len(out.skipped)} skipped" if out.skipped else ""
    console.print(f"{len(out.answers)} answered{skipped}. Wrote {plain(out.folder)}", soft_wrap=True, highlight=False)
    if out.to_correct is not None:
        edit = f"the labels in {out.to_correct}" if out.to_correct.is_dir() else str(out.to_correct)
        console.print(
            f"To correct the model's labels and train on them: edit {plain(edit)}, then `tunefork dataset "
            f"upload {plain(out.project)} {plain(out.to_correct)} --kind {out.dataset_kind}`.",
            soft_wrap=True, highlight=False,
        )  # fmt: skip
