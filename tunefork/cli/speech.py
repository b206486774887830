"""`tunefork transcribe` and `tunefork evaluate`."""

from __future__ import annotations

from pathlib import Path

import typer

from tunefork.cli.common import console, err_console, print_json, progress_bar, workspace_from
from tunefork.errors import TuneforkError
from tunefork.evaluation.report import format_table
from tunefork.workflows import evaluation, transcription


def transcribe(
    ctx: typer.Context,
    model: str = typer.Option(..., "--model", help="Base model name or custom model name/id."),
    dataset: str | None = typer.Option(None, "--dataset", help="Transcribe every item of this dataset."),
    files: list[Path] | None = typer.Argument(None, help="Audio files to transcribe (instead of --dataset)."),
    project: str | None = typer.Option(None, "--project", help="Narrow ambiguous dataset/model names."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Folder for the transcripts."),
) -> None:
    """Transcribe audio; writes transcripts.jsonl (words, times, confidences) and trans.txt (id<TAB>text)."""
    with progress_bar(f"Transcribing with {model}") as progress:
        out = transcription.transcribe(workspace_from(ctx), model, dataset, files, project, output, progress)
    for item_id, transcript in out.transcripts[:20]:
        console.print(f"[bold]{item_id}[/]\t{transcript.text}", highlight=False)
    if len(out.transcripts) > 20:
        console.print(f"... {len(out.transcripts) - 20} more")
    console.print(f"Wrote {out.jsonl} and {out.text}", soft_wrap=True)


def evaluate(
    ctx: typer.Context,
    dataset: str = typer.Option(..., "--dataset", help="An acoustic dataset held out from training."),
    models: list[str] = typer.Option(..., "--model", help="Model to evaluate; give it twice to compare two."),
    terms: Path | None = typer.Option(None, "--terms", help="File of domain terms (one per line) for term recall."),
    project: str | None = typer.Option(None, "--project", help="Narrow ambiguous dataset/model names."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of the table."),
) -> None:
    """WER (with S/D/I), sentence error rate and term recall, side by side, with the significance of the gap."""
    if len(models) > 2:
        raise TuneforkError("Give --model once or twice.")
    term_list = evaluation.read_terms(terms) if terms else None
    with progress_bar("Evaluating") as progress:
        outcome = evaluation.evaluate(workspace_from(ctx), dataset, models, term_list, project, progress)
    if as_json:
        print_json(outcome.result.to_json())
        return
    for warning in outcome.result.warnings:
        err_console.print(f"[bold red]WARNING:[/] {warning}", highlight=False)
    console.print(format_table(outcome.result))
    console.print(f"Report: {outcome.report_dir}", soft_wrap=True)
