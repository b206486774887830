"""Sample text shipped with tunefork (``tunefork/data``): test sentences, guard sets, domain terms."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


def read_lines(name: str) -> list[str]:
    """Non-empty lines of a shipped text file (``general_sentences.txt``, ``domain_terms.txt``...)."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]
