"""Cross-validation and learning curves for language models: retrain a model's recipe on parts of its data.

Both take a custom language model and retrain its recipe (base model, parameters, training datasets) in
scratch folders, never touching the model itself. Examples (intent examples and annotated texts) are
split; rules, synonyms and patterns go into every training part. Cross-validation scores only the entity
labels annotated in the examples: a held-out fold of GADGET-only annotations cannot judge PERSON spans.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunefork.engines.contract import TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.evaluation.classification import plot_learning_curve
from tunefork.evaluation.language_scoring import GoldItem, Prediction, gold_items, score_models
from tunefork.kinds.language import LANGUAGE_MODELS, parse_all, predictions
from tunefork.kinds.models import ResolvedModel
from tunefork.kinds.registry import family_of_engine
from tunefork.progress import ProgressCallback, no_progress, within
from tunefork.store.artifacts import atomic_write_bytes, atomic_write_json
from tunefork.store.repository import get_dataset, get_model
from tunefork.store.staging import scratch_folder
from tunefork.wording import a_or_an
from tunefork.workflows.datasets import dataset_records
from tunefork.workflows.evaluation import overlap_warnings
from tunefork.workflows.training import model_card, records_with_kinds
from tunefork.workspace import Workspace

if TYPE_CHECKING:
    from tunefork.language.model import SpacyLanguageModel

DEFAULT_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
EXAMPLE_KINDS = ("utterances", "annotated-text")


class _Recipe:
    """How a custom language model was trained, with its training records split into examples and rules."""

    def __init__(self, workspace: Workspace, model_ref: str, project: str | None) -> None:
        with workspace.session() as session:
            model = get_model(session, model_ref, project)
            family = family_of_engine(model.engine)
            if family is not LANGUAGE_MODELS:
                raise TuneforkError(
                    f"Model '{model.name}' is {a_or_an(family.name)} model; this needs a language model."
                )
            self.name, self.base, dataset_ids = model.name, model.base_model, list(model.dataset_ids)
            self.trained = ResolvedModel(name=model.name, model_id=model.id, training_dataset_ids=dataset_ids)
            self.engine = model.engine
            self.parameters = TrainingParameters.from_stored(model.parameters)
        # the recipe is retrained many times here: the per-label check (and the slot tagger it picked) is the
        # final model's, not each copy's
        tagger = (model_card(workspace, model_ref, project).get("engine_config") or {}).get("tagger")
        picked = {"slot_tagger": tagger} if tagger else {}
        self.parameters.options = {**self.parameters.options, **picked, "label_check": False}
        self.examples: list[tuple[str, dict[str, Any]]] = []
        self.rules: list[tuple[str, dict[str, Any]]] = []
        for kind, record in records_with_kinds(workspace, dataset_ids):
            is_example = kind in EXAMPLE_KINDS and record.get("type", "example") == "example"
            (self.examples if is_example else self.rules).append((kind, record))
        if not self.examples:
            raise TuneforkError(f"Model '{self.name}' was trained on rules only: there are no examples to split.")
        self.test_kind = "utterances" if any(r.get("intent") for _, r in self.examples) else "annotated-text"

    def gold(self, indices: list[int]) -> list[GoldItem]:
        """The examples at ``indices`` as test items."""
        return gold_items(self.test_kind, [self.examples[i][1] for i in indices])

    def train(self, indices: list[int], scratch: Path, progress: ProgressCallback) -> SpacyLanguageModel:
        """Train the recipe on the examples at ``indices`` plus every rule, in a folder under ``scratch``."""
        data = LANGUAGE_MODELS.training_data([self.examples[i] for i in indices] + self.rules)
        trainer = LANGUAGE_MODELS.trainer(self.engine)
        folder = Path(tempfile.mkdtemp(dir=scratch))
        components = trainer.train(self.base, data, self.parameters, folder, progress)
        return trainer.load(folder, {"name": self.name, "engine_config": components.engine_config})

    def labels(self) -> list[str]:
        """Stratification labels: the intent of each example, or its first span label."""
        if self.test_kind == "utterances":
            return [r.get("intent") or "" for _, r in self.examples]
        return [(r.get("spans") or [{"label": ""}])[0]["label"] for _, r in self.examples]


def _round_robin(labels: list[str], seed: int) -> list[int]:
    """Example indices shuffled within each label, then interleaved: every prefix covers the labels evenly."""
    rng = random.Random(seed)
    groups: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, []).append(index)
    for members in groups.values():
        rng.shuffle(members)
    queues = [groups[label] for label in sorted(groups)]
    order = []
    while any(queues):
        order += [queue.pop(0) for queue in queues if queue]
    return order


def _spans(record: dict[str, Any]) -> list[tuple[int, int, str]]:
    return [(s["start"], s["end"], s["label"]) for s in record.get("spans", record.get("entities", []))]


def _headline(model: dict[str, Any], kind: str) -> dict[str, float]:
    keys = ("accuracy", "macro_f1") if kind == "utterances" else ("precision", "recall", "f1")
    figures = {key: model[key] for key in keys if model.get(key) is not None}
    if kind == "utterances" and model.get("entities"):
        figures["entity_f1"] = model["entities"]["f1"]
    return figures


def _predict(
    recipe: _Recipe, model: SpacyLanguageModel, items: list[GoldItem], label: str, only_annotated: bool = False
) -> list[Prediction]:
    parses = parse_all(model, [i.text for i in items], no_progress, label)
    if only_annotated:
        annotated = {span[2] for _, record in recipe.examples for span in _spans(record)}
        for parse in parses:
            parse.entities = [e for e in parse.entities if e.label in annotated]
    return predictions(parses)


def _scores(recipe: _Recipe, items: list[GoldItem], predicted: list[Prediction], label: str) -> dict[str, Any]:
    """The JSON of the one model's scores on ``items``."""
    return score_models(label, recipe.test_kind, items, [(recipe.name, None, predicted)]).to_json()["models"][0]


def _score(recipe: _Recipe, model: SpacyLanguageModel, items: list[GoldItem], label: str) -> dict[str, float]:
    return _headline(_scores(recipe, items, _predict(recipe, model, items, label), label), recipe.test_kind)


def cross_validate(
    workspace: Workspace,
    model_ref: str,
    folds: int,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
) -> dict[str, Any]:
    """Retrain the model's recipe ``folds`` times, each time scoring the held-out fold; mean and spread."""
    from sklearn.model_selection import KFold, StratifiedKFold  # heavy: only this command needs it

    recipe = _Recipe(workspace, model_ref, project)
    if not 2 <= folds <= len(recipe.examples):
        raise TuneforkError(f"--folds must be between 2 and the number of examples ({len(recipe.examples)}).")
    labels = recipe.labels()
    smallest = min(labels.count(label) for label in set(labels))
    seed = recipe.parameters.seed
    splitter = (
        StratifiedKFold(folds, shuffle=True, random_state=seed)
        if smallest >= folds
        else KFold(folds, shuffle=True, random_state=seed)
    )
    per_fold, pooled_items, pooled = [], [], []
    with scratch_folder(workspace.staging_dir, "experiment.") as scratch:
        for fold, (train_idx, test_idx) in enumerate(splitter.split(labels, labels), start=1):
            progress(fold - 1, folds, f"fold {fold}/{folds}: training")
            model = recipe.train(list(train_idx), scratch, within(progress, fold - 1, folds, f"fold {fold}/{folds}"))
            items = recipe.gold(list(test_idx))
            predicted = _predict(recipe, model, items, f"fold {fold}", only_annotated=True)
            per_fold.append(_headline(_scores(recipe, items, predicted, f"fold {fold}"), recipe.test_kind))
            pooled_items += items
            pooled += predicted
        progress(folds, folds, "cross-validation done")
    out_of_fold = _scores(recipe, pooled_items, pooled, "out of fold")
    summary = {
        key: {
            "mean": round(statistics.fmean(f[key] for f in per_fold), 4),
            "stdev": round(statistics.pstdev(f[key] for f in per_fold), 4),
        }
        for key in per_fold[0]
    }
    per_label = out_of_fold.get("per_label") or {}  # intents, or the entities of annotated text
    return {"type": "cross-validation", "model": recipe.name, "folds": folds, "kind": recipe.test_kind,
            "examples": len(recipe.examples), "metrics": summary, "per_fold": per_fold,
            "per_label": per_label}  # fmt: skip


def learning_curve(
    workspace: Workspace,
    model_ref: str,
    dataset_ref: str,
    output: Path,
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
) -> dict[str, Any]:
    """Retrain on growing fractions of the training examples, score each on ``dataset_ref``, plot the curve.

    Writes ``learning_curve.png`` and ``learning_curve.json`` into ``output``.
    """
    recipe = _Recipe(workspace, model_ref, project)
    with workspace.session() as session:
        dataset = get_dataset(session, dataset_ref, project)
        dataset_id, kind = dataset.id, dataset.kind
    if kind != recipe.test_kind:
        raise TuneforkError(f"The learning curve needs a held-out '{recipe.test_kind}' dataset (got '{kind}').")
    test_records = dataset_records(workspace, dataset_id)
    items = gold_items(kind, test_records)
    warnings = overlap_warnings(workspace, test_records, [recipe.trained])  # as `evaluate` says (a review missed it)
    labels = recipe.labels()
    order = _round_robin(labels, recipe.parameters.seed)
    smallest = min(len(order), 2 * len(set(labels)))
    points = []
    with scratch_folder(workspace.staging_dir, "experiment.") as scratch:
        for step, fraction in enumerate(fractions):
            size = max(smallest, round(fraction * len(order)))
            label = f"training on {size} examples"
            progress(step, len(fractions), label)
            model = recipe.train(order[:size], scratch, within(progress, step, len(fractions), label))
            points.append({"fraction": fraction, "train_size": size, "metrics": _score(recipe, model, items, "curve")})
        progress(len(fractions), len(fractions), "learning curve done")
    output.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(output / "learning_curve.png", plot_learning_curve(points))
    result = {"type": "learning-curve", "model": recipe.name, "dataset": dataset_ref, "points": points,
              "plot": str(output / "learning_curve.png"), "warnings": warnings}  # fmt: skip
    atomic_write_json(output / "learning_curve.json", result)
    return result
