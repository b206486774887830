"""Evaluate one or two models on a held-out dataset, side by side, and keep the report.

The dataset's project kind scores them (:meth:`tunefork.kinds.registry.ModelFamily.score`): speech models
by WER on ``acoustic`` datasets, language models by intents and entities on ``utterances`` or
``annotated-text`` datasets. This module checks the request, adds the train/test overlap warnings, keeps
the evaluation row and writes the report.
"""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tunefork.errors import ConflictError, NotFoundError, TuneforkError, failure_reason
from tunefork.evaluation.labels import OUT_OF_SCOPE_NAMES
from tunefork.evaluation.normalizer import get_normalizer
from tunefork.evaluation.overlap import find_overlap, overlap_warning
from tunefork.evaluation.report import write_report
from tunefork.evaluation.result import EvaluationResult
from tunefork.kinds import ProjectKind, ResolvedModel, get_kind
from tunefork.kinds.registry import TestSet
from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.vocabulary import baseline_vocabulary
from tunefork.store.artifacts import staged_directory
from tunefork.store.models import Dataset, Evaluation, Model, Status
from tunefork.store.repository import get_dataset, get_project
from tunefork.wording import plural
from tunefork.workflows.datasets import dataset_records, require_imported
from tunefork.workflows.jobs import JobKind, JobSubmitter, submit_job, update_resource
from tunefork.workflows.models import resolve_model
from tunefork.workspace import JOB_PUBLISH_RETRY_PAUSES, Workspace

GIVEN_TERMS = "the list given (--terms)"
"""Where terms given with an evaluation come from, as its output says."""

log = logging.getLogger(__name__)


@dataclass
class EvaluationOutcome:
    """The comparison, its id and the report folder on disk."""

    evaluation_id: str
    result: EvaluationResult
    """The evaluation result of the dataset's project kind."""
    report_dir: Path


def read_terms(path: Path) -> list[str]:
    """Domain terms, one per line (blank lines and ``#`` comments ignored)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TuneforkError(f"{path}: cannot read the terms file ({exc}).") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def overlap_warnings(workspace: Workspace, test_records: list[dict], models: list[ResolvedModel]) -> list[str]:
    """A warning per custom model that was trained on items of ``test_records`` (exact or normalized repeats)."""
    found = [(model.name, training_overlap(workspace, test_records, model.training_dataset_ids)) for model in models]
    return [f"Model '{name}': {warning}" for name, warning in found if warning]


def training_overlap(workspace: Workspace, test_records: list[dict], dataset_ids: list[str]) -> str | None:
    """The train/test overlap warning of ``test_records`` and the training datasets ``dataset_ids`` (those deleted
    since left out), or ``None``."""
    with workspace.session() as session:
        named = [(dataset.name, dataset.id) for dataset in (session.get(Dataset, i) for i in dataset_ids) if dataset]
    findings = find_overlap(test_records, [(name, dataset_records(workspace, i)) for name, i in named])
    return overlap_warning(findings, len(test_records))


def evaluate(
    workspace: Workspace,
    dataset_ref: str,
    model_refs: list[str],
    terms: list[str] | None = None,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
    use_cache: bool = True,
) -> EvaluationOutcome:
    """Run the dataset through each model, score them side by side and write a report.

    Answers a model already gave for the same input are read from the hypothesis cache unless ``use_cache``
    is False (:mod:`tunefork.engines.hypotheses`).
    """
    if not 1 <= len(model_refs) <= 2:
        raise TuneforkError("Evaluate one model, or two side by side.")
    models = [resolve_model(workspace, ref, project, gate_failed=True) for ref in model_refs]
    project = project or _custom_models_project(workspace, models)
    return evaluate_models(workspace, dataset_ref, models, terms, project, progress, use_cache)


def _custom_models_project(workspace: Workspace, models: list[ResolvedModel]) -> str | None:
    """The project of the custom models given (a dataset name taken in several projects is looked up there: 'test'
    of the model's own project, not "2 datasets are named 'test'"), or ``None``."""
    with workspace.session() as session:
        names = {session.get(Model, model.model_id).project.name for model in models if model.model_id is not None}
    return names.pop() if len(names) == 1 else None


def evaluate_models(
    workspace: Workspace,
    dataset_ref: str,
    models: list[ResolvedModel],
    terms: list[str] | None = None,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
    use_cache: bool = True,
) -> EvaluationOutcome:
    """:func:`evaluate` for models already resolved (the training workflow passes a model being trained).

    The same steps as an evaluation job (the row is registered, runs and ends Succeeded), run inline.
    """
    created = _register(workspace, dataset_ref, models, project)
    with workspace.inline_work("evaluations", created["id"]):
        return _run(workspace, created["id"], models, terms, progress, use_cache)


def _check_evaluable(
    workspace: Workspace, dataset_ref: str, models: list[ResolvedModel], project: str | None
) -> tuple[str, str, str, ProjectKind]:
    """``(dataset id, dataset name, project id, project kind)`` once the dataset and models are fit to compare."""
    with workspace.session() as session:
        dataset = get_dataset(session, dataset_ref, project)
        require_imported(dataset)
        dataset_id, dataset_name, project_id = dataset.id, dataset.name, dataset.project_id
        dataset_kind, kind_name = dataset.kind, dataset.project.kind
    kind = get_kind(kind_name)
    if dataset_kind != kind.test_kind:
        raise TuneforkError(
            f"Dataset '{dataset_name}' is of kind '{dataset_kind}'; {kind.name} models are evaluated on a "
            f"held-out '{kind.test_kind}' dataset."
        )
    for model in models:
        model.require(kind.family)
    if len({m.name for m in models}) != len(models):
        raise TuneforkError("The two models to compare are the same model.")
    return dataset_id, dataset_name, project_id, kind


def _score(
    workspace: Workspace,
    dataset_id: str,
    dataset_name: str,
    kind: ProjectKind,
    models: list[ResolvedModel],
    terms: list[str] | None,
    progress: ProgressCallback,
    use_cache: bool = True,
) -> EvaluationResult:
    """Run the dataset through each model and compare them (overlap warnings included)."""
    records = dataset_records(workspace, dataset_id)
    cache_dir = workspace.hypotheses_cache_dir if use_cache else None
    source = GIVEN_TERMS
    if not terms and kind.family.measures_terms:
        terms, source = training_terms(workspace, kind, models)
    test = TestSet(dataset_name, kind.test_kind, records, list(terms or []), cache_dir, source)
    result = kind.family.score(test, models, progress)
    result.warnings.extend(overlap_warnings(workspace, records, models))
    result.warnings.extend(_unseen_label_warnings(workspace, records, models))
    result.warnings.extend(_base_model_warnings(kind, models))
    result.warnings.extend(f"Model '{model.name}' failed its gate ({model.gate_failure}); it is evaluated to compare, "
                           "and cannot be deployed." for model in models if model.gate_failure)  # fmt: skip
    scored = result.to_json()
    result.warnings.extend(unused_terms_warning(terms, scored) + everyday_terms_warning(terms, scored))
    return result


def _base_model_warnings(kind: ProjectKind, models: list[ResolvedModel]) -> list[str]:
    """A base model of a kind whose base models do not do its task (no intent, no concept of the user's) can only
    be scored wrong: say so, so that a verdict over it is not read as a gain over something that worked."""
    if kind.base_is_baseline:
        return []
    custom = [model.name for model in models if model.model_id is not None]
    learned = f": the verdict shows that '{custom[0]}' learned them, not a gain" if custom else ""
    return [
        f"'{model.name}' is a base model and knows none of this project's labels, so it is scored wrong on them"
        f"{learned}. Compare with an earlier model of yours to measure one."
        for model in models if model.model_id is None
    ]  # fmt: skip


def training_terms(workspace: Workspace, kind: ProjectKind, models: list[ResolvedModel]) -> tuple[list[str], str]:
    """The domain terms in the custom models' training data (speech: pronunciation display forms), once each,
    and where they came from (for the output); ``([], "")`` when their data names none."""
    terms: dict[str, None] = {}
    sources = []
    for model in models:
        with workspace.session() as session:
            rows = [session.get(Dataset, dataset_id) for dataset_id in model.training_dataset_ids]
            datasets = [(row.id, row.name, row.kind) for row in rows if row is not None]
        named = []
        for dataset_id, name, dataset_kind in datasets:
            found = kind.family.domain_terms((dataset_kind, r) for r in dataset_records(workspace, dataset_id))
            terms.update(dict.fromkeys(found))
            named += [name] if found else []
        if named:
            sources.append(f"{model.name}'s training data ({', '.join(named)})")
    if not terms:
        return [], ""
    return list(terms), f"{' and '.join(sources)}; give --terms FILE to choose others"


def unused_terms_warning(terms: list[str] | None, scored: dict[str, Any]) -> list[str]:
    """Terms given to an evaluation whose models report no term recall (text models) were not used: say so."""
    models = scored.get("models") or []
    if not terms or any(isinstance(m, dict) and "term_recall" in m for m in models):
        return []
    return [f"The {len(terms)} domain term(s) given were not scored: term recall is measured on speech only."]


def everyday_terms_warning(terms: list[str] | None, scored: dict[str, Any]) -> list[str]:
    """Terms that normalize to one everyday word although written otherwise (``b.i.d.`` -> ``bid``): their recall
    also counts that word wherever a reference says it, and a hypothesis writing it counts as the term (a review's
    "her bid at the auction" was a missed drug term)."""
    models = scored.get("models") or []
    if not terms or not any(isinstance(m, dict) and "term_recall" in m for m in models):
        return []
    normalize, vocabulary = get_normalizer(), baseline_vocabulary()
    clashes = [f"'{term}' ({word})" for term in terms if (word := normalize(term)) in vocabulary
               and " " not in word and word != term.strip().lower()]  # fmt: skip
    if not clashes:
        return []
    return [f"Term(s) {', '.join(clashes)} read as everyday words once normalized: their recall also counts those "
            "words where the references say them, and a model writing the word is credited with the term."]  # fmt: skip


def _intent_counts(records: list[dict]) -> Counter[str]:
    return Counter(r["intent"] for r in records if isinstance(r.get("intent"), str) and r["intent"])


def _concept_counts(records: list[dict]) -> Counter[str]:
    return Counter(label for r in records if isinstance(r.get("labels"), list) for label in r["labels"])


UNSEEN_ADVICE = {
    "intent": "Check the test file's labels for typos, or label out-of-scope requests 'out_of_scope'.",
    "concept": "Check the test folders' names for typos, or put images of none of the concepts in 'none-of-these'.",
}
"""What to check when a test set holds labels (intents of utterances, concepts of images) a model never saw."""


def _unseen_label_warnings(workspace: Workspace, test_records: list[dict], models: list[ResolvedModel]) -> list[str]:
    """A test intent or image concept that a custom model never saw in training can only be scored wrong: often a
    typo or a renamed label in the test data. Out-of-scope labels are not intents to learn; a concept named so
    (an image folder ``none``) is a concept, not the negative folder, and is warned about like any other."""
    warnings = []
    for noun, count in (("intent", _intent_counts), ("concept", _concept_counts)):
        excluded = OUT_OF_SCOPE_NAMES if noun == "intent" else ()
        wanted = {name: n for name, n in count(test_records).items() if name.lower() not in excluded}
        for model in models:
            if not wanted or not model.training_dataset_ids:
                continue
            trained: Counter[str] = Counter()
            for dataset_id in model.training_dataset_ids:
                trained.update(count(dataset_records(workspace, dataset_id)))
            unseen = sorted(name for name in wanted if name not in trained)
            if trained and unseen:
                named = ", ".join(f"'{name}' ({plural(wanted[name], 'item')})" for name in unseen)
                warnings.append(
                    f"Model '{model.name}' was never trained on the test {noun}(s) {named}; they can only be scored "
                    f"as errors. {UNSEEN_ADVICE[noun]}"
                )
    return warnings


def _write_report(workspace: Workspace, evaluation_id: str, result: EvaluationResult) -> Path:
    report_dir = workspace.report_dir(evaluation_id)
    with staged_directory(report_dir, workspace.staging_dir) as staging:
        write_report(result, staging)
    return report_dir


def evaluation_to_dict(evaluation: Evaluation) -> dict[str, Any]:
    """JSON-able view of an evaluation (``result`` is the comparison JSON once Succeeded)."""
    return {
        "id": evaluation.id,
        "projectId": evaluation.project_id,
        "dataset": evaluation.dataset_id,
        "models": list(evaluation.model_refs),
        "status": evaluation.status,
        "error": evaluation.error,
        "result": evaluation.result or None,
        "createdDateTime": evaluation.created_at.isoformat(),
        "lastActionDateTime": evaluation.last_action_at.isoformat(),
    }


def register_evaluation(
    workspace: Workspace, dataset_ref: str, model_refs: list[str], project: str | None = None
) -> dict[str, Any]:
    """Validate an evaluation request and record it as NotStarted; :func:`run_evaluation` does the work.

    Custom models are recorded by id, base models by name, so the run finds exactly these models.
    """
    if not 1 <= len(model_refs) <= 2:
        raise TuneforkError("Evaluate one model, or two side by side.")
    models = [resolve_model(workspace, ref, project, gate_failed=True) for ref in model_refs]
    return _register(workspace, dataset_ref, models, project or _custom_models_project(workspace, models))


def _register(
    workspace: Workspace, dataset_ref: str, models: list[ResolvedModel], project: str | None
) -> dict[str, Any]:
    dataset_id, _, project_id, _ = _check_evaluable(workspace, dataset_ref, models, project)
    with workspace.session() as session:
        evaluation = Evaluation(
            project_id=project_id,
            dataset_id=dataset_id,
            model_refs=[m.model_id or m.name for m in models],
            status=Status.NOT_STARTED,
            result={},
        )
        session.add(evaluation)
        session.flush()
        return evaluation_to_dict(evaluation)


def start_evaluation(
    workspace: Workspace,
    submitter: JobSubmitter,
    dataset_ref: str,
    model_refs: list[str],
    project: str | None = None,
    terms: list[str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The asynchronous evaluation (REST and studio): record it NotStarted and submit the job that scores it.

    The evaluation and its job are committed together. The CLI runs the same comparison inline with
    :func:`evaluate`.
    """
    with workspace.transaction():
        created = register_evaluation(workspace, dataset_ref, model_refs, project)
        payload = {"terms": terms or []}
        return created, submit_job(submitter, JobKind.EVALUATION, created["id"], created["projectId"], payload)


def _update_evaluation(workspace: Workspace, evaluation_id: str, **fields: Any) -> dict[str, Any]:
    return update_resource(workspace, "evaluations", evaluation_id, evaluation_to_dict, **fields)


def run_evaluation(
    workspace: Workspace,
    evaluation_id: str,
    terms: list[str] | None = None,
    progress: ProgressCallback = no_progress,
) -> dict[str, Any]:
    """Run a registered evaluation: Running, then Succeeded with the result and report, or Failed with the reason."""
    try:
        refs = show_evaluation(workspace, evaluation_id)["models"]
        models = [resolve_model(workspace, ref, gate_failed=True) for ref in refs]
        _run(workspace, evaluation_id, models, terms, progress)
    except TuneforkError as exc:
        return _update_evaluation(
            workspace, evaluation_id, status=Status.FAILED, error=workspace.public_message(str(exc))
        )
    return show_evaluation(workspace, evaluation_id)


def _run(
    workspace: Workspace,
    evaluation_id: str,
    models: list[ResolvedModel],
    terms: list[str] | None,
    progress: ProgressCallback,
    use_cache: bool = True,
) -> EvaluationOutcome:
    """Running, score, write the report, Succeeded with the result; Failed with the reason (and raise) on error."""
    info = _update_evaluation(workspace, evaluation_id, status=Status.RUNNING, error="")
    try:
        _, dataset_name, _, kind = _check_evaluable(workspace, info["dataset"], models, None)
        result = _score(workspace, info["dataset"], dataset_name, kind, models, terms, progress, use_cache)
        report_dir = _write_report(workspace, evaluation_id, result)
        artifact = workspace.publish(report_dir, retry_pauses=JOB_PUBLISH_RETRY_PAUSES)  # the object, then the row
        report_dir = workspace.artifact_folder(artifact, report_dir)
    except Exception as exc:  # the row must not stay Running
        reason = failure_reason(exc, log, f"running evaluation {evaluation_id}")
        _update_evaluation(workspace, evaluation_id, status=Status.FAILED, error=workspace.public_message(reason))
        raise
    _update_evaluation(workspace, evaluation_id, status=Status.SUCCEEDED, result=result.to_json(), artifact=artifact)
    return EvaluationOutcome(evaluation_id=evaluation_id, result=result, report_dir=report_dir)


def list_evaluations(workspace: Workspace, project_ref: str | None = None) -> list[dict[str, Any]]:
    """Evaluations (of one project when given), oldest first."""
    with workspace.session() as session:
        query = select(Evaluation).order_by(Evaluation.created_at)
        if project_ref is not None:
            query = query.where(Evaluation.project_id == get_project(session, project_ref).id)
        return [evaluation_to_dict(e) for e in session.scalars(query)]


def show_evaluation(workspace: Workspace, evaluation_id: str) -> dict[str, Any]:
    """One evaluation by id."""
    with workspace.session() as session:
        evaluation = session.get(Evaluation, evaluation_id)
        if evaluation is None:
            raise NotFoundError(f"No evaluation with id '{evaluation_id}'.")
        return evaluation_to_dict(evaluation)


def evaluation_report_dir(workspace: Workspace, evaluation_id: str) -> Path:
    """The report folder of a Succeeded evaluation (through this machine's cache when it was published)."""
    show_evaluation(workspace, evaluation_id)
    with workspace.session() as session:
        artifact = session.get(Evaluation, evaluation_id).artifact
    folder = workspace.artifact_folder(artifact, workspace.report_dir(evaluation_id))
    if not folder.is_dir():
        raise NotFoundError(f"Evaluation '{evaluation_id}' has no report (it has not succeeded).")
    return folder


def report_file(workspace: Workspace, evaluation_id: str, name: str) -> Path:
    """One file of a Succeeded evaluation's report, by name (never a path outside the report folder)."""
    folder = evaluation_report_dir(workspace, evaluation_id)
    files = {p.name: p for p in folder.iterdir() if p.is_file()}
    if name not in files:
        raise NotFoundError(f"No report file '{name}'; files: {', '.join(sorted(files))}.")
    return files[name]


def delete_evaluation(workspace: Workspace, evaluation_id: str) -> None:
    """Delete an evaluation and its report folder (409 while it runs)."""
    info = show_evaluation(workspace, evaluation_id)
    if info["status"] == Status.RUNNING:
        raise ConflictError(f"Evaluation '{evaluation_id}' is Running; wait for it to finish.")
    with workspace.session() as session:
        session.delete(session.get(Evaluation, evaluation_id))
    shutil.rmtree(workspace.report_dir(evaluation_id), ignore_errors=True)
