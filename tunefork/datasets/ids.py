"""Safe, unique item ids derived from original names (file stems, Kaldi utterance ids)."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_ID_LENGTH = 100


def slugify(name: str) -> str:
    """A file-name-safe id for ``name``: ASCII letters, digits, ``.``, ``_`` and ``-`` only.

    Accented letters lose their accents (``über`` -> ``uber``: it was ``ber``, hard to find in a report); other
    characters become ``_``; leading dots and separators are dropped; never empty.
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    slug = _UNSAFE.sub("_", plain).strip("._-")[:MAX_ID_LENGTH].rstrip("._-")
    return slug or "item"


class IdAllocator:
    """Hands out unique slugs: a second ``a b`` and ``a_b`` become ``a_b`` and ``a_b-2``."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def allocate(self, name: str) -> str:
        """A slug of ``name`` not handed out before (case-insensitively, for case-folding file systems)."""
        base = slugify(name)
        candidate, n = base, 1
        while candidate.lower() in self._taken:
            n += 1
            candidate = f"{base}-{n}"
        self._taken.add(candidate.lower())
        return candidate
