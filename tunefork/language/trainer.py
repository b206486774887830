"""The ``spacy`` language engine: trains and loads custom language and entity models.

Options (``TrainingParameters.options``):

- ``intent_classifier``: ``auto`` (default), ``embeddings``, ``tfidf`` or ``combined`` (see
  :mod:`tunefork.language.intents`), or ``finetune`` (:mod:`tunefork.language.intent_finetune`);
- ``rehearsal``: keep the base labels alive while fine-tuning the recognizer (see
  :mod:`tunefork.language.entities`); the workflow turns it on for entities projects and off for
  language projects;
- ``base_labels_in_output``: whether parses include the base pipeline's labels (PERSON, DATE...) or only
  the labels trained on; the workflow keeps them for entities projects and drops them for language
  projects, whose entities are their slots;
- ``rehearsal_texts``: how many shipped general English sentences (at most 160, see
  :mod:`tunefork.language.general_text`) the base model labels as extra rehearsal material (default: all 160);
- ``oos_threshold``: a fixed out-of-scope threshold instead of the tuned one.
- ``label_check``: cross-validate each entity label on small data (default on; experiments that retrain
  the recipe many times, such as ``evaluate --folds``, turn it off).

Small entity data (up to :data:`~tunefork.language.slot_cv.MAX_CV_TEXTS` annotated texts) is also
cross-validated per label (:mod:`tunefork.language.slot_cv`); labels the model cannot learn become warnings,
recorded on the card (``warnings``, ``contributions.entities.label_check``).

Artifact layout: ``intents/`` (classifier), ``ner/`` (spaCy pipeline holding the fine-tuned NER),
``rules.json`` (patterns, lookups, regexes, synonyms, annotated values), and the ``model.json`` card
written by the workflow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunefork.engines.contract import TrainedComponents, TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.language.data import LanguageTrainingData
from tunefork.language.entities import train_recognizer
from tunefork.language.general_text import rehearsal_texts
from tunefork.language.intent_calibration import report_to_dict
from tunefork.language.intents import load_intent_model, train_intents
from tunefork.language.model import SpacyLanguageModel
from tunefork.language.rules import EntityRules
from tunefork.language.slot_cv import MAX_CV_TEXTS, check_labels
from tunefork.language.value_lookup import ValueLookup
from tunefork.progress import ProgressCallback

ENGINE = "spacy"
DEFAULT_REHEARSAL_TEXTS = 160


def train(
    base_model: str,
    data: LanguageTrainingData,
    parameters: TrainingParameters,
    output_dir: Path,
    progress: ProgressCallback,
) -> TrainedComponents:
    """Train what the data supports: intents, an entity recognizer, rules; write them into ``output_dir``."""
    options: dict[str, Any] = parameters.options
    values = ValueLookup.from_annotations(data.entity_texts, data.synonyms).entries
    rules = EntityRules(
        patterns=data.patterns, lookups=data.lookups, regexes=data.regexes, synonyms=data.synonyms, values=values
    )
    if not data.intent_examples and not data.has_entities() and rules.is_empty():
        raise TuneforkError("nothing to train: the datasets hold no intent examples, entity spans or rules.")
    contributions: dict[str, Any] = {"data": data.summary()}
    warnings: list[str] = []
    config: dict[str, Any] = {"intents": False, "recognizer": False, "output_labels": None}
    if data.intent_examples:
        classifier, report = train_intents(
            data.intent_examples,
            features=options.get("intent_classifier", "auto"),
            out_of_scope_texts=data.out_of_scope_texts,
            threshold=options.get("oos_threshold"),
            seed=parameters.seed,
            progress=progress,
        )
        classifier.save(output_dir / "intents")
        config["intents"] = True
        contributions["intents"] = report_to_dict(report)
    if data.has_entities():
        rehearsal = bool(options.get("rehearsal", True))
        extra = rehearsal_texts(int(options.get("rehearsal_texts", DEFAULT_REHEARSAL_TEXTS))) if rehearsal else []
        nlp, recognizer_report = train_recognizer(
            base_model,
            data.entity_texts,
            rehearsal=rehearsal,
            extra_texts=extra,
            epochs=parameters.epochs,
            seed=parameters.seed,
            progress=progress,
        )
        nlp.to_disk(output_dir / "ner")
        config["recognizer"] = True
        keep_base = bool(options.get("base_labels_in_output", True))
        config["output_labels"] = None if keep_base else data.entity_labels
        contributions["entities"] = recognizer_report.to_dict()
        annotated = [item for item in data.entity_texts if item.spans]
        if options.get("label_check", True) and len(annotated) <= MAX_CV_TEXTS:
            check = check_labels(
                base_model, data.entity_texts, data.synonyms, rehearsal=rehearsal, extra_texts=extra,
                epochs=parameters.epochs, seed=parameters.seed, progress=progress,
            )  # fmt: skip
            contributions["entities"]["label_check"] = check.to_dict()
            warnings += check.warnings()
    rules.save(output_dir)
    return TrainedComponents(engine_config=config, contributions=contributions, warnings=warnings)


def load(artifact_dir: Path, card: dict[str, Any]) -> SpacyLanguageModel:
    """Rebuild a trained language model from its artifact folder."""
    import spacy

    config = card["engine_config"]
    intents = load_intent_model(artifact_dir / "intents") if config.get("intents") else None
    recognizer = spacy.load(artifact_dir / "ner") if config.get("recognizer") else None
    return SpacyLanguageModel(
        card["name"], intents, recognizer, EntityRules.load(artifact_dir), config.get("output_labels")
    )
