"""`tunefork demo`: an end-to-end run on shipped sample text, synthesized on the fly."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from tunefork.cli.common import console, issue_lines, progress_bar, workspace_from
from tunefork.cli.dataset import print_report
from tunefork.evaluation.report import format_table
from tunefork.sample_data import build_azure_zip, read_lines
from tunefork.speech.synthesis import Voice
from tunefork.store.artifacts import atomic_write_text
from tunefork.workflows import datasets, evaluation, projects

DEMO_VOICES = (Voice("en-us"), Voice("en-gb-scotland", speed=150), Voice("en-us+f3", speed=170))


def demo(
    ctx: typer.Context,
    domain_sentences: int = typer.Option(12, "--domain-sentences", min=1, help="Domain test utterances."),
    general_sentences: int = typer.Option(8, "--general-sentences", min=0, help="General test utterances."),
) -> None:
    """Build a sample pharmacy speech project, upload and inspect it, and evaluate both baselines side by side."""
    workspace = workspace_from(ctx)
    name = f"demo-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    console.rule("1. Project")
    project = projects.create_project(workspace, name, "speech", description="tunefork demo: pharmacy dictation")
    console.print(f"Created project [bold]{project['name']}[/] in {workspace.home}")

    console.rule("2. Data: synthesized test audio, related text, domain terms")
    sentences = (
        read_lines("domain_sentences.txt")[:domain_sentences] + read_lines("general_sentences.txt")[:general_sentences]
    )
    scratch = workspace.home / "demo-inputs" / name
    with progress_bar("Synthesizing") as progress:
        zip_path = build_azure_zip(
            sentences, DEMO_VOICES, scratch / "test-audio.zip", workspace.home / ".cache" / "synth", progress=progress
        )
    atomic_write_text(scratch / "related-text.txt", "\n".join(read_lines("domain_sentences.txt")) + "\n")
    terms_path = scratch / "terms.txt"
    atomic_write_text(terms_path, "\n".join(read_lines("domain_terms.txt")) + "\n")
    with progress_bar("Uploading") as progress:
        test = datasets.upload_dataset(workspace, name, zip_path, "acoustic", "test-audio", progress)
        related = datasets.upload_dataset(workspace, name, scratch / "related-text.txt", "language", "related-text")
    for uploaded in (test, related):
        console.print(
            f"Uploaded [bold]{uploaded['name']}[/] ({uploaded['kind']}): "
            f"{uploaded['accepted']} accepted, {uploaded['rejected']} rejected"
        )
        for line in issue_lines(uploaded["rejections"]):
            console.print(f"  rejected {line}", highlight=False)

    console.rule("3. Inspect")
    report = datasets.inspect(workspace, test["id"])["report"]
    print_report({key: value for key, value in report.items() if key != "durations"}, max_items=10)

    console.rule("4. Evaluate the baselines side by side")
    with progress_bar("Evaluating") as progress:
        outcome = evaluation.evaluate(
            workspace,
            test["id"],
            ["whisper-tiny.en", "sphinx-en-us"],
            evaluation.read_terms(terms_path),
            progress=progress,
        )
    console.print(format_table(outcome.result))
    console.print(f"Report folder: {outcome.report_dir}", soft_wrap=True)
    console.print("Next: train a custom model from the related text (coming with `tunefork model train`).")
