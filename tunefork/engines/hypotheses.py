"""Hypotheses kept between evaluations: what a model answered for an input is not computed twice.

One JSON file per model fingerprint maps an input's content hash (a canonical WAV's SHA-256, a text's SHA-256)
to the model's raw answer (a transcript; a language model's prediction). The fingerprint covers everything that
can change the answer: the model (a base model's name and engine; a custom model's id and its ``model.json``
card, which records its training data and parameters, less the scores written after training's own evaluation,
so that evaluation's answers are found by the next), the source code of the class that decodes (so a change
of decoding settings or code starts a new file), what the family adds (the code of the language package, a base
pipeline's package version) and the tunefork version. A dataset's content is part of each key (every input is
looked up by its own hash). Answers are cached raw, before any normalization or scoring, so a new normalizer
or scorer reuses them and scores them afresh. A cache file that cannot be read counts as empty; writes are
atomic. A family that can fingerprint without loading the model (language, speech) loads it only for missing
answers.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tunefork import __version__
from tunefork.engines.card import answers_fingerprint
from tunefork.store.artifacts import atomic_write_json


class Handle(Protocol):
    """The model a hypothesis comes from (:class:`tunefork.kinds.registry.ModelHandle`)."""

    name: str
    model_id: str | None
    artifact_dir: Path | None
    engine: str


def fingerprint(model: Handle, decoder: type, extra: str | None = None) -> str:
    """A key that changes whenever the answers of ``model`` (decoded by an instance of ``decoder``) may change.

    ``extra`` is what else the answers depend on (a package version, more source code).
    """
    source = inspect.getsourcefile(decoder)
    parts = {
        "name": model.name,
        "id": model.model_id,
        "engine": model.engine,
        "card": answers_fingerprint(model.artifact_dir) if model.artifact_dir is not None else None,
        "code": hashlib.sha256(Path(source).read_bytes()).hexdigest() if source else decoder.__qualname__,
        "tunefork": __version__,
    }
    if extra is not None:
        parts["extra"] = extra
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


@dataclass
class CacheUse:
    """How many of one model's answers came from the cache."""

    model: str
    hits: int
    total: int
    inputs: str = ""
    """What the answers were for, when more than the test items (``the test items and 160 general sentences``)."""

    def sentence(self) -> str:
        """E.g. 'whisper-tiny.en: 18 of 20 answers from the hypothesis cache.'"""
        inputs = f" ({self.inputs})" if self.inputs else ""
        return f"{self.model}: {self.hits} of {self.total} answers{inputs} from the hypothesis cache."


class HypothesisCache:
    """The cached answers in ``folder`` (``None``: no caching, every answer is computed)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def answers(
        self,
        model: Handle,
        decoder: type,
        items: list[tuple[str, Any, str]],
        compute: Callable[[list[tuple[str, Any]]], Iterable[tuple[str, Any]]],
        extra: str | None = None,
    ) -> tuple[dict[str, Any], CacheUse]:
        """``{item id: answer}`` for ``(id, input, content hash)`` items: cached ones read, the rest computed.

        ``compute(missing [(id, input)])`` yields ``(id, answer)`` (JSON-able) for the items not in the cache;
        it is not called when every answer is cached. ``decoder`` and ``extra`` go into the :func:`fingerprint`.
        """
        if self.folder is None:
            computed = dict(compute([(item_id, path) for item_id, path, _ in items]))
            return computed, CacheUse(model.name, 0, len(items))
        path = self.folder / f"{fingerprint(model, decoder, extra)}.json"
        stored = self._read(path)
        missing = [(item_id, file) for item_id, file, digest in items if digest not in stored]
        computed = dict(compute(missing)) if missing else {}
        digests = {item_id: digest for item_id, _, digest in items}
        if computed:
            stored.update({digests[item_id]: answer for item_id, answer in computed.items()})
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_json(path, {"model": model.name, "answers": stored})
        answers = {
            item_id: computed[item_id] if item_id in computed else stored[digest] for item_id, _, digest in items
        }
        return answers, CacheUse(model.name, len(items) - len(missing), len(items))

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            return dict(json.loads(path.read_text(encoding="utf-8"))["answers"])
        except (OSError, ValueError, KeyError, TypeError):
            return {}
