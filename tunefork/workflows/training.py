"""Train custom models: NotStarted -> Running -> Succeeded / Failed, with a reason and no partial artifact.

The project's kind (:mod:`tunefork.kinds`) says which datasets train, which base models and engines fit,
which options apply, how a model is tested and whether ``--gate`` can judge it; everything else is shared.

:func:`create_model` records the request; :func:`run_training` does the work (in the CLI process or in a
background worker) and, when a test dataset was given, evaluates the custom model side by side with its
base. With ``gate`` on, the kind's gate decides whether the model is Succeeded (speech: a significant gain
on the test dataset without degrading a general guard set beyond ``guard_margin`` points). Unless
``guard_check`` is off, the kind's side-effect check runs after every training (speech: base and custom
on a subset of the guard set) and a warning goes on the card when general data may get worse.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tunefork import __version__
from tunefork.engines.card import has_card, read_card, write_card
from tunefork.engines.contract import TrainingParameters
from tunefork.errors import ConflictError, TuneforkError, failure_reason
from tunefork.kinds import ProjectKind, ResolvedModel, get_kind
from tunefork.kinds.options import stored_parameters, training_parameters
from tunefork.kinds.registry import GateContext, locale_warning
from tunefork.progress import OverallProgress, ProgressCallback, no_progress
from tunefork.store.artifacts import staged_directory
from tunefork.store.models import Dataset, Model, Status, utcnow
from tunefork.store.repository import clean_name, get_dataset, get_model, get_project
from tunefork.wording import a_or_an
from tunefork.workflows.datasets import dataset_records, require_imported
from tunefork.workflows.endpoints import ensure_not_deployed
from tunefork.workflows.evaluation import evaluate_models, training_overlap
from tunefork.workflows.jobs import JobKind, JobSubmitter, submit_job, update_resource
from tunefork.workflows.models import failed_its_gate, is_any_base_model, model_files, model_to_dict
from tunefork.workflows.projects import kind_of
from tunefork.workspace import JOB_PUBLISH_RETRY_PAUSES, Workspace

GUARD_MARGIN = 1.0
"""The gate's default margin: points of the general guard set's metric the custom model may lose (speech: WER)."""

log = logging.getLogger(__name__)


def _engine_for(kind: ProjectKind, base_model: str, gate: bool) -> str:
    """The engine that trains ``base_model`` in a project of ``kind`` (clear errors otherwise)."""
    if not kind.family.is_base_model(base_model):
        raise TuneforkError(
            f"Unknown base model '{base_model}' for {a_or_an(kind.name)} project; use {kind.default_base_model} "
            "or another base model of `tunefork model list --base`."
        )
    if gate and kind.gate is None:
        raise TuneforkError(f"--gate does not apply to {kind.name} models: their kind has no gate.")
    return kind.family.base_engine(base_model)


def _check_settings_apply(
    kind: ProjectKind, terms: list[str] | None, gate: bool, guard_margin: float | None, guard_check: bool | None
) -> None:
    """Refuse training settings that ``kind`` would ignore (``None``: not set): terms without term recall, a guard
    margin that no gate reads (no gate, a gate without a margin, or ``--gate`` not asked for), the side-effect
    check switched without one."""
    if terms and not kind.family.measures_terms:
        raise TuneforkError(f"--terms does not apply to {kind.name} models: their evaluations measure no term recall.")
    if guard_margin is not None:
        _check_margin_applies(kind, gate)
    if guard_check is not None and kind.side_effects is None:
        raise TuneforkError(
            f"--guard-check/--no-guard-check (guardCheck) does not apply to {kind.name} models: their kind has no "
            "side-effect check."
        )


def _check_margin_applies(kind: ProjectKind, gate: bool) -> None:
    """Refuse a ``--guard-margin`` that nothing would read, saying what to do instead."""
    option = "--guard-margin (guardMargin)"
    if kind.gate is None:
        raise TuneforkError(f"{option} does not apply to {kind.name} models: their kind has no gate.")
    if not kind.gate.uses_margin:
        raise TuneforkError(
            f"{option} does not apply to {kind.name} models: their gate compares no general data within a margin; "
            "use --gate without it."
        )
    if not gate:
        check = " (the side-effect check after every training warns at a fixed margin of its own)"
        raise TuneforkError(
            f"{option} applies only with --gate, the one thing that reads it"
            + (check if kind.side_effects is not None else "")
            + ": add --gate (with a --test-dataset), or leave the margin out."
        )


def _named(datasets: list[Dataset]) -> str:
    """``dataset 'a'`` or ``datasets 'a', 'b'``."""
    names = ", ".join(f"'{d.name}'" for d in datasets)
    return f"dataset{'s' if len(datasets) > 1 else ''} {names}"


def _check_training_set(kind: ProjectKind, dataset: Dataset) -> None:
    """Refuse a dataset that this kind's models cannot train on, or that is not imported."""
    if dataset.kind not in kind.training_kinds:
        reason = kind.dataset_kind(dataset.kind).untrainable_reason
        raise TuneforkError(
            f"Dataset '{dataset.name}' is of kind '{dataset.kind}': "
            + (reason or f"{kind.name} models train on {', '.join(kind.training_kinds)}")
            + "."
        )
    require_imported(dataset)


def unreviewed_warning(dataset: Dataset) -> str:
    """The warning for training on a dataset whose labels a model gave (a log export): it learns its own answers."""
    return (f"Dataset '{dataset.name}' holds {dataset.origin}: a model trained on it learns those answers, mistakes "
            "included. Correct them first (`tunefork endpoint logs download`, edit, `dataset upload`).")  # fmt: skip


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
    guard_margin: float | None = None,
    options: Mapping[str, Any] | None = None,
    guard_check: bool | None = None,
) -> dict[str, Any]:
    """Validate a training request and record the model as NotStarted.

    ``options`` are the training options the user set (option name -> value, ``None`` for not set), checked
    against the project's kind; ``parameters`` is the Python API's ready-made starting point. ``guard_check``
    runs the kind's default side-effect check after training (speech: a guard subset; a warning, not a failure).
    ``guard_margin`` (default :data:`GUARD_MARGIN`) and ``guard_check`` (default on), ``None`` when not set, are
    refused where nothing would read them, like ``gate`` and ``terms``: the margin for a kind whose gate takes none
    and without ``gate``, the check for a kind without one. The margin is kept only with a gate that reads it.
    The model's dict carries ``warnings`` to give before it trains: the kind's about its data, and a test set that
    repeats training items.
    """
    if not dataset_refs:
        raise TuneforkError("Give at least one training dataset (--dataset).")
    name = clean_name(name, "model")
    if is_any_base_model(name):
        raise ConflictError(f"'{name}' is the name of a base model; choose another name.")
    if gate and test_dataset_ref is None:
        raise TuneforkError("--gate needs a --test-dataset to judge the model on.")
    kind = kind_of(workspace, project_ref)
    engine = _engine_for(kind, base_model, gate)
    _check_settings_apply(kind, terms, gate, guard_margin, guard_check)
    margin = GUARD_MARGIN if guard_margin is None else guard_margin
    parameters = training_parameters(kind, options, parameters, engine)
    with workspace.session() as session:
        project = get_project(session, project_ref)
        taken = session.scalar(select(Model).where(Model.project_id == project.id, Model.name == name))
        if taken is not None and taken.status == Status.FAILED and not failed_its_gate(workspace, taken):
            # a training that failed (interrupted, out of memory...) gives its name up, as a failed upload does;
            # a model its gate failed keeps its files and its name (it can still be evaluated)
            shutil.rmtree(workspace.model_dir(taken.id), ignore_errors=True)
            session.delete(taken)
            session.flush()
        elif taken is not None:
            raise ConflictError(f"Project '{project.name}' already has a model named '{name}'.")
        datasets = [get_dataset(session, ref, project.name) for ref in dataset_refs]
        for dataset in datasets:
            _check_training_set(kind, dataset)
        warnings = [unreviewed_warning(dataset) for dataset in datasets if dataset.origin]
        warnings += [language] if (language := locale_warning(kind, project.locale)) else []
        if kind.untrainable is not None or kind.training_warnings is not None:
            data = kind.family.training_data(records_with_kinds(workspace, [d.id for d in datasets]))
            if kind.untrainable is not None and (reason := kind.untrainable(data)):
                raise TuneforkError(f"Cannot train on {_named(datasets)}: {reason}")
            warnings += kind.training_warnings(data) if kind.training_warnings is not None else []
        test_id = None
        if test_dataset_ref:
            test = get_dataset(session, test_dataset_ref, project.name)
            if test.kind != kind.test_kind:
                raise TuneforkError(
                    f"Test dataset '{test.name}' is of kind '{test.kind}'; {kind.name} models are evaluated "
                    f"on a held-out '{kind.test_kind}' dataset."
                )
            test_id = test.id
        if test_id in {d.id for d in datasets}:
            raise TuneforkError("The test dataset is also a training dataset: evaluate on held-out data.")
        test_records = dataset_records(workspace, test_id) if test_id is not None else []
        if test_id is not None and kind.test_overlap is not None:
            trained = [record for d in datasets for record in dataset_records(workspace, d.id)]
            try:
                left_out = kind.test_overlap(trained, test_records)
            except TuneforkError as exc:
                raise TuneforkError(f"Test dataset '{test_dataset_ref}': {exc}") from None
            warnings += [f"Test dataset '{test_dataset_ref}': {left_out}"] if left_out else []
        # said before training, not only after it; --gate refuses it
        leak = training_overlap(workspace, test_records, [d.id for d in datasets]) if test_id is not None else None
        if gate and leak:
            raise TuneforkError(
                f"--gate judges a model on held-out data, and {leak} Or train without --gate and read the "
                "evaluation's warning."
            )  # a model trained on its whole test set passed its gate (a review), judged on answers it had learned
        warnings += [leak] if leak else []
        model = Model(
            project_id=project.id,
            name=name,
            base_model=base_model,
            engine=engine,
            description=description,
            dataset_ids=[d.id for d in datasets],
            dataset_hashes=[d.content_hash for d in datasets],
            parameters={  # only what applies to the kind and the engine
                **stored_parameters(kind, engine, parameters),
                "test_dataset": test_id,
                **({"terms": terms or []} if kind.family.measures_terms else {}),
                **({"gate": gate} if kind.gate is not None else {}),
                **({"guard_margin": margin} if gate and kind.gate is not None and kind.gate.uses_margin else {}),
                **({"guard_check": guard_check is not False} if kind.side_effects is not None else {}),
            },
        )
        session.add(model)
        session.flush()
        return {**model_to_dict(model), "warnings": warnings}


def start_training(
    workspace: Workspace,
    submitter: JobSubmitter,
    project_ref: str,
    name: str,
    base_model: str,
    dataset_refs: list[str],
    test_dataset_ref: str | None = None,
    description: str = "",
    terms: list[str] | None = None,
    gate: bool = False,
    guard_margin: float | None = None,
    options: Mapping[str, Any] | None = None,
    guard_check: bool | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The asynchronous training (REST and studio): record the model NotStarted and submit its training job.

    The model and its job are committed together. The CLI runs the same request inline:
    :func:`create_model`, then :func:`run_training`.
    """
    with workspace.transaction():
        model = create_model(
            workspace, project_ref, name, base_model, dataset_refs, test_dataset_ref, None, description, terms,
            gate, guard_margin, options, guard_check,
        )  # fmt: skip
        return model, submit_job(submitter, JobKind.MODEL_TRAINING, model["id"], model["projectId"])


def records_with_kinds(workspace: Workspace, dataset_ids: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(dataset kind, canonical record)`` of every record of the datasets, in order."""
    with workspace.session() as session:
        kinds = {d.id: d.kind for d in session.scalars(select(Dataset).where(Dataset.id.in_(dataset_ids)))}
    for dataset_id in dataset_ids:
        for record in dataset_records(workspace, dataset_id):
            yield kinds[dataset_id], record


class _ProgressRecorder:
    """Forwards progress to the caller and stores the training's overall fraction (:class:`OverallProgress`) on
    the model row about once a second and at the end of each step, as the job's runner stores the job's (the two
    read the same)."""

    def __init__(self, workspace: Workspace, model_id: str, progress: ProgressCallback) -> None:
        self.workspace, self.model_id, self.progress = workspace, model_id, progress
        self.last_saved, self.overall = 0.0, OverallProgress()

    def __call__(self, done: int, total: int, description: str) -> None:
        self.progress(done, total, description)
        fraction = self.overall.update(done, total)
        now = time.monotonic()
        if total and (now - self.last_saved >= 1.0 or done == total):  # a step's end is saved, as the job's is
            self.last_saved = now
            with self.workspace.session() as session:
                session.get(Model, self.model_id).progress = round(fraction, 4)


def _set_status(workspace: Workspace, model_id: str, status: str, **fields: Any) -> dict[str, Any]:
    return update_resource(workspace, "models", model_id, model_to_dict, status=status, **fields)


@dataclass
class TrainingOutcome:
    """The model after training, and its comparisons with the base (test set; guard set with --gate)."""

    model: dict[str, Any]
    test: Any = None
    """The evaluation result on the test dataset (the kind's result type), when one was given."""
    test_evaluation_id: str | None = None
    guard: Any = None
    """The side-effect check (speech: the guard set; all of it with --gate, else a subset), when one ran."""
    guard_check: dict[str, Any] | None = None
    """How the side-effect check ran and what it found, as on the card (``guard_check``)."""
    gate_failure: str | None = None
    warnings: list[str] = field(default_factory=list)
    """The trainer's warnings and the side-effect check's (also on the card)."""
    contributions: dict[str, Any] = field(default_factory=dict)
    """What each kind of data contributed, as on the card (speech: ``term_report``, terms in context)."""

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
    workspace: Workspace, kind: ProjectKind, model: dict[str, Any], artifact_dir: Path, progress: ProgressCallback
) -> TrainingOutcome:
    """Side-by-side comparison of the new model with its base; the gate's verdict when asked for."""
    params = model["parameters"]
    base = ResolvedModel(name=model["baseModel"])
    custom = ResolvedModel(
        name=model["name"], model_id=model["id"], artifact_dir=artifact_dir, training_dataset_ids=model["datasets"],
        engine=model["engine"],
    )  # fmt: skip
    outcome = TrainingOutcome(model=model)
    margin = float(params.get("guard_margin", GUARD_MARGIN))
    context = GateContext(base, custom, margin, workspace.synth_cache_dir, progress)
    guard_seconds = 0.0
    if params.get("test_dataset"):
        evaluation = evaluate_models(
            workspace, params["test_dataset"], [base, custom], params.get("terms") or None, progress=progress
        )
        outcome.test, outcome.test_evaluation_id = evaluation.result, evaluation.evaluation_id
        if params.get("gate") and kind.gate is not None:
            verdict = kind.gate.judge(outcome.test, context)
            outcome.guard, outcome.gate_failure, guard_seconds = verdict.guard, verdict.failure, verdict.guard_seconds
    if kind.side_effects is not None and (outcome.guard is not None or params.get("guard_check", True)):
        checked = kind.side_effects.check(context, outcome.guard, guard_seconds)
        if checked is not None:
            outcome.guard, outcome.guard_check = checked.result, checked.summary
            outcome.warnings += [checked.warning] if checked.warning else []
    return outcome


def run_training(workspace: Workspace, model_ref: str, progress: ProgressCallback = no_progress) -> TrainingOutcome:
    """Train a NotStarted model; leave it Succeeded, or Failed with the reason and no artifact folder."""
    with workspace.session() as session:
        row = get_model(session, model_ref)
        model, kind_name = model_to_dict(row), row.project.kind
    if model["status"] != Status.NOT_STARTED:
        raise ConflictError(f"Model '{model['name']}' is {model['status']}; only NotStarted models can be trained.")
    model = _set_status(workspace, model["id"], Status.RUNNING, progress=0.0, error="")
    artifact_dir = workspace.model_dir(model["id"])
    recorder = _ProgressRecorder(workspace, model["id"], progress)
    try:
        kind = get_kind(kind_name)
        parameters = TrainingParameters.from_stored(model["parameters"])
        data = kind.family.training_data(records_with_kinds(workspace, model["datasets"]))
        trainer = kind.family.trainer(model["engine"])
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
                "warnings": components.warnings,
                "training_seconds": round(time.perf_counter() - started, 2),
                "created": utcnow().isoformat(),
                "tunefork_version": __version__,
                "metrics": {},
            }
            write_card(staging, card)
        outcome = _evaluate_trained(workspace, kind, model, artifact_dir, recorder)
        outcome.warnings = [*components.warnings, *outcome.warnings]
        outcome.contributions = components.contributions
        card["metrics"], card["warnings"] = outcome.metrics, outcome.warnings
        if outcome.guard_check is not None:
            card["guard_check"] = outcome.guard_check
        if model["parameters"].get("gate") and kind.gate is not None:  # kept for audits: a pass was only printed
            card["gate"] = {"passed": outcome.gate_failure is None, "reason": outcome.gate_failure}
        write_card(artifact_dir, card)
    except MemoryError:
        return _fail(workspace, model["id"], artifact_dir, "out of memory while training; use fewer or shorter clips")
    except KeyboardInterrupt:
        _fail(workspace, model["id"], artifact_dir, "training was interrupted")
        raise
    except Exception as exc:  # every failure must leave the model Failed with its reason
        reason = failure_reason(exc, log, f"training model {model['id']}")
        return _fail(workspace, model["id"], artifact_dir, reason)
    status, error = (Status.FAILED, outcome.gate_failure) if outcome.gate_failure else (Status.SUCCEEDED, "")
    try:
        artifact = workspace.publish(artifact_dir, retry_pauses=JOB_PUBLISH_RETRY_PAUSES)  # the object, then the row
    except TuneforkError as exc:
        return _fail(workspace, model["id"], artifact_dir, failure_reason(exc, log, f"publishing model {model['id']}"))
    outcome.model = _set_status(
        workspace, model["id"], status, error=error, metrics=outcome.metrics, progress=1.0, artifact=artifact
    )
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


def show_model(
    workspace: Workspace, model_ref: str, project: str | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A custom model as listed (status, error...) and its ``model.json`` card, ``None`` until training ends."""
    _refuse_base_model(model_ref, "has no model card")
    with workspace.session() as session:
        model = get_model(session, model_ref, project)
        shown = model_to_dict(model)
    path = model_files(workspace, model)  # outside the session: this may download the model
    return shown, read_card(path) if has_card(path) else None


def _refuse_base_model(ref: str, what: str) -> None:
    """A base model's name given where a custom model is meant (no custom model bears one): say so."""
    if is_any_base_model(ref):
        raise TuneforkError(
            f"'{ref}' is a base model, which {what}: `tunefork model list --base` describes it; custom models are "
            "listed by `tunefork model list PROJECT`."
        )


def model_card(workspace: Workspace, model_ref: str, project: str | None = None) -> dict[str, Any]:
    """The ``model.json`` card of a trained model."""
    _, card = show_model(workspace, model_ref, project)
    if card is None:
        raise TuneforkError(f"Model '{model_ref}' has no artifact (it has not finished training).")
    return card


def list_models(workspace: Workspace, project_ref: str | None = None) -> list[dict[str, Any]]:
    """Custom models (of one project when given), oldest first."""
    with workspace.session() as session:
        query = select(Model).order_by(Model.created_at)
        if project_ref is not None:
            query = query.where(Model.project_id == get_project(session, project_ref).id)
        return [model_to_dict(m) for m in session.scalars(query)]


def _check_deletable(session: Any, model: Model) -> None:
    """409 while an endpoint serves ``model`` or it trains."""
    ensure_not_deployed(session, model.id)
    if model.status == Status.RUNNING:
        raise ConflictError(f"Model '{model.name}' is training; wait for it to finish.")


def check_deletable_model(workspace: Workspace, ref: str, project: str | None = None) -> bool:
    """Whether the custom model ``ref``, which nothing keeps from being deleted (409 else), trained to the end
    (Succeeded, or failed its gate and kept its files): asked before a confirmation, so that a deletion that
    would be refused is not confirmed first."""
    _refuse_base_model(ref, "is not deleted")
    with workspace.session() as session:
        model = get_model(session, ref, project)
        _check_deletable(session, model)
        return model.status == Status.SUCCEEDED or failed_its_gate(workspace, model)


def delete_model(workspace: Workspace, ref: str, project: str | None = None) -> None:
    """Delete a custom model and its artifact, unless an endpoint uses it or it is training (409)."""
    _refuse_base_model(ref, "is not deleted")
    with workspace.session() as session:
        model = get_model(session, ref, project)
        _check_deletable(session, model)
        model_id = model.id
        session.delete(model)
    shutil.rmtree(workspace.model_dir(model_id), ignore_errors=True)
