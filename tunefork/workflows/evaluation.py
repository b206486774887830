"""Evaluate one or two speech models on an acoustic dataset, side by side, and keep the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunefork.errors import TuneforkError
from tunefork.evaluation.comparison import ComparisonResult, compare_models
from tunefork.evaluation.overlap import find_overlap, overlap_warning
from tunefork.evaluation.report import write_report
from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.transcribe import transcribe_files
from tunefork.store.artifacts import staged_directory
from tunefork.store.models import Dataset, Evaluation, Status, new_id
from tunefork.store.repository import get_dataset
from tunefork.workflows.datasets import dataset_records
from tunefork.workflows.models import ResolvedModel, resolve_speech_model
from tunefork.workspace import Workspace


@dataclass
class EvaluationOutcome:
    """The comparison, its id and the report folder on disk."""

    evaluation_id: str
    result: ComparisonResult
    report_dir: Path


def read_terms(path: Path) -> list[str]:
    """Domain terms, one per line (blank lines and ``#`` comments ignored)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TuneforkError(f"{path}: cannot read the terms file ({exc}).") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _overlap_warnings(workspace: Workspace, test_records: list[dict], models: list[ResolvedModel]) -> list[str]:
    warnings = []
    for model in models:
        training_sets = []
        with workspace.session() as session:
            for dataset_id in model.training_dataset_ids:
                dataset = session.get(Dataset, dataset_id)
                if dataset is not None:
                    training_sets.append((dataset.name, dataset.id))
        loaded = [(name, dataset_records(workspace, dataset_id)) for name, dataset_id in training_sets]
        findings = find_overlap(test_records, loaded)
        if findings:
            warnings.append(f"Model '{model.name}': {overlap_warning(findings, len(test_records))}")
    return warnings


def transcribe_with_each(
    models: list[ResolvedModel], items: list[tuple[str, Path]], progress: ProgressCallback, label: str = ""
) -> dict[str, dict[str, str]]:
    """``{model name: {item id: hypothesis}}``, each model's progress labelled with its name."""
    hypotheses = {}
    for model in models:

        def report(done: int, total: int, description: str, name: str = model.name) -> None:
            progress(done, total, f"{label}{name}: {description}")

        hypotheses[model.name] = {item_id: t.text for item_id, t in transcribe_files(model.load(), items, report)}
    return hypotheses


def evaluate(
    workspace: Workspace,
    dataset_ref: str,
    model_refs: list[str],
    terms: list[str] | None = None,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
) -> EvaluationOutcome:
    """Transcribe the dataset with each model, score them with one normalizer and write a report."""
    if not 1 <= len(model_refs) <= 2:
        raise TuneforkError("Evaluate one model, or two side by side.")
    models = [resolve_speech_model(workspace, ref, project) for ref in model_refs]
    return evaluate_models(workspace, dataset_ref, models, terms, project, progress)


def evaluate_models(
    workspace: Workspace,
    dataset_ref: str,
    models: list[ResolvedModel],
    terms: list[str] | None = None,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
) -> EvaluationOutcome:
    """:func:`evaluate` for models already resolved (the training workflow passes a model being trained)."""
    with workspace.session() as session:
        dataset = get_dataset(session, dataset_ref, project)
        dataset_id, dataset_name, project_id, kind = dataset.id, dataset.name, dataset.project_id, dataset.kind
    if kind != "acoustic":
        raise TuneforkError(
            f"Dataset '{dataset_name}' is of kind '{kind}'; evaluation needs an 'acoustic' dataset "
            "(audio with human-labelled transcripts)."
        )
    if len({m.name for m in models}) != len(models):
        raise TuneforkError("The two models to compare are the same model.")
    records = dataset_records(workspace, dataset_id)
    references = {r["id"]: r["text"] for r in records}
    items = [(r["id"], Path(r["audio"])) for r in records]
    hypotheses = transcribe_with_each(models, items, progress)
    result = compare_models(references, hypotheses, terms=terms, dataset=dataset_name)
    result.warnings.extend(_overlap_warnings(workspace, records, models))
    evaluation_id = new_id()
    report_dir = workspace.reports_dir / evaluation_id
    with staged_directory(report_dir, workspace.staging_dir) as staging:
        write_report(result, staging)
    with workspace.session() as session:
        session.add(
            Evaluation(
                id=evaluation_id,
                project_id=project_id,
                dataset_id=dataset_id,
                model_refs=[m.name for m in models],
                status=Status.SUCCEEDED,
                result=result.to_json(),
            )
        )
    return EvaluationOutcome(evaluation_id=evaluation_id, result=result, report_dir=report_dir)
