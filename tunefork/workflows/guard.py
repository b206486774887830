"""The general-English guard set: a fix must not break what worked.

The guard set is text shipped with tunefork (``data/guard_sentences.txt``, over 2,000 words, because with
500 words the 95% interval of a WER difference is about +-2.4 points and a 1-point side effect is
invisible), synthesized with espeak-ng voices and cached in the workspace.
"""

from __future__ import annotations

from pathlib import Path

from tunefork.evaluation.comparison import ComparisonResult, compare_models
from tunefork.progress import ProgressCallback, no_progress
from tunefork.sample_data import read_lines
from tunefork.speech.synthesis import Voice, synthesize_cached
from tunefork.workflows.evaluation import transcribe_with_each
from tunefork.workflows.models import ResolvedModel

GUARD_VOICES = (Voice("en-us"), Voice("en-gb", speed=150), Voice("en-us+f3", speed=170), Voice("en-gb-scotland"))


def guard_items(cache_dir: Path, progress: ProgressCallback = no_progress) -> dict[str, tuple[Path, str]]:
    """``{id: (wav, reference)}`` of the guard set, synthesized once and cached in ``cache_dir``."""
    sentences = read_lines("guard_sentences.txt")
    items = {}
    for index, sentence in enumerate(sentences):
        voice = GUARD_VOICES[index % len(GUARD_VOICES)]
        items[f"guard{index:04d}"] = (synthesize_cached(sentence, cache_dir, voice, seed=index), sentence)
        progress(index + 1, len(sentences), "Synthesizing the guard set")
    return items


def evaluate_on_guard(
    models: list[ResolvedModel], cache_dir: Path, progress: ProgressCallback = no_progress
) -> ComparisonResult:
    """Compare the models (base first, custom second) on the guard set."""
    items = guard_items(cache_dir, progress)
    references = {item_id: text for item_id, (_, text) in items.items()}
    audio = [(item_id, wav) for item_id, (wav, _) in items.items()]
    hypotheses = transcribe_with_each(models, audio, progress, label="guard set, ")
    return compare_models(references, hypotheses, dataset="general guard set")
