"""The ``language`` (intents and slots) and ``entities`` (NER) kinds: spaCy models of :mod:`tunefork.language`.

Both share one model family: base pipelines (``en-core-web-sm``, ``spacy:<package>``) and the ``spacy``
engine, scored on held-out text, endpoints that ``parse`` JSON ``{"text": ...}``. They differ in their
data (``utterances`` or ``annotated-text``, plus ``patterns``), their options and defaults (rehearsal keeps
the base labels of entities models; language models output only their slots), how logs export, and
whether inspection reports the base labels at risk of being forgotten.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunefork.engines.contract import BaseModelInfo, Trainer
from tunefork.engines.hypotheses import CacheUse, HypothesisCache
from tunefork.errors import NotFoundError, TuneforkError
from tunefork.kinds.gates import against_base_failure
from tunefork.kinds.options import SEED
from tunefork.kinds.registry import (
    DatasetKindUse,
    EndpointOperation,
    GateContext,
    GateVerdict,
    LogExport,
    LoggedRequest,
    ModelHandle,
    ProjectKind,
    TestSet,
    TrainingOption,
    Wording,
    register,
)
from tunefork.language.data import LanguageTrainingData
from tunefork.language.options import INTENT_CLASSIFIERS, SLOT_TAGGER_CHOICES
from tunefork.language.pipelines import BUNDLED_SPACY, LANGUAGE_ENGINES, SPACY_ENGINE, spacy_package
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import atomic_write_text, write_jsonl
from tunefork.wording import plural

if TYPE_CHECKING:
    from tunefork.evaluation.language_scoring import LanguageEvaluationResult, Prediction
    from tunefork.evaluation.result import EvaluationResult
    from tunefork.language.base import LanguageModel, Parse

PARSE_BATCH = 64
PATTERNS_HELP = (
    "Rules (spaCy EntityRuler patterns): entities found by exact phrases or token patterns, no examples needed."
)


def parse_sample_code(url: str, key: str, sample: str) -> dict[str, str]:
    """How to call a ``parse`` endpoint: a curl command and a Python snippet."""
    body = json.dumps({"text": sample})
    curl = (
        f'curl -X POST "{url}" \\\n'
        f'  -H "X-Tunefork-Key: {key}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{body}'"
    )
    python = (
        "import httpx\n\n"
        f'URL = "{url}"\n'
        f'KEY = "{key}"\n\n'
        "response = httpx.post(\n"
        f"    URL, json={body}, timeout=30,\n"
        '    headers={"X-Tunefork-Key": KEY},\n'
        ")\n"
        "response.raise_for_status()\n"
        "parsed = response.json()\n"
        'if parsed["intent"] is not None:  # null for models without intents (entities only)\n'
        '    print(parsed["intent"], parsed["confidence"], parsed["out_of_scope"])\n'
        'for entity in parsed["entities"]:\n'
        '    print(entity["label"], entity["text"], entity["value"])'
    )
    return {"curl": curl, "python": python}


PARSE = EndpointOperation(
    name="parse",
    input="text",
    description='POST JSON {"text": "..."} with the header X-Tunefork-Key. The answer holds the intent and its '
    "confidence (out of scope: 1 minus the best intent's), the intent ranking with each intent's own confidence, "
    "whether the text is out of scope, and the entities with their labels, offsets and canonical values; a model "
    "without intents answers the intent fields null.",
    sample_code=parse_sample_code,
)


def parse_answer(parse: Parse) -> dict[str, Any]:
    """A ``/parse`` answer: the parse's JSON, with the same keys whatever the model. A model without intents
    (entities only) decides nothing about intents, so its ``confidence``, ``out_of_scope`` and ``threshold`` are
    null (not 0 and "in scope"), like its ``intent``, and its ``intents`` empty."""
    answer = parse.to_json()
    if not parse.intents:
        answer.update(confidence=None, out_of_scope=None, threshold=None)
    return answer


def parse_all(model: LanguageModel, texts: list[str], progress: ProgressCallback, label: str) -> list[Parse]:
    """Parse ``texts`` in batches, reporting progress."""
    parses: list[Parse] = []
    for start in range(0, len(texts), PARSE_BATCH):
        parses += model.parse_batch(texts[start : start + PARSE_BATCH])
        progress(len(parses), len(texts), label)
    return parses


def predictions(parses: list[Parse]) -> list[Prediction]:
    """What the language scores read from each parse."""
    from tunefork.evaluation.language_scoring import Prediction

    return [
        Prediction(
            intent=p.intent,
            top_intent=p.intents[0].name if p.intents else None,
            confidence=p.top_confidence,
            out_of_scope=p.out_of_scope,
            threshold=p.threshold,
            spans=[e.span for e in p.entities],
            background=p.background,
            values=[e.value for e in p.entities],
        )
        for p in parses
    ]


def language_code_version(model: ModelHandle) -> str:
    """What a language model's answers depend on besides the model: the language package's code, the fields of
    a cached prediction and a base pipeline's package version (part of the hypothesis cache's fingerprint)."""
    import tunefork.language
    from tunefork.evaluation.language_scoring import Prediction

    digest = hashlib.sha256(" ".join(field.name for field in fields(Prediction)).encode())
    for path in sorted(Path(tunefork.language.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    package = spacy_package(model.name) if model.artifact_dir is None else None
    try:
        version = importlib.metadata.version(package) if package else None
    except importlib.metadata.PackageNotFoundError:
        version = None
    return f"{digest.hexdigest()}:{package}=={version}"


class CachedParses:
    """One language model's answers for an evaluation, read from the hypothesis cache where it has them.

    The model is loaded only when some answer is missing: a repeated evaluation neither imports the encoder
    nor loads the pipeline. Texts are keyed by their SHA-256; the answers kept are what scoring reads
    (:class:`~tunefork.evaluation.language_scoring.Prediction`) and the model's entity labels.
    """

    def __init__(
        self, family: LanguageModels, model: ModelHandle, cache: HypothesisCache, progress: ProgressCallback
    ) -> None:
        self.family, self.model, self.cache, self.progress = family, model, cache, progress
        self.extra = language_code_version(model)
        self._loaded: Any = None
        self._uses: list[CacheUse] = []
        self._general = 0  # general sentences parsed for the forgetting check, counted apart from the test items

    def _load(self) -> Any:
        if self._loaded is None:
            self._loaded = self.family.load(self.model)
        return self._loaded

    def _answers(self, texts: list[str], label: str) -> list[dict[str, Any]]:
        items = [(str(i), text, hashlib.sha256(text.encode("utf-8")).hexdigest()) for i, text in enumerate(texts)]

        def compute(missing: list[tuple[str, str]]) -> list[tuple[str, dict[str, Any]]]:
            parses = parse_all(self._load(), [text for _, text in missing], self.progress, label)
            return [(item_id, asdict(p)) for (item_id, _), p in zip(missing, predictions(parses), strict=True)]

        found, use = self.cache.answers(self.model, type(self.family), items, compute, self.extra)
        self._uses.append(use)
        return [found[item_id] for item_id, _, _ in items]

    def predictions(self, texts: list[str]) -> list[Prediction]:
        """The model's prediction for each text."""
        from tunefork.evaluation.language_scoring import Prediction

        answers = self._answers(texts, f"{self.model.name}: parsing")
        return [Prediction(**{**a, "spans": [tuple(span) for span in a["spans"]]}) for a in answers]

    def spans(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        """The entity spans the model finds in each text."""
        answers = self._answers(texts, f"{self.model.name}: general text")
        self._general += len(texts)
        return [[tuple(span) for span in a["spans"]] for a in answers]  # type: ignore[misc]

    def entity_labels(self) -> list[str]:
        """The labels the model's entity recognizer knows (cached like an answer)."""

        def compute(missing: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
            return [(missing[0][0], sorted(self._load().entity_labels))]

        item = [("labels", None, "entity-labels")]
        found, _ = self.cache.answers(self.model, type(self.family), item, compute, self.extra)
        return list(found["labels"])

    def use(self) -> CacheUse:
        """How many of the answers (labels aside) came from the cache."""
        total = sum(u.total for u in self._uses)
        inputs = f"{total - self._general} test items and {self._general} general sentences" if self._general else ""
        return CacheUse(self.model.name, sum(u.hits for u in self._uses), total, inputs)


class LanguageModels:
    """The spaCy model family of the language and entities kinds."""

    name = "language"
    operation = PARSE
    measures_terms = False

    def base_models(self, include_downloadable: bool = True) -> list[BaseModelInfo]:
        """The bundled pipeline (other installed pipelines load as ``spacy:<package>``)."""
        from tunefork.language.registry import list_language_base_models

        return list_language_base_models()

    def is_base_model(self, name: str) -> bool:
        """``en-core-web-sm`` and ``spacy:<package>``."""
        return spacy_package(name) is not None

    def base_engine(self, name: str) -> str:
        """The ``spacy`` engine."""
        if not self.is_base_model(name):
            raise NotFoundError(f"unknown language base model {name!r}; use {BUNDLED_SPACY} or spacy:<package>")
        return SPACY_ENGINE

    def owns_engine(self, engine: str) -> bool:
        """True for the ``spacy`` engine (:data:`~tunefork.language.pipelines.LANGUAGE_ENGINES`)."""
        return engine in LANGUAGE_ENGINES

    def load(self, model: ModelHandle) -> Any:
        """The shared loaded model."""
        from tunefork.language.registry import load_custom_language_model, load_language_base

        if model.artifact_dir is None:
            return load_language_base(model.name)
        return load_custom_language_model(model.artifact_dir)

    def trainer(self, engine: str) -> Trainer:
        """The spaCy trainer (:mod:`tunefork.language.trainer`)."""
        from tunefork.language import trainer

        return trainer  # type: ignore[return-value]

    def training_data(self, records: Iterable[tuple[str, dict[str, Any]]]) -> LanguageTrainingData:
        """Intent examples, annotated texts, rules and synonyms."""
        data = LanguageTrainingData()
        for kind, record in records:
            data.add_record(kind, record)
        return data

    def score(
        self, test: TestSet, models: list[ModelHandle], progress: ProgressCallback = no_progress
    ) -> LanguageEvaluationResult:
        """Parse the test texts with each model and score them; with two, add the forgetting check."""
        from tunefork.errors import TuneforkError
        from tunefork.evaluation.language_scoring import forgetting_check, gold_items, score_models
        from tunefork.language.general_text import side_effect_texts

        items = gold_items(test.kind, test.records)
        if not items:
            raise TuneforkError(f"Dataset '{test.name}' has no examples to evaluate on (only rules or synonyms).")
        cache = HypothesisCache(test.cache_dir)
        answers = [CachedParses(self, model, cache, progress) for model in models]
        scored = [(a.model.name, a.model.model_id, a.predictions([item.text for item in items])) for a in answers]
        result = score_models(test.name, test.kind, items, scored)
        result.result_type = self.name
        result.warnings += _labels_never_output(items, answers)
        if len(models) == 2 and all(scores.entities is not None for scores in result.models):
            general = side_effect_texts()
            before, after = (a.spans(general) for a in answers)
            result.forgetting = forgetting_check(result, _shared_base_labels(answers), before, after)
        result.notes += [use.sentence() for a in answers if (use := a.use()).hits]
        return result

    def result_from_json(self, data: dict[str, Any]) -> LanguageEvaluationResult:
        """A stored language evaluation."""
        from tunefork.evaluation.language_scoring import LanguageEvaluationResult

        return LanguageEvaluationResult.from_json(data)

    def invoke(self, model: Any, request: Any) -> dict[str, Any]:
        """Understand one text: the intent ranking, out of scope or not, the entities with their values."""
        return parse_answer(model.parse(request))

    def decides_intents(self, model: ModelHandle) -> bool:
        """True for a custom model trained with intents (its card's ``engine_config``); base pipelines and models
        trained on annotated text or patterns only find entities. The card is read once per model folder."""
        return model.artifact_dir is not None and _trained_with_intents(str(model.artifact_dir.resolve()))


@functools.lru_cache(maxsize=1024)
def _trained_with_intents(folder: str) -> bool:
    """Whether the custom model in ``folder`` was trained with intents, read from its card once per process: a
    model's folder does not change once it is trained (another model, or a retrained one, is another folder, and
    a published model's cached copy is named by its checksum), so a voice endpoint answering silence, say, does
    not read the card at every request, and a redeployed endpoint asks about its new model's folder."""
    from tunefork.engines.card import read_card

    return bool(read_card(Path(folder)).get("engine_config", {}).get("intents"))


LANGUAGE_MODELS = LanguageModels()


_LINE_BREAKS = str.maketrans("\r\n\t\v\f", "     ")


def _labels_never_output(items: list[Any], answers: list[CachedParses]) -> list[str]:
    """A warning per model that cannot output a label the test data annotates (a typo such as ``STORECODE`` for
    ``STORE_CODE``, or a slot never trained): its spans can only be scored as misses."""
    annotated = Counter(label for item in items for *_, label in item.spans)
    warnings = []
    for answer in answers:
        unseen = sorted(set(annotated) - set(answer.entity_labels()))
        if unseen and answer.model.model_id is not None:
            named = ", ".join(f"'{label}' ({plural(annotated[label], 'span')})" for label in unseen)
            warnings.append(
                f"Model '{answer.model.name}' never outputs the test label(s) {named}: they can only be scored as "
                "misses. Check the test file's labels for typos, or train on those labels."
            )
    return warnings


def _shared_base_labels(answers: list[CachedParses]) -> list[str]:
    """The base model's entity labels (spaCy's DATE, PERSON...) that both compared models output: what the
    forgetting check follows. A user's own labels are not "forgotten" by another model of theirs."""
    from tunefork.language.pipelines import base_ner_labels

    shared = set(answers[0].entity_labels()) & set(answers[1].entity_labels())
    try:
        return sorted(shared & set(base_ner_labels()))
    except NotFoundError:  # the base pipeline is not installed: every shared label
        return sorted(shared)


def write_parsed_utterances(folder: Path, logs: list[LoggedRequest], for_review: bool) -> None:
    """``utterances.yml`` (Rasa NLU YAML): each logged text with the intent and the entities predicted for it, to
    correct and retrain on (a CSV would drop the entities, and training on it would teach that they are none).
    Requests without text (silence heard by a voice endpoint) are left out, and so are those answered by a model
    without intents (a base model: no intent is not "out of scope"); an export with nothing left is refused. The
    examples are written one a line in literal blocks, so an imported example's line is its line in the file."""
    from tunefork.datasets.utterance_formats import rasa_markup

    by_intent: dict[str, list[str]] = {}
    for log in logs:
        text, intent = str(log.result.get("text", "")), log.result.get("intent")
        if text.strip() and intent:
            one_line = text.translate(_LINE_BREAKS)  # same length: the entities' offsets still hold
            by_intent.setdefault(intent, []).append(rasa_markup(one_line, log.result.get("entities", [])))
    if not by_intent and not for_review:
        raise TuneforkError(
            f"none of the {len(logs)} logged requests was answered with an intent (the endpoint served a model "
            "without intents, such as a base model): there is nothing to export as labelled utterances"
        )
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in by_intent.items():
        lines += [f"- intent: {json.dumps(intent, ensure_ascii=False)}", "  examples: |"]
        lines += [f"    - {example}" for example in examples]
    atomic_write_text(folder / "utterances.yml", "\n".join(lines) + "\n")


def write_parsed_spans(folder: Path, logs: list[LoggedRequest], for_review: bool) -> None:
    """``spans.jsonl``: each logged text with the entities found, as annotated text to correct. The base model's
    own spans (source ``base``: DATE, MONEY... that an entities model keeps from it) are left out: trained on as
    annotations, a handful of them would make those labels the model's own, learned from these texts alone, in
    place of the base model's (a review's retraining on its logs forgot DATE and MONEY on general text)."""
    records = []
    for log in logs:
        entities = [e for e in log.result.get("entities", []) if e.get("source") != "base"]
        spans = [{"start": e["start"], "end": e["end"], "label": e["label"]} for e in entities]
        records.append({"text": log.result.get("text", ""), "spans": spans})
    write_jsonl(folder / "spans.jsonl", records)


def inspect_text(folder: Path, dataset_kind: str) -> dict[str, Any]:
    """The inspection report of a text dataset (labels, imbalance, near duplicates)."""
    from tunefork.datasets.inspection import inspect_dataset

    return inspect_dataset(folder, dataset_kind)


def inspect_with_base_labels(folder: Path, dataset_kind: str) -> dict[str, Any]:
    """:func:`inspect_text` plus the base model's labels at risk of being forgotten (entities models keep them)."""
    from tunefork.datasets.inspection import inspect_dataset
    from tunefork.language.pipelines import base_ner_labels

    if dataset_kind == "patterns":
        return inspect_dataset(folder, dataset_kind)
    try:
        labels: tuple[str, ...] | None = base_ner_labels()
    except NotFoundError:  # the base pipeline is not installed: no forgetting report
        labels = None
    return inspect_dataset(folder, dataset_kind, base_labels=labels)


def weak_label_failure(card: dict[str, Any]) -> str | None:
    """The gate's reason to fail a model whose card records labels it cannot learn, or ``None``."""
    check = ((card.get("contributions") or {}).get("entities") or {}).get("label_check") or {}
    weak = check.get("weak") or []
    if not weak:
        return None
    measure = "held-out" if check.get("held_out") else "cross-validated"
    named = ", ".join(
        f"{label} ({measure} F1 {check['per_label'][label]['f1']:.2f}, "
        f"{check['per_label'][label]['examples']} examples)"
        for label in weak
    )
    return f"gate: the model cannot learn these labels from its data: {named}"


class LanguageGate:
    """``--gate`` for language and entities models: no label it cannot learn, no base label forgotten, and the rule
    of :mod:`tunefork.kinds.gates` (not worse than its base; better than chance where the base decides no intents).

    It compares no general data, so it takes no margin (``--guard-margin`` is refused)."""

    uses_margin = False

    def judge(self, test: EvaluationResult, context: GateContext) -> GateVerdict:
        """Fail on base labels forgotten (the forgetting check), labels under the cross-validated F1 floor (from the
        card), a headline below the base's, or chance not beaten: every failure found is named, the gravest first (a
        review fixed a weak label and retrained, to fail on the forgotten base labels the first reason left out)."""
        from tunefork.engines.card import read_card
        from tunefork.evaluation.language_report import chance_check

        failures = []
        if lost := test.concerns():
            failures.append(f"{context.custom.name} forgot base labels {context.base.name} finds: {', '.join(lost)}")
        if context.custom.artifact_dir is not None:
            weak = weak_label_failure(read_card(context.custom.artifact_dir))
            failures += [weak.removeprefix("gate: ")] if weak else []
        chance = chance_check(test)  # type: ignore[arg-type]
        against = against_base_failure(test, context, chance, "decides no intents to compare it with")
        failures += [against.removeprefix("gate: ")] if against else []
        return GateVerdict(failure=f"gate: {'; '.join(failures)}" if failures else None)


LANGUAGE_GATE = LanguageGate()


EPOCHS = TrainingOption(
    "epochs", "epochs", "--epochs", int, "Epochs (entity fine-tuning)", "Fine-tuning epochs of the entity recognizer.",
    minimum=1, maximum=1000, parameter=True, placeholder="early stopping", advanced=True,
)  # fmt: skip


def _rehearsal(default: bool) -> TrainingOption:
    return TrainingOption(
        "rehearsal", "rehearsal", "--rehearsal/--no-rehearsal", bool, "Rehearsal: keep the base model's entity labels",
        "Mixes in the base model's own predictions on general text, so fine-tuning on new labels does not make it "
        "forget PERSON, ORG, GPE and the others.",
        default,
    )  # fmt: skip


INTENT_CLASSIFIER_HELP = {
    "auto": "Auto: cross-validates the feature sets on your examples and keeps the best.",
    "embeddings": "Sentence embeddings (all-mpnet-base-v2 up to 1,000 examples when installed, else all-MiniLM-L6-v2): "
    "generalises to new wording.",
    "tfidf": "TF-IDF word and character n-grams: fast, good with domain jargon.",
    "combined": "Embeddings and TF-IDF together.",
    "contrastive": "Embeddings fine-tuned on pairs of your examples (SetFit recipe) and TF-IDF: best on few examples.",
    "supervised": "Embeddings fine-tuned to classify your examples, and TF-IDF: for hundreds of examples or more.",
    "finetune": "Fine-tunes the sentence encoder itself: slower, better with few examples per intent.",
}


INTENT_CLASSIFIER = TrainingOption(
    "intent_classifier", "intentClassifier", "--intent-classifier", str, "Intent classifier",
    "auto picks by cross-validation among the linear heads and, up to 1,000 examples, the contrastive encoder "
    "(above, the supervised encoder, on one held-out fold); "
    "finetune trains the sentence encoder itself (slower, better with few examples).",
    "auto", choices=INTENT_CLASSIFIERS, choice_help=INTENT_CLASSIFIER_HELP,
)  # fmt: skip


SLOT_TAGGER_HELP = {
    "auto": "Auto: on small data, scores both taggers on your annotations and keeps the better; spaCy's NER above.",
    "spacy": "spaCy's NER, fine-tuned from the base model: best with many annotations.",
    "crf": "A CRF over token features (like Rasa's CRFEntityExtractor): trains in seconds, often best on few examples.",
}


SLOT_TAGGER = TrainingOption(
    "slot_tagger", "slotTagger", "--slot-tagger", str, "Slot tagger",
    "auto picks spaCy's NER or the CRF by cross-validation (up to 100 annotated texts) or on one held-out split (up "
    "to 500); larger data gets spaCy's NER.",
    "auto", choices=SLOT_TAGGER_CHOICES, choice_help=SLOT_TAGGER_HELP, advanced=True,
)  # fmt: skip


OOS_THRESHOLD = TrainingOption(
    "oos_threshold", "oosThreshold", "--oos-threshold", float, "Out-of-scope threshold",
    "Below this confidence a request is answered as out of scope. Empty: tuned on held-out predictions and your "
    "out-of-scope examples.",
    minimum=0.0, maximum=1.0, placeholder="tuned", advanced=True,
)  # fmt: skip

LANGUAGE = register(
    ProjectKind(
        name="language",
        summary="intents and slots: text in, the intent and its entities out (like Lex, Dialogflow, Rasa NLU)",
        family=LANGUAGE_MODELS,
        dataset_kinds=(
            DatasetKindUse(
                "utterances",
                "Example requests labelled with their intent (and slot entities): trains intents; a held-out set "
                "is your test set.",
            ),
            DatasetKindUse("patterns", PATTERNS_HELP),
        ),
        test_kind="utterances",
        default_base_model=BUNDLED_SPACY,
        gate=LANGUAGE_GATE,
        options=(INTENT_CLASSIFIER, _rehearsal(False), EPOCHS, OOS_THRESHOLD, SLOT_TAGGER, SEED),
        engine_defaults={"rehearsal": False, "base_labels_in_output": False},
        untrainable=LanguageTrainingData.untrainable_reason,
        training_warnings=LanguageTrainingData.warnings,
        log_export=LogExport(dataset_kind="utterances", write=write_parsed_utterances),
        inspect=inspect_text,
        base_is_baseline=False,
        other_language_note="Intents can still be learnt from your examples' own words and letters: train with "
        "--intent-classifier tfidf.",
        wording=Wording(
            data_start="Example requests labelled with intents train the classifier; a second, held-out set is "
            "your test set.",
            data_step="Upload example requests labelled with intents, and rule patterns.",
            evaluation_step="Compare intent accuracy, out-of-scope detection and the confusion matrix.",
            test_set="Upload a second, held-out 'utterances' dataset the model never trains on, to measure the gain.",
            training_needs="Training needs at least one imported dataset of utterances or patterns.",
            training_wait="The models table updates by itself; a small language model trains in a minute or two "
            "(the default intent classifier is picked by cross-validating several).",
            test_metric="intent accuracy",
            improve="Export the logged texts to an utterances dataset, correct the intents and train again.",
            export="the texts with their predicted intents and entities (Rasa NLU YAML), to correct and train again.",
            sample="can you refill my prescription",
        ),
    )
)

ENTITIES = register(
    ProjectKind(
        name="entities",
        summary="named entities: text in, labelled spans out (like spacy train)",
        family=LANGUAGE_MODELS,
        dataset_kinds=(
            DatasetKindUse(
                "annotated-text",
                "Texts with their entity spans labelled: teaches new entity labels; a held-out set is your test set.",
            ),
            DatasetKindUse("patterns", PATTERNS_HELP),
        ),
        test_kind="annotated-text",
        default_base_model=BUNDLED_SPACY,
        gate=LANGUAGE_GATE,
        options=(_rehearsal(True), EPOCHS, SEED),
        engine_defaults={"rehearsal": True, "base_labels_in_output": True},
        untrainable=LanguageTrainingData.untrainable_reason,
        training_warnings=LanguageTrainingData.warnings,
        log_export=LogExport(dataset_kind="annotated-text", write=write_parsed_spans),
        inspect=inspect_with_base_labels,
        wording=Wording(
            data_start="Texts with annotated entities teach new labels; a second, held-out set is your test set.",
            data_step="Upload texts with annotated entities and rule patterns.",
            evaluation_step="Compare entity precision, recall and F1, and check what the base model forgot.",
            test_set="Upload a second, held-out 'annotated-text' dataset the model never trains on, to measure the "
            "gain.",
            training_needs="Training needs at least one imported dataset of annotated text or patterns.",
            training_wait="The models table updates by itself; a small language model trains in under a minute.",
            test_metric="entity F1",
            improve="Export the logged texts to an annotated-text dataset, correct the spans and train again.",
            export="the texts with the entities found, to correct and train on again.",
            sample="Sarah Smith bought a new phone in Paris.",
        ),
    )
)
