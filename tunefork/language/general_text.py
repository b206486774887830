"""Shipped general English sentences, split once: a pool for rehearsal and a disjoint pool for side-effect checks.

All of them also train the out-of-scope (background) class of intent models.

Both come from ``guard_sentences.txt`` and ``general_sentences.txt`` (see ``tunefork/data/README.md``).
Keeping them disjoint means the forgetting check on general text never scores a model on sentences it
rehearsed on.
"""

from __future__ import annotations

import functools

from tunefork.sample_data import read_lines

REHEARSAL_POOL_SIZE = 160


@functools.cache
def _guard() -> tuple[str, ...]:
    return tuple(read_lines("guard_sentences.txt"))


def general_texts() -> list[str]:
    """Every shipped general English sentence (out-of-scope stand-ins for intent models)."""
    return list(_guard()) + read_lines("general_sentences.txt")


def rehearsal_texts(count: int) -> list[str]:
    """Up to ``count`` (at most :data:`REHEARSAL_POOL_SIZE`) general sentences for rehearsal."""
    return list(_guard()[: min(max(0, count), REHEARSAL_POOL_SIZE)])


def side_effect_texts() -> list[str]:
    """General sentences never used for rehearsal: where the forgetting check looks at general text."""
    return list(_guard()[REHEARSAL_POOL_SIZE:]) + read_lines("general_sentences.txt")
