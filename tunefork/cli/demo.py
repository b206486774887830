"""`tunefork demo`: an end-to-end run on shipped sample text (synthesized on the fly) or generated NER data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from tunefork.cli.common import console, issue_lines, plain, print_result, progress_bar, workspace_from
from tunefork.cli.inspection import print_inspection
from tunefork.cli.model import print_training_details
from tunefork.datasets.kinds import RELATED_TEXT
from tunefork.kinds.language import ENTITIES
from tunefork.kinds.speech import SPEECH
from tunefork.language.sample_data import gadget_ner_examples
from tunefork.sample_data import DATA_DIR, read_lines
from tunefork.speech.synthesis import Voice, build_azure_zip
from tunefork.store.artifacts import atomic_write_text, write_jsonl
from tunefork.workflows import datasets, evaluation, projects, training
from tunefork.workspace import Workspace

DEMO_VOICES = (Voice("en-gb-scotland", speed=150), Voice("en-029", speed=150))
"""Test voices: accented English the training material never uses."""
TRAINING_SENTENCES = 60
"""The first 60 domain sentences are training text; the rest are held out for testing."""


def _upload(workspace: Workspace, project: str, path: Path, kind: str, name: str) -> dict:
    with progress_bar(f"Uploading {name}") as progress:
        uploaded = datasets.upload_dataset(workspace, project, path, kind, name, progress)
    console.print(
        f"Uploaded [bold]{plain(uploaded['name'])}[/] ({uploaded['kind']}, {plain(uploaded['sourceFormat'])}): "
        f"{uploaded['accepted']} accepted, {uploaded['rejected']} rejected"
    )
    for line in issue_lines(uploaded["rejections"]):
        console.print(f"  rejected {line}", highlight=False)
    return uploaded


def demo(
    ctx: typer.Context,
    domain_sentences: int = typer.Option(16, "--domain-sentences", min=1, max=40, help="Domain test utterances."),
    general_sentences: int = typer.Option(8, "--general-sentences", min=0, help="General test utterances."),
    base: str = typer.Option("whisper-tiny.en", "--base", help="Base model to customize."),
    entities: bool = typer.Option(
        False, "--entities", help="Instead: teach spaCy's NER a new label (GADGET) without forgetting PERSON/ORG/GPE."
    ),
) -> None:
    """Build a sample pharmacy speech project, compare the baselines, train a custom model and show the gain."""
    workspace = workspace_from(ctx)
    name = f"demo-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    if entities:
        _entities_demo(workspace, name)
        return
    console.rule("1. Project")
    project = projects.create_project(workspace, name, SPEECH.name, description="tunefork demo: pharmacy dictation")
    console.print(f"Created project [bold]{plain(project['name'])}[/] in {plain(workspace.home)}", soft_wrap=True)

    console.rule("2. Data: held-out test audio, related text, pronunciations")
    domain = read_lines("domain_sentences.txt")
    test_sentences = (
        domain[TRAINING_SENTENCES:][:domain_sentences] + read_lines("general_sentences.txt")[:general_sentences]
    )
    scratch = workspace.demo_dir(name)
    with progress_bar("Synthesizing") as progress:
        zip_path = build_azure_zip(
            test_sentences, DEMO_VOICES, scratch / "test.zip", workspace.synth_cache_dir, progress=progress
        )
    atomic_write_text(scratch / "related-text.txt", "\n".join(domain[:TRAINING_SENTENCES]) + "\n")
    test = _upload(workspace, name, zip_path, "acoustic", "test-audio")
    _upload(workspace, name, scratch / "related-text.txt", RELATED_TEXT, "related-text")
    _upload(workspace, name, DATA_DIR / "domain_pronunciations.txt", "pronunciation", "pronunciations")
    terms = read_lines("domain_terms.txt")

    console.rule("3. Inspect the test set")
    report = datasets.inspect(workspace, test["id"])["report"]
    print_inspection(report)

    console.rule("4. Evaluate the baselines side by side")
    with progress_bar("Evaluating") as progress:
        outcome = evaluation.evaluate(workspace, test["id"], ["whisper-tiny.en", "sphinx-en-us"], terms, name, progress)
    print_result(outcome.result)

    console.rule(f"5. Train a custom model from {base} with the related text and pronunciations")
    created = training.create_model(
        workspace, name, "pharmacy", base, ["related-text", "pronunciations"], "test-audio", terms=terms
    )
    with progress_bar("Training") as progress:
        trained = training.run_training(workspace, created["id"], progress)
    if trained.model["status"] != "Succeeded":
        console.print(f"[bold red]Training failed:[/] {plain(trained.model['error'])}", highlight=False)
        raise typer.Exit(1)
    for warning in trained.warnings:
        console.print(f"[bold red]WARNING:[/] {plain(warning)}", highlight=False)
    print_training_details(trained)
    console.print(f"Reports: {plain(workspace.reports_dir)}", soft_wrap=True)
    console.print(
        f"Next: `tunefork transcribe --model pharmacy --project {name} FILE.wav`, "
        f"or `tunefork model show pharmacy --project {name}` for the model (`--json`: its card).",
        soft_wrap=True,
    )


def _train(workspace: Workspace, project: str, name: str, rehearsal: bool) -> dict:
    created = training.create_model(
        workspace, project, name, ENTITIES.default_base_model, ["train"], "test", options={"rehearsal": rehearsal}
    )
    with progress_bar(f"Training {name}") as progress:
        outcome = training.run_training(workspace, created["id"], progress)
    if outcome.model["status"] != "Succeeded":
        console.print(f"[bold red]Training failed:[/] {plain(outcome.model['error'])}", highlight=False)
        raise typer.Exit(1)
    print_result(outcome.test)
    return outcome.model


def _entities_demo(workspace: Workspace, name: str) -> None:
    """Generated sentences where only GADGET is annotated: fine-tune with and without rehearsal, side by side."""
    console.rule("1. Project")
    projects.create_project(workspace, name, ENTITIES.name, description="tunefork demo: a new entity label")
    console.print(f"Created {ENTITIES.name} project [bold]{plain(name)}[/] in {plain(workspace.home)}", soft_wrap=True)
    console.rule("2. Data: 300 training sentences annotated with GADGET only; 150 held-out, fully annotated")
    scratch = workspace.demo_dir(name)
    write_jsonl(scratch / "train.jsonl", gadget_ner_examples(300, seed=0, annotated_only=("GADGET",)))
    write_jsonl(scratch / "test.jsonl", gadget_ner_examples(150, seed=1, names="test"))
    train = _upload(workspace, name, scratch / "train.jsonl", "annotated-text", "train")
    _upload(workspace, name, scratch / "test.jsonl", "annotated-text", "test")
    console.rule("3. Inspect the training data")
    report = datasets.inspect(workspace, train["id"])["report"]
    print_inspection(report)
    console.rule("4. Fine-tune en-core-web-sm with rehearsal (its own predictions keep the old labels alive)")
    _train(workspace, name, "gadgets", rehearsal=True)
    console.rule("5. The same without rehearsal: the new label is learnt, the old ones are forgotten")
    _train(workspace, name, "gadgets-no-rehearsal", rehearsal=False)
    console.print(
        f"Next: `tunefork endpoint create {name} --model gadgets --name ner` and POST text to its /parse URL.",
        soft_wrap=True,
    )
