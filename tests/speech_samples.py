"""Sample utterances shared by the CLI, service and studio tests."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

SENTENCES = [
    "the patient takes metoprolol twice a day",
    "please call me back at five o'clock",
    "the weather is cold and windy today",
]


def write_acoustic_zip(path: Path, speak: Callable[[str], Path]) -> Path:
    """Azure zip: the three SENTENCES spoken, plus a transcript line whose audio is missing."""
    with zipfile.ZipFile(path, "w") as archive:
        lines = []
        for index, sentence in enumerate(SENTENCES):
            archive.write(speak(sentence), f"clip{index}.wav")
            lines.append(f"clip{index}.wav\t{sentence}")
        lines.append("ghost.wav\tthis audio was never recorded")
        archive.writestr("trans.txt", "\n".join(lines) + "\n")
    return path
