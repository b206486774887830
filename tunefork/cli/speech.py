"""`tunefork transcribe` and `tunefork evaluate`."""

from __future__ import annotations

from pathlib import Path

import typer

from tunefork.cli import voice
from tunefork.cli.common import (
    PlainTable,
    console,
    err_console,
    plain,
    print_json,
    print_result,
    progress_bar,
    workspace_from,
)
from tunefork.errors import TuneforkError
from tunefork.workflows import evaluation, language_experiments, transcription
from tunefork.workspace import Workspace


def transcribe(
    ctx: typer.Context,
    model: str = typer.Option(..., "--model", help="Base model name or custom model name/id."),
    dataset: str | None = typer.Option(None, "--dataset", help="Transcribe every item of this dataset."),
    files: list[Path] | None = typer.Argument(
        None, help="Audio files, or folders of them, to transcribe (instead of --dataset)."
    ),
    project: str | None = typer.Option(None, "--project", help="Narrow ambiguous dataset/model names."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Folder for the transcripts."),
) -> None:
    """Transcribe audio; writes transcripts.jsonl (words, times, confidences) and trans.txt (id<TAB>text)."""
    with progress_bar(f"Transcribing with {model}") as progress:
        out = transcription.transcribe(workspace_from(ctx), model, dataset, files, project, output, progress)
    for issue in out.skipped:
        err_console.print(f"[bold red]WARNING:[/] skipped {plain(issue.reason)}", highlight=False)
    for item_id, transcript in out.transcripts[:20]:
        console.print(f"[bold]{plain(item_id)}[/]\t{plain(transcript.text)}", highlight=False)
    if len(out.transcripts) > 20:
        console.print(f"... {len(out.transcripts) - 20} more")
    console.print(f"Wrote {plain(out.jsonl)} and {plain(out.text)}", soft_wrap=True)


def evaluate(
    ctx: typer.Context,
    models: list[str] = typer.Option(..., "--model", help="Model to evaluate; give it twice to compare two."),
    dataset: str | None = typer.Option(
        None,
        "--dataset",
        help="Held-out dataset: acoustic (speech), utterances or annotated-text (language), images (image).",
    ),
    terms: Path | None = typer.Option(
        None,
        "--terms",
        help="File of domain terms (one per line) for term recall (default: the custom model's display forms).",
    ),
    folds: int | None = typer.Option(
        None, "--folds", min=2, help="Cross-validate a custom language model's recipe on its own data (K folds)."
    ),
    learning_curve: bool = typer.Option(
        False, "--learning-curve", help="Retrain a language model on growing fractions; score on --dataset; plot."
    ),
    language_models: list[str] = typer.Option(
        [], "--language-model", help="Voice app: a language model parsing what --model heard (once or twice)."
    ),
    utterances: str | None = typer.Option(
        None, "--utterances", help="Voice app: the utterances dataset giving each audio sentence its intent and slots."
    ),
    project: str | None = typer.Option(None, "--project", help="Narrow ambiguous dataset/model names."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Folder for the learning curve (default: cwd)."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Run every model on every item again instead of reusing its cached answers."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of the table."),
) -> None:
    """Score models on held-out data side by side: WER for speech; intents and entities for language models;
    per-concept accuracy for image models.

    With --language-model (and --utterances), a voice app end to end: speech then language, with the blame of
    each error on the speech or the language model.
    """
    if len(models) > 2:
        raise TuneforkError("Give --model once or twice.")
    workspace = workspace_from(ctx)
    if utterances is not None and not language_models:
        raise TuneforkError("--utterances gives a voice evaluation its intents and slots: add --language-model.")
    if language_models:
        voice.evaluate(workspace, dataset, models, language_models, utterances, project, as_json)
        return
    if folds is not None or learning_curve:
        _experiment(workspace, models, dataset, folds, learning_curve, project, output or Path.cwd(), as_json)
        return
    if dataset is None:
        raise TuneforkError("Name the held-out dataset to evaluate on with --dataset.")
    term_list = evaluation.read_terms(terms) if terms else None
    with progress_bar("Evaluating") as progress:
        outcome = evaluation.evaluate(workspace, dataset, models, term_list, project, progress, not no_cache)
    if as_json:
        print_json(outcome.result.to_json())
        return
    print_result(outcome.result, details=True)
    cached = "; this machine's cached copy, the shared store keeps the report" if workspace.artifacts else ""
    console.print(f"Report: {plain(outcome.report_dir)} (evaluation {outcome.evaluation_id}{cached})", soft_wrap=True)


def _experiment(
    workspace: Workspace,
    models: list[str],
    dataset: str | None,
    folds: int | None,
    learning_curve: bool,
    project: str | None,
    output: Path,
    as_json: bool,
) -> None:
    """``--folds`` / ``--learning-curve``: retrain one custom language model's recipe on parts of its data."""
    if len(models) != 1 or (folds is not None and learning_curve):
        raise TuneforkError("--folds and --learning-curve take one custom language model, one at a time.")
    with progress_bar("Retraining") as progress:
        if folds is not None:
            result = language_experiments.cross_validate(workspace, models[0], folds, project, progress)
        elif dataset is None:
            raise TuneforkError("--learning-curve scores each retrained model on a held-out --dataset.")
        else:
            result = language_experiments.learning_curve(
                workspace, models[0], dataset, output, project=project, progress=progress
            )
    if as_json:
        print_json(result)
    elif folds is not None:
        console.print(f"{plain(result['model'])}: {folds}-fold cross-validation on {result['examples']} examples "
                      f"(%, the mean of the folds ± their standard deviation)")  # fmt: skip
        for key, value in result["metrics"].items():
            console.print(f"  {key:<12} {100 * value['mean']:.1f}% ± {100 * value['stdev']:.1f}")
        table = PlainTable("label", "precision", "recall", "F1", "support", title="Per label, out of fold")
        for label, row in result["per_label"].items():
            figures = [f"{100 * row[key]:.1f}%" for key in ("precision", "recall", "f1")]
            table.add_row(plain(label), *figures, str(row.get("support", "")))
        console.print(table)
    else:
        for warning in result["warnings"]:
            err_console.print(f"[bold red]WARNING:[/] {plain(warning)}", highlight=False)
        for point in result["points"]:
            figures = "  ".join(f"{k} {100 * v:.1f}" for k, v in point["metrics"].items())
            console.print(f"  {point['train_size']:>6} examples ({100 * point['fraction']:.0f}%)  {figures}")
        console.print(f"Plot: {plain(result['plot'])}", soft_wrap=True)
