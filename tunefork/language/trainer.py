"""The ``spacy`` language engine: trains and loads custom language and entity models.

Options (``TrainingParameters.options``):

- ``intent_classifier``: ``auto`` (default), ``embeddings``, ``tfidf``, ``combined``, ``contrastive`` or
  ``supervised`` (see :mod:`tunefork.language.intents`), or ``finetune`` (:mod:`tunefork.language.intent_finetune`);
- ``rehearsal``: keep the base labels alive while fine-tuning the recognizer (see
  :mod:`tunefork.language.entities`); the workflow turns it on for entities projects and off for
  language projects;
- ``base_labels_in_output``: whether parses include the base pipeline's labels (PERSON, DATE...) or only
  the labels trained on; the workflow keeps them for entities projects and drops them for language
  projects, whose entities are their slots;
- ``rehearsal_texts``: how many shipped general English sentences (at most 160, see
  :mod:`tunefork.language.general_text`) the base model labels as extra rehearsal material (default: all 160);
  generated sentences dense in base labels (:mod:`tunefork.language.rehearsal_text`) are added to them, one
  per annotated text up to :data:`GENERATED_REHEARSAL_TEXTS` (on small data, more would crowd out the user's
  own examples);
- ``oos_threshold``: a fixed out-of-scope threshold instead of the tuned one.
- ``label_check``: cross-validate each entity label on small data (default on; experiments that retrain
  the recipe many times, such as ``evaluate --folds``, turn it off).
- ``slot_tagger``: ``auto`` (default), ``spacy`` or ``crf`` (:mod:`tunefork.language.crf_slots`; only where
  base labels are left out of the output, as in language projects).

Small entity data (up to :data:`~tunefork.language.slot_cv.MAX_CV_TEXTS` annotated texts) is also
cross-validated per label (:mod:`tunefork.language.slot_cv`); labels the model cannot learn become warnings,
recorded on the card (``warnings``, ``contributions.entities.label_check``). Where base labels are not output,
the same cross-validation picks the slot tagger (spaCy's NER or the CRF; ``contributions.entities.tagger``);
up to :data:`~tunefork.language.slot_cv.MAX_HELD_OUT_TEXTS` annotated texts one held-out split picks it (and
scores the labels), larger data keeps spaCy's NER. With rehearsal and base labels in the output (entities
projects), the base model's own NER is kept beside the fine-tuned one and answers for the base labels
(:class:`~tunefork.language.recognizers.WithBaseLabels`).

Artifact layout: ``intents/`` (classifier), ``ner/`` (spaCy pipeline holding the fine-tuned NER),
``base_ner/`` (the base model's NER, when it answers for the base labels), ``crf/`` (the CRF slot tagger,
instead of ``ner/``), ``rules.json`` (patterns, lookups, regexes, synonyms, annotated values), and the
``model.json`` card written by the workflow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunefork.engines.contract import TrainedComponents, TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.language.crf_slots import MODEL_FILE, CrfTagger
from tunefork.language.data import LanguageTrainingData
from tunefork.language.entities import train_recognizer
from tunefork.language.general_text import rehearsal_texts
from tunefork.language.intent_calibration import report_to_dict
from tunefork.language.intents import load_intent_model, train_intents
from tunefork.language.model import SpacyLanguageModel
from tunefork.language.options import SLOT_TAGGERS
from tunefork.language.pipelines import SPACY_ENGINE, load_pipeline
from tunefork.language.recognizers import Recognizer, SpacyRecognizer, WithBaseLabels
from tunefork.language.rehearsal_text import rehearsal_sentences
from tunefork.language.rules import EntityRules
from tunefork.language.slot_cv import check_labels, check_method, unchecked_reason
from tunefork.language.value_lookup import ValueLookup
from tunefork.progress import ProgressCallback

ENGINE = SPACY_ENGINE
DEFAULT_REHEARSAL_TEXTS = 160
GENERATED_REHEARSAL_TEXTS = 200


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
    if reason := data.untrainable_reason():
        raise TuneforkError(f"Cannot train: {reason}")
    contributions: dict[str, Any] = {"data": data.summary()}
    warnings = data.warnings()
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
        config.update(
            _train_entities(base_model, data, rules, parameters, output_dir, progress, contributions, warnings)
        )
    rules.save(output_dir)
    return TrainedComponents(engine_config=config, contributions=contributions, warnings=warnings)


def _slot_taggers(options: dict[str, Any], keep_base: bool) -> tuple[str, ...]:
    """The candidate slot taggers: the one asked for, or (``auto``) those that can serve the output labels."""
    asked = options.get("slot_tagger", "auto")
    if asked not in ("auto", *SLOT_TAGGERS):
        raise TuneforkError(f"unknown slot tagger {asked!r}; choose auto, {', '.join(SLOT_TAGGERS)}.")
    if asked == "crf" and keep_base:
        raise TuneforkError("the CRF slot tagger finds only your labels: it needs base labels left out of the output.")
    if asked != "auto":
        return (asked,)
    return ("spacy",) if keep_base else SLOT_TAGGERS  # the CRF knows no base label


def _train_entities(
    base_model: str,
    data: LanguageTrainingData,
    rules: EntityRules,
    parameters: TrainingParameters,
    output_dir: Path,
    progress: ProgressCallback,
    contributions: dict[str, Any],
    warnings: list[str],
) -> dict[str, Any]:
    """Pick the slot tagger (cross-validation on small data, with the user's ``rules`` as served), train it into
    ``output_dir``; its config entries."""
    options = parameters.options
    rehearsal = bool(options.get("rehearsal", True))
    keep_base = bool(options.get("base_labels_in_output", True))
    extra = []
    if rehearsal:
        shipped = rehearsal_texts(int(options.get("rehearsal_texts", DEFAULT_REHEARSAL_TEXTS)))
        extra = shipped + rehearsal_sentences(min(GENERATED_REHEARSAL_TEXTS, len(data.entity_texts)))
    taggers = _slot_taggers(options, keep_base)
    check = None
    method = check_method(data.entity_texts, taggers)
    if options.get("label_check", True) and method is not None:
        check = check_labels(
            base_model, data.entity_texts, rules, rehearsal=rehearsal, extra_texts=extra,
            epochs=parameters.epochs, taggers=taggers, held_out=method == "held-out", seed=parameters.seed,
            progress=progress,
        )  # fmt: skip
        warnings += check.warnings()
    tagger = check.tagger if check else taggers[0]
    config: dict[str, Any] = {"recognizer": True, "tagger": tagger, "base_ner": False}
    config["output_labels"] = None if keep_base else data.entity_labels
    if tagger == "crf":
        progress(0, 1, "entities: training the CRF slot tagger")
        crf = CrfTagger.train(data.entity_texts, output_dir / "crf")
        entities: dict[str, Any] = {"labels": crf.labels, "training_texts": len(data.entity_texts), "dev_texts": 0}
    else:
        nlp, report = train_recognizer(
            base_model, data.entity_texts, rehearsal=rehearsal, extra_texts=extra,
            epochs=parameters.epochs, seed=parameters.seed, progress=progress,
        )  # fmt: skip
        nlp.to_disk(output_dir / "ner")
        entities = report.to_dict()
        if rehearsal and keep_base:
            base = load_pipeline(base_model, fresh=True)
            for name in [n for n in base.pipe_names if n != "ner"]:
                base.remove_pipe(name)
            base.to_disk(output_dir / "base_ner")
            config["base_ner"], config["own_labels"] = True, data.entity_labels
    contributions["entities"] = {"tagger": tagger, **entities}
    if check is not None:
        contributions["entities"]["label_check"] = check.to_dict()
    elif options.get("label_check", True):
        contributions["entities"]["label_check"] = {"skipped": unchecked_reason(data.entity_texts)}
    return config


def _load_recognizer(artifact_dir: Path, config: dict[str, Any]) -> Recognizer | None:
    import spacy

    if not config.get("recognizer"):
        return None
    if config.get("tagger") == "crf":
        return CrfTagger(artifact_dir / "crf" / MODEL_FILE)
    tuned = SpacyRecognizer(spacy.load(artifact_dir / "ner"))
    if not config.get("base_ner"):
        return tuned
    return WithBaseLabels(tuned, SpacyRecognizer(spacy.load(artifact_dir / "base_ner")), config["own_labels"])


def load(artifact_dir: Path, card: dict[str, Any]) -> SpacyLanguageModel:
    """Rebuild a trained language model from its artifact folder."""
    config = card["engine_config"]
    intents = load_intent_model(artifact_dir / "intents") if config.get("intents") else None
    recognizer = _load_recognizer(artifact_dir, config)
    base_labels = recognizer.base_labels if isinstance(recognizer, WithBaseLabels) else ()
    return SpacyLanguageModel(
        card["name"], intents, recognizer, EntityRules.load(artifact_dir), config.get("output_labels"), base_labels
    )
