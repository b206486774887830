"""Train custom models: NotStarted -> Running -> Succeeded / Failed, with a reason and no partial artifact.

Speech projects train speech engines (whisper, sphinx); language and entities projects train the
``spacy`` language engine (:mod:`tunefork.language.trainer`). Everything else is shared.

:func:`create_model` records the request; :func:`run_training` does the work (in the CLI process or in a
background worker) and, when a test dataset was given, evaluates the custom model side by side with its
base. With ``gate`` on, the model is Succeeded only if it beats its base significantly on the test dataset
and does not degrade the general guard set beyond ``guard_margin`` points, judged by the paired bootstrap
interval rather than the point estimate.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tunefork import __version__
from tunefork.errors import ConflictError, TuneforkError
from tunefork.evaluation.comparison import ComparisonResult
from tunefork.evaluation.language_scoring import LanguageEvaluationResult
from tunefork.language import trainer as language_trainer
from tunefork.language.data import LanguageTrainingData
from tunefork.language.options import LANGUAGE_OPTIONS
from tunefork.language.registry import is_language_base_model, is_language_engine
from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.customization import CARD_NAME, TrainingData, TrainingParameters, read_card
from tunefork.speech.registry import base_engine, is_base_model, trainer_for
from tunefork.store.artifacts import atomic_write_json, staged_directory
from tunefork.store.models import Dataset, Model, Status, utcnow
from tunefork.store.repository import clean_name, get_dataset, get_model, get_project
from tunefork.workflows.datasets import dataset_records
from tunefork.workflows.evaluation import evaluate_models
from tunefork.workflows.guard import evaluate_on_guard
from tunefork.workflows.models import ResolvedModel, is_any_base_model, model_to_dict
from tunefork.workspace import Workspace

TRAINABLE_KINDS = {
    "speech": ("acoustic", "language", "pronunciation", "structured-text"),
    "language": ("utterances", "patterns"),
    "entities": ("annotated-text", "patterns"),
}
"""Dataset kinds a model of each project kind learns from."""
TEST_KINDS = {"speech": "acoustic", "language": "utterances", "entities": "annotated-text"}
"""The dataset kind a model of each project kind is evaluated on."""
LANGUAGE_PROJECT_KINDS = ("language", "entities")


def _engine_for(project_kind: str, base_model: str, gate: bool) -> str:
    """The engine that trains ``base_model`` in a ``project_kind`` project (clear errors otherwise)."""
    if project_kind == "speech":
        if not is_base_model(base_model):
            raise TuneforkError(f"Unknown base model '{base_model}'; see `tunefork model list --base`.")
        return base_engine(base_model)
    if project_kind not in LANGUAGE_PROJECT_KINDS:
        raise TuneforkError(f"Training {project_kind} projects is not supported yet.")
    if not is_language_base_model(base_model):
        raise TuneforkError(
            f"Unknown base model '{base_model}' for a {project_kind} project; use en-core-web-sm "
            "(see `tunefork model list --base`)."
        )
    if gate:
        raise TuneforkError("--gate judges speech models on WER; it does not apply to language models.")
    return language_trainer.ENGINE


def create_model(
    workspace: Workspace,
    project_ref: str,
    name: str,
    base_model: str,
    dataset_refs: list[str],
    test_dataset_ref: str | None = None,
    parameters: TrainingParameters | None = None,
    description: str = "",
    terms: list[str] | None = None,
    gate: bool = False,
    guard_margin: float = 1.0,
) -> dict[str, Any]:
    """Validate a training request and record the model as NotStarted."""
    if not dataset_refs:
        raise TuneforkError("Give at least one training dataset (--dataset).")
    name = clean_name(name, "model")
    if is_any_base_model(name):
        raise ConflictError(f"'{name}' is the name of a base model; choose another name.")
    if gate and test_dataset_ref is None:
        raise TuneforkError("--gate needs a --test-dataset to judge the model on.")
    parameters = parameters or TrainingParameters()
    with workspace.session() as session:
        project = get_project(session, project_ref)
        engine = _engine_for(project.kind, base_model, gate)
        misplaced = sorted(set(parameters.options) & LANGUAGE_OPTIONS) if project.kind == "speech" else []
        if misplaced:
            raise TuneforkError(f"Option(s) {', '.join(misplaced)} apply to language and entities models only.")
        if project.kind in LANGUAGE_PROJECT_KINDS:
            parameters.options.setdefault("rehearsal", project.kind == "entities")
            parameters.options.setdefault("base_labels_in_output", project.kind == "entities")
        if session.scalar(select(Model).where(Model.project_id == project.id, Model.name == name)):
            raise ConflictError(f"Project '{project.name}' already has a model named '{name}'.")
        datasets = [get_dataset(session, ref, project.name) for ref in dataset_refs]
        for dataset in datasets:
            if dataset.kind == "audio":
                raise TuneforkError(
                    f"Dataset '{dataset.name}' is of kind '{dataset.kind}', which has no transcripts to train on; "
                    "transcribe it, correct the transcripts and upload them as an 'acoustic' dataset."
                )
            if dataset.kind not in TRAINABLE_KINDS[project.kind]:
                raise TuneforkError(
                    f"Dataset '{dataset.name}' is of kind '{dataset.kind}'; {project.kind} models train on "
                    f"{', '.join(TRAINABLE_KINDS[project.kind])}."
                )
            if dataset.status != Status.SUCCEEDED:
                raise TuneforkError(f"Dataset '{dataset.name}' is {dataset.status}; only imported datasets train.")
        test_id = None
        if test_dataset_ref:
            test = get_dataset(session, test_dataset_ref, project.name)
            if test.kind != TEST_KINDS[project.kind]:
                raise TuneforkError(
                    f"Test dataset '{test.name}' is of kind '{test.kind}'; {project.kind} models are evaluated "
                    f"on a held-out '{TEST_KINDS[project.kind]}' dataset."
                )
            test_id = test.id
        if test_id in {d.id for d in datasets}:
            raise TuneforkError("The test dataset is also a training dataset: evaluate on held-out data.")
        model = Model(
            project_id=project.id,
            name=name,
            base_model=base_model,
            engine=engine,
            description=description,
            dataset_ids=[d.id for d in datasets],
            dataset_hashes=[d.content_hash for d in datasets],
            parameters={
                **asdict(parameters),
                "test_dataset": test_id,
                "terms": terms or [],
                "gate": gate,
                "guard_margin": guard_margin,
            },
        )
        session.add(model)
        session.flush()
        return model_to_dict(model)


def records_with_kinds(workspace: Workspace, dataset_ids: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(dataset kind, canonical record)`` of every record of the datasets, in order."""
    with workspace.session() as session:
        kinds = {d.id: d.kind for d in session.scalars(select(Dataset).where(Dataset.id.in_(dataset_ids)))}
    for dataset_id in dataset_ids:
        for record in dataset_records(workspace, dataset_id):
            yield kinds[dataset_id], record


def collect_language_data(workspace: Workspace, dataset_ids: list[str]) -> LanguageTrainingData:
    """Gather the canonical records of a language model's training datasets."""
    data = LanguageTrainingData()
    for kind, record in records_with_kinds(workspace, dataset_ids):
        data.add_record(kind, record)
    return data


def collect_training_data(workspace: Workspace, dataset_ids: list[str]) -> TrainingData:
    """Gather the canonical records of the training datasets by what they fix."""
    data = TrainingData()
    for kind, record in records_with_kinds(workspace, dataset_ids):
        record_type = record.get("type")
        if kind == "acoustic":
            data.utterances.append((Path(record["audio"]), record["text"]))
        elif kind == "pronunciation" or record_type == "pronunciation":
            data.pronunciations.append((record["display"], record["spoken"]))
        elif kind == "language" or record_type == "sentence":
            data.related_text.append(record["text"])
    return data


class _ProgressRecorder:
    """Forwards progress to the caller and stores it on the model row about once a second."""

    def __init__(self, workspace: Workspace, model_id: str, progress: ProgressCallback) -> None:
        self.workspace, self.model_id, self.progress = workspace, model_id, progress
        self.last_saved = 0.0

    def __call__(self, done: int, total: int, description: str) -> None:
        self.progress(done, total, description)
        now = time.monotonic()
        if total and now - self.last_saved >= 1.0:
            self.last_saved = now
            with self.workspace.session() as session:
                session.get(Model, self.model_id).progress = round(min(done / total, 1.0), 4)


def _set_status(workspace: Workspace, model_id: str, status: str, **fields: Any) -> dict[str, Any]:
    with workspace.session() as session:
        model = session.get(Model, model_id)
        model.status = status
        model.last_action_at = utcnow()
        for key, value in fields.items():
            setattr(model, key, value)
        session.flush()
        return model_to_dict(model)


def _gate_verdict(test: ComparisonResult, guard: ComparisonResult, margin_points: float) -> str | None:
    """``None`` when the custom model passes the gate, else the reason it fails."""
    diff = test.difference
    if diff is None or not diff.significant or diff.wer_delta >= 0:
        return (
            "gate: the custom model does not beat its base significantly on the test dataset "
            f"(WER difference {100 * diff.wer_delta:+.2f} points, 95% CI {100 * diff.ci95[0]:+.2f} to "
            f"{100 * diff.ci95[1]:+.2f})"
            if diff
            else "gate: no comparison with the base model"
        )
    guard_diff = guard.difference
    if guard_diff is not None and 100 * guard_diff.ci95[1] > margin_points:
        return (
            f"gate: general English may degrade by up to {100 * guard_diff.ci95[1]:.2f} points on the guard set "
            f"(point estimate {100 * guard_diff.wer_delta:+.2f}), more than the allowed {margin_points:.2f}"
        )
    return None


@dataclass
class TrainingOutcome:
    """The model after training, and its comparisons with the base (test set; guard set with --gate)."""

    model: dict[str, Any]
    test: ComparisonResult | LanguageEvaluationResult | None = None
    test_evaluation_id: str | None = None
    guard: ComparisonResult | None = None
    gate_failure: str | None = None

    @property
    def metrics(self) -> dict[str, Any]:
        """The comparisons as plain JSON, as stored on the model and its card."""
        metrics: dict[str, Any] = {}
        if self.test is not None:
            metrics["test"] = {**self.test.to_json(), "evaluation_id": self.test_evaluation_id}
        if self.guard is not None:
            metrics["guard"] = self.guard.to_json()
        return metrics


def _evaluate_trained(
    workspace: Workspace, model: dict[str, Any], artifact_dir: Path, progress: ProgressCallback
) -> TrainingOutcome:
    """Side-by-side comparison of the new model with its base; the gate's verdict when asked for."""
    params = model["parameters"]
    base = ResolvedModel(name=model["baseModel"])
    custom = ResolvedModel(
        name=model["name"], model_id=model["id"], artifact_dir=artifact_dir, training_dataset_ids=model["datasets"],
        engine=model["engine"],
    )  # fmt: skip
    outcome = TrainingOutcome(model=model)
    if params.get("test_dataset"):
        evaluation = evaluate_models(
            workspace, params["test_dataset"], [base, custom], params.get("terms") or None, progress=progress
        )
        outcome.test, outcome.test_evaluation_id = evaluation.result, evaluation.evaluation_id
        if params.get("gate"):
            outcome.guard = evaluate_on_guard([base, custom], workspace.home / ".cache" / "synth", progress)
            margin = float(params.get("guard_margin", 1.0))
            outcome.gate_failure = _gate_verdict(outcome.test, outcome.guard, margin)
    return outcome


def run_training(workspace: Workspace, model_ref: str, progress: ProgressCallback = no_progress) -> TrainingOutcome:
    """Train a NotStarted model; leave it Succeeded, or Failed with the reason and no artifact folder."""
    with workspace.session() as session:
        model = model_to_dict(get_model(session, model_ref))
    if model["status"] != Status.NOT_STARTED:
        raise ConflictError(f"Model '{model['name']}' is {model['status']}; only NotStarted models can be trained.")
    model = _set_status(workspace, model["id"], Status.RUNNING, progress=0.0, error="")
    artifact_dir = workspace.models_dir / model["id"]
    recorder = _ProgressRecorder(workspace, model["id"], progress)
    try:
        parameters = TrainingParameters.from_stored(model["parameters"])
        language = is_language_engine(model["engine"])
        data = (collect_language_data if language else collect_training_data)(workspace, model["datasets"])
        trainer = language_trainer if language else trainer_for(model["engine"])
        started = time.perf_counter()
        with staged_directory(artifact_dir, workspace.staging_dir) as staging:
            components = trainer.train(model["baseModel"], data, parameters, staging, recorder)
            card = {
                "id": model["id"],
                "name": model["name"],
                "project": model["project"],
                "base_model": model["baseModel"],
                "engine": model["engine"],
                "description": model["description"],
                "datasets": _dataset_cards(workspace, model["datasets"]),
                "data_kinds": data.kinds(),
                "parameters": model["parameters"],
                "engine_config": components.engine_config,
                "contributions": components.contributions,
                "training_seconds": round(time.perf_counter() - started, 2),
                "created": utcnow().isoformat(),
                "tunefork_version": __version__,
                "metrics": {},
            }
            atomic_write_json(staging / CARD_NAME, card)
        outcome = _evaluate_trained(workspace, model, artifact_dir, recorder)
        card["metrics"] = outcome.metrics
        atomic_write_json(artifact_dir / CARD_NAME, card)
    except MemoryError:
        return _fail(workspace, model["id"], artifact_dir, "out of memory while training; use fewer or shorter clips")
    except KeyboardInterrupt:
        _fail(workspace, model["id"], artifact_dir, "training was interrupted")
        raise
    except Exception as exc:  # every failure must leave the model Failed with its reason
        reason = str(exc) if isinstance(exc, TuneforkError) else f"{type(exc).__name__}: {exc}"
        return _fail(workspace, model["id"], artifact_dir, reason)
    status, error = (Status.FAILED, outcome.gate_failure) if outcome.gate_failure else (Status.SUCCEEDED, "")
    outcome.model = _set_status(workspace, model["id"], status, error=error, metrics=outcome.metrics, progress=1.0)
    return outcome


def _fail(workspace: Workspace, model_id: str, artifact_dir: Path, reason: str) -> TrainingOutcome:
    shutil.rmtree(artifact_dir, ignore_errors=True)
    return TrainingOutcome(
        model=_set_status(workspace, model_id, Status.FAILED, error=workspace.public_message(reason))
    )


def _dataset_cards(workspace: Workspace, dataset_ids: list[str]) -> list[dict[str, Any]]:
    with workspace.session() as session:
        return [
            {"id": d.id, "name": d.name, "kind": d.kind, "content_hash": d.content_hash}
            for d in (session.get(Dataset, dataset_id) for dataset_id in dataset_ids)
        ]


def model_card(workspace: Workspace, model_ref: str, project: str | None = None) -> dict[str, Any]:
    """The ``model.json`` card of a trained model."""
    with workspace.session() as session:
        model_id = get_model(session, model_ref, project).id
    path = workspace.models_dir / model_id
    if not (path / CARD_NAME).exists():
        raise TuneforkError(f"Model '{model_ref}' has no artifact (it has not finished training).")
    return read_card(path)


def list_models(workspace: Workspace, project_ref: str) -> list[dict[str, Any]]:
    """Custom models of a project, oldest first."""
    with workspace.session() as session:
        project = get_project(session, project_ref)
        query = select(Model).where(Model.project_id == project.id).order_by(Model.created_at)
        return [model_to_dict(m) for m in session.scalars(query)]
