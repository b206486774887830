"""A toy project kind, registered only by the tests: a text classifier with a fixed keyword rule.

It plugs into tunefork through its registry entry alone (:mod:`tunefork.kinds.registry`): its own model
family (one base model, one engine whose training learns the keywords of each intent), its own evaluation
result type, its own gate, and it reuses the ``utterances`` dataset kind and the ``parse`` operation. The
test that uses it changes nothing else in tunefork: what works for it works for any registered kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunefork.engines.cache import shared_model
from tunefork.engines.card import read_card
from tunefork.engines.contract import BaseModelInfo, TrainedComponents, TrainingParameters
from tunefork.errors import NotFoundError, TuneforkError
from tunefork.evaluation.labels import OUT_OF_SCOPE
from tunefork.evaluation.result import Headline, ResultTable, percent
from tunefork.kinds.language import PARSE, write_parsed_utterances
from tunefork.kinds.registry import (
    DatasetKindUse,
    GateContext,
    GateVerdict,
    LogExport,
    ModelHandle,
    ProjectKind,
    TestSet,
    Wording,
)
from tunefork.progress import ProgressCallback

KIND = "toy-text"
BASE_MODEL = "keyword-blank"
ENGINE = "keyword-rule"


class KeywordModel:
    """Answers the intent whose keywords the text holds most of (out of scope without any)."""

    def __init__(self, name: str, keywords: dict[str, list[str]]) -> None:
        self.name, self.keywords = name, keywords

    def intent(self, text: str) -> str:
        """The predicted intent of ``text``."""
        words = set(text.lower().split())
        hits = {intent: len(words & set(keys)) for intent, keys in self.keywords.items()}
        best = max(hits, key=lambda intent: (hits[intent], intent), default=None)
        return best if best is not None and hits[best] else OUT_OF_SCOPE


@dataclass
class ToyData:
    """The training examples, ``(text, intent)``."""

    examples: list[tuple[str, str]] = field(default_factory=list)

    def kinds(self) -> list[str]:
        """What the data holds (the model card's ``data_kinds``)."""
        return ["examples"] if self.examples else []


class KeywordTrainer:
    """The engine: learns, for each intent, the words only its examples use."""

    def train(
        self,
        base_model: str,
        data: ToyData,
        parameters: TrainingParameters,
        output_dir: Path,
        progress: ProgressCallback,
    ) -> TrainedComponents:
        """Write ``keywords.json``."""
        if not data.examples:
            raise TuneforkError("nothing to train: no examples.")
        words: dict[str, set[str]] = {}
        for text, intent in data.examples:
            words.setdefault(intent, set()).update(text.lower().split())
        keywords = {
            intent: sorted(own - set().union(*(w for other, w in words.items() if other != intent)))
            for intent, own in words.items()
        }
        (output_dir / "keywords.json").write_text(json.dumps(keywords), encoding="utf-8")
        progress(1, 1, "keywords learnt")
        return TrainedComponents({"keywords": "keywords.json"}, {"intents": len(keywords)})

    def load(self, artifact_dir: Path, card: dict[str, Any]) -> KeywordModel:
        """The trained model."""
        keywords = json.loads((artifact_dir / card["engine_config"]["keywords"]).read_text(encoding="utf-8"))
        return KeywordModel(card["name"], keywords)


TRAINER = KeywordTrainer()


@dataclass
class ToyResult:
    """Accuracy of one or two keyword models (the toy's own evaluation result type)."""

    dataset: str
    models: list[str]
    accuracy: list[float]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "models": [{"model": m, "accuracy": a} for m, a in zip(self.models, self.accuracy, strict=True)],
            "warnings": self.warnings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ToyResult:
        models = data["models"]
        return cls(data["dataset"], [m["model"] for m in models], [m["accuracy"] for m in models], data["warnings"])

    def headline(self) -> Headline:
        return Headline("accuracy", list(self.accuracy))

    def winner(self) -> int | None:
        if len(self.accuracy) != 2 or self.accuracy[0] == self.accuracy[1]:
            return None
        return int(self.accuracy[1] > self.accuracy[0])

    def verdict(self) -> str | None:
        winner = self.winner()
        if len(self.models) != 2:
            return None
        return "Both models are as accurate." if winner is None else f"{self.models[winner]} is more accurate."

    def concerns(self) -> list[str]:
        return []

    def table(self) -> ResultTable:
        return ResultTable(self.dataset, list(self.models), [("Accuracy", [percent(a) for a in self.accuracy])])

    def markdown_details(self) -> list[str]:
        return []

    def report_files(self) -> dict[str, bytes | str | list[dict[str, Any]]]:
        return {}


class KeywordModels:
    """The toy's model family."""

    name = "keyword"
    operation = PARSE
    measures_terms = False

    def base_models(self, include_downloadable: bool = True) -> list[BaseModelInfo]:
        return [BaseModelInfo(BASE_MODEL, ENGINE, "knows no keyword: everything is out of scope", "tests", True)]

    def is_base_model(self, name: str) -> bool:
        return name == BASE_MODEL

    def base_engine(self, name: str) -> str:
        if name != BASE_MODEL:
            raise NotFoundError(f"unknown base model {name!r}")
        return ENGINE

    def owns_engine(self, engine: str) -> bool:
        return engine == ENGINE

    def load(self, model: ModelHandle) -> KeywordModel:
        if model.artifact_dir is None:
            return shared_model(f"toy:{model.name}", lambda: KeywordModel(model.name, {}))
        folder = model.artifact_dir
        return shared_model(f"custom:{folder.resolve()}", lambda: TRAINER.load(folder, read_card(folder)))

    def trainer(self, engine: str) -> KeywordTrainer:
        return TRAINER

    def training_data(self, records: Iterable[tuple[str, dict[str, Any]]]) -> ToyData:
        return ToyData([(r["text"], r["intent"]) for _, r in records if r.get("type", "example") == "example"])

    def score(self, test: TestSet, models: list[ModelHandle], progress: ProgressCallback) -> ToyResult:
        examples = [r for r in test.records if r.get("type", "example") == "example"]
        accuracy = []
        for handle in models:
            model = self.load(handle)
            right = sum(model.intent(r["text"]) == r["intent"] for r in examples)
            accuracy.append(round(right / len(examples), 4))
        return ToyResult(test.name, [m.name for m in models], accuracy)

    def result_from_json(self, data: dict[str, Any]) -> ToyResult:
        return ToyResult.from_json(data)

    def invoke(self, model: KeywordModel, request: Any) -> dict[str, Any]:
        intent = model.intent(request)
        confidence = 0.0 if intent == OUT_OF_SCOPE else 1.0
        ranking = [{"name": intent, "confidence": confidence}] if intent != OUT_OF_SCOPE else []
        return {"text": request, "intent": intent, "confidence": confidence, "intents": ranking,
                "out_of_scope": intent == OUT_OF_SCOPE, "threshold": None, "entities": []}  # fmt: skip

    def decides_intents(self, model: ModelHandle) -> bool:
        return True


class AccuracyGate:
    """Passes a model that beats its base by more than the margin (points of accuracy)."""

    uses_margin = True

    def judge(self, test: ToyResult, context: GateContext) -> GateVerdict:
        gain = 100 * (test.accuracy[1] - test.accuracy[0])
        if gain > context.margin:
            return GateVerdict(None)
        return GateVerdict(f"gate: accuracy gains {gain:.1f} points, not more than the {context.margin:.1f} asked")


TOY = ProjectKind(
    name=KIND,
    summary="a toy text classifier with keyword rules (tests only)",
    family=KeywordModels(),
    dataset_kinds=(DatasetKindUse("utterances", "Texts labelled with their intent."),),
    test_kind="utterances",
    default_base_model=BASE_MODEL,
    wording=Wording(
        data_start="Upload labelled texts.",
        data_step="Upload labelled texts.",
        evaluation_step="Compare accuracy.",
        test_set="Upload a second labelled set.",
        training_needs="Training needs labelled texts.",
        training_wait="Training takes a moment.",
        test_metric="accuracy",
        improve="Export the logged texts and label them.",
        export="the texts with their predicted intents.",
        sample="hello there",
    ),
    log_export=LogExport(dataset_kind="utterances", write=write_parsed_utterances),
    gate=AccuracyGate(),
)
