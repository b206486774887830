"""`tunefork dataset ...`: upload (validated per item), list, inspect, pre-label and delete datasets."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import typer

from tunefork.cli.common import (
    PlainTable,
    console,
    err_console,
    issue_lines,
    monitor_names,
    plain,
    print_json,
    progress_bar,
    warn_about_monitors,
    when,
    workspace_from,
)
from tunefork.cli.inspection import print_inspection
from tunefork.kinds import project_kinds
from tunefork.wording import plural
from tunefork.workflows import datasets, labeling, monitors

app = typer.Typer(help="Upload, list, inspect, pre-label and delete datasets.", no_args_is_help=True)


@app.command("upload")
def upload(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name or id."),
    path: Path = typer.Argument(..., help="File, folder or zip to import."),
    kind: str = typer.Option(
        ...,
        "--kind",
        help="; ".join(f"{k.name} projects: {', '.join(k.upload_kinds)}" for k in project_kinds()) + ".",
    ),
    name: str | None = typer.Option(None, "--name", help="Dataset name (default: the file name)."),
    max_rejected: float | None = typer.Option(
        None,
        "--max-rejected",
        min=0.0,
        max=1.0,
        help="Exit with status 1 when more than this fraction of the items is rejected (the dataset is kept).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the dataset as JSON."),
) -> None:
    """Validate and import a dataset; print accepted and rejected counts with every rejection reason.

    Warns (and keeps the upload) when a dataset of the project already has the same content.
    """
    workspace = workspace_from(ctx)
    with progress_bar(f"Importing {path.resolve().name}") as progress:
        result = datasets.upload_dataset(workspace, project, path, kind, name, progress)
    if as_json:
        print_json(result)
        same_content_warnings(result)
    else:
        print_imported(result)
    total = result["accepted"] + result["rejected"]
    if max_rejected is not None and total and result["rejected"] / total > max_rejected:
        err_console.print(
            f"[red]{result['rejected']} of {total} items rejected ({result['rejected'] / total:.0%}), over "
            f"--max-rejected {max_rejected:g}.[/] The dataset is kept; delete it with `tunefork dataset delete`.",
            highlight=False,
        )
        raise typer.Exit(1)


def print_imported(result: dict[str, Any]) -> None:
    """An imported dataset's counts, each rejection and warning with its reason, and a WARNING on stderr when a
    dataset of the project holds the same content (an upload, or logs exported twice)."""
    console.print(
        f"Dataset [bold]{plain(result['name'])}[/] id {result['id']} "
        f"({result['kind']}, {plain(result['sourceFormat'])})"
    )
    console.print(f"accepted: {result['accepted']}  rejected: {result['rejected']}")
    for line in issue_lines(result["rejections"]):
        console.print(f"  [red]rejected[/] {line}", highlight=False)
    for line in issue_lines([w for w in result["warnings"] if "sameContentAs" not in w]):  # those: a WARNING
        console.print(f"  [yellow]warning[/] {line}", highlight=False)
    same_content_warnings(result)
    if result.get("origin"):  # an export of logs was trained on as it was, the model's mistakes included (a review)
        err_console.print(f"[bold yellow]WARNING:[/] {plain(result['name'])} holds {plain(result['origin'])}: "
                          "correct its labels before training on it (`tunefork endpoint logs download`, edit, "
                          "`tunefork dataset upload`).", highlight=False)  # fmt: skip


def same_content_warnings(result: dict[str, Any]) -> None:
    """A WARNING on stderr for each dataset of the project that holds the same content as ``result``."""
    delete = f"tunefork dataset delete {shlex.quote(result['name'])} --project {shlex.quote(result['project'])}"
    for other in (w["sameContentAs"] for w in result["warnings"] if "sameContentAs" in w):
        err_console.print(
            f"[bold yellow]WARNING:[/] {plain(result['name'])} has the same content as dataset {plain(other)} "
            f"(both are kept; `{plain(delete)}` if it was made twice).",
            highlight=False,
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name or id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the datasets of a project."""
    rows = datasets.list_datasets(workspace_from(ctx), project)
    if as_json:
        print_json(rows)
        return
    table = PlainTable(
        "name", "kind", "status", "format", "accepted", "rejected", "id", "created", title=f"Datasets of {project}"
    )
    for d in rows:
        table.add_row(
            d["name"], d["kind"], d["status"], d["sourceFormat"], str(d["accepted"]), str(d["rejected"]), d["id"],
            when(d["createdDateTime"]),
        )  # fmt: skip
    console.print(table)


@app.command("inspect")
def inspect(
    ctx: typer.Context,
    dataset: str = typer.Argument(..., help="Dataset name or id."),
    project: str | None = typer.Option(None, "--project", help="Narrow an ambiguous dataset name."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
) -> None:
    """Quality report: counts and problems (audio durations and transcripts, labels and imbalance, images)."""
    outcome = datasets.inspect(workspace_from(ctx), dataset, project)
    if as_json:
        print_json(outcome)
        return
    info = outcome["dataset"]
    console.print(
        f"[bold]{plain(info['name'])}[/] ({info['kind']}, {plain(info['sourceFormat'])}) "
        f"in project {plain(info['project'])}"
    )
    console.print(f"accepted {info['accepted']}, rejected {info['rejected']}")
    for line in issue_lines(info["rejections"]):
        console.print(f"  [red]rejected[/] {line}", highlight=False)
    print_inspection(outcome["report"])


@app.command("label")
def label(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name or id (language or entities)."),
    patterns: str = typer.Option(..., "--patterns", help="A JSONL file of spaCy patterns, or a 'patterns' dataset."),
    text: Path = typer.Option(..., "--text", help="Raw UTF-8 text to pre-label, one text per line."),
    name: str | None = typer.Option(None, "--name", help="Name of the new dataset (default: <file>-prelabelled)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Also write the pre-labelled JSON lines to this file, to review and correct."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Pre-label raw text with rule patterns into an annotated-text dataset to review, correct and train on."""
    with progress_bar(f"Labelling {text.name}") as progress:
        result = labeling.label_text(workspace_from(ctx), project, patterns, text, name, progress, output)
    if as_json:
        print_json(result)
        return
    dataset = result["dataset"]
    console.print(f"Dataset [bold]{plain(dataset['name'])}[/] id {dataset['id']} (annotated-text)")
    console.print(f"lines: {result['lines']}  with a match: {result['labelled']}")
    for label_name, count in result["spans"].items():
        console.print(f"  {plain(label_name)}: {count} span(s)")
    for line in issue_lines(result["unreadable"] + dataset["rejections"]):
        console.print(f"  [red]rejected[/] {line}", highlight=False)
    if output is None:
        console.print("To review the spans in a file, give --output FILE (JSON lines: text and spans).")
        return
    console.print(
        f"Review {plain(output)} (one JSON line per text: text and spans), correct it, then upload it: "
        f"tunefork dataset upload {plain(project)} {plain(output)} --kind annotated-text --name "
        f"{plain(dataset['name'])}-reviewed",
        soft_wrap=True,
        highlight=False,
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    dataset: str = typer.Argument(..., help="Dataset name or id."),
    project: str | None = typer.Option(None, "--project", help="Narrow an ambiguous dataset name."),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Do not ask for confirmation (when evaluations go with it or monitors test with it)."
    ),
) -> None:
    """Delete a dataset and its files, with the evaluations made on it, after a confirmation when there are some or
    monitors test with it (refused while it imports or when a model was trained on it)."""
    workspace = workspace_from(ctx)
    dataset_id = datasets.show_dataset(workspace, dataset, project)["id"]
    made_on = datasets.evaluations_on(workspace, dataset_id)
    testing = monitors.monitors_using(workspace, dataset_id=dataset_id)
    if (made_on or testing) and not yes:  # a held-out set and the 11 reports measured on it went in one step (a review)
        evaluations = f" and the {plural(made_on, 'evaluation')} made on it" if made_on else ""
        typer.confirm(f"Delete dataset {dataset}{evaluations}?{_monitors_left(testing)}", abort=True)
    evaluations = datasets.delete_dataset(workspace, dataset, project)
    also = f" and the {evaluations} evaluation{'s' if evaluations != 1 else ''} made on it" if evaluations else ""
    console.print(f"Deleted dataset {plain(dataset)}{also}.")
    warn_about_monitors(testing, "tested with it: their runs end in error now; delete them (tunefork monitor "
                        "delete) or create new ones with another --dataset.")  # fmt: skip


def _monitors_left(names: list[str]) -> str:
    """What deleting a dataset does to the monitors ``names`` that test with it, for the confirmation."""
    return f" Monitor(s) {monitor_names(names)} test with it: their runs will end in error." if names else ""
