"""How a fine-tuned model decodes: the merge and correction settings with the fewest errors on its held-out clips.

Two decode-time helpers bring terms a model misses: the two-pass merge taking the prompted pass wherever it brings a
term, without checking that the plain words sound like it (:func:`.selection.merge_passes`), and phonetic correction
(:mod:`.phonetic`). Both also write terms over ordinary words ("okay for" -> "Okafor", "the rest of the way" -> "the
rest of the wheezing"). A model fine-tuned for a hundred steps or more spells its terms without them: on four
benchmark domains (``bench/term_losses.py``, ``bench/RESULTS.md``) the merge with the sound check and no correction
kept the same term recall and wrote 7 terms into 800 general clips (200 per domain) instead of 27. A model fine-tuned
for a few dozen steps still needs them (pharmacy, 14 steps: term recall 77.8% with both, 68.3% without).

So the trainer decides per model, on held-out clips (never the training clips): the chosen checkpoint's held-out clips
were decoded with both passes kept (:class:`HeldoutRecorder`), and :func:`choose_setting` replays the merge and the
correction on them under each allowed :data:`SETTINGS` entry and keeps one with the fewest word errors. A tie (a dozen
clips often cannot tell the settings apart) goes to the safest setting when the model already transcribes its
held-out clips well (WER at most :data:`SAFE_TIE_MAX_WER`), else to the riskiest: a pharmacy model fine-tuned for 4
steps (held-out WER 15%) tied on its 14 held-out clips and lost 17 points of term recall on the test clips without
the helpers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tunefork.evaluation.metrics import score_utterance
from tunefork.speech.whisper_custom.model import CustomWhisperModel, DecodingStages
from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector


@dataclass(frozen=True)
class DecodingSetting:
    """One way to serve a fine-tuned model's two passes: the merge's sound check, and phonetic correction."""

    merge_check_sound: bool
    phonetic_correction: bool

    def to_dict(self) -> dict[str, bool]:
        """The setting as plain JSON."""
        return {"merge_check_sound": self.merge_check_sound, "phonetic_correction": self.phonetic_correction}


SETTINGS = (
    DecodingSetting(merge_check_sound=True, phonetic_correction=False),
    DecodingSetting(merge_check_sound=True, phonetic_correction=True),
    DecodingSetting(merge_check_sound=False, phonetic_correction=False),
    DecodingSetting(merge_check_sound=False, phonetic_correction=True),
)
"""The settings tried, from the one that writes the fewest terms into general speech to the one that writes most."""

SAFE_TIE_MAX_WER = 0.05
"""Held-out WER up to which a tie goes to the safest setting: read off the benchmark runs above (fine-tuned for 110-180
steps: 0-2.8%, ties where the helpers changed no term recall; 4-14 steps: 7.3-15%, where they brought 9.5-17 points)."""

UNMEASURED = DecodingSetting(merge_check_sound=False, phonetic_correction=True)
"""The setting of a fine-tuned model without held-out clips to choose on (:data:`UNMEASURED_RULE`)."""
UNMEASURED_RULE = "too few clips to hold any out means few fine-tuning steps, where both helpers bring terms"


class HeldoutRecorder:
    """Decodes held-out clips with a :class:`CustomWhisperModel` per checkpoint, keeping every clip's passes.

    ``make_model(model_dir)`` builds the model as the checkpoint is evaluated; calling the recorder yields each
    clip's ``(word errors, reference words)`` (the fine-tuner's ``Evaluator``) and keeps, per model folder, the
    clips' :class:`DecodingStages` with their references for :func:`choose_setting`.
    """

    def __init__(self, make_model: Any) -> None:
        self.make_model = make_model
        self.decoded: dict[str, list[tuple[DecodingStages, str]]] = {}

    def __call__(self, model_dir: str, clips: list[Any]) -> Iterator[tuple[int, int]]:
        """Decode ``clips`` (with ``samples`` and ``text``) one by one with the model of ``model_dir``."""
        model = self.make_model(model_dir)
        kept = self.decoded[model_dir] = []
        for clip in clips:
            stages = model.stages(clip.samples)
            kept.append((stages, clip.text))
            score = score_utterance(str(len(kept)), clip.text, stages.final.text)
            yield score.errors, score.words


def replay_errors(
    model: CustomWhisperModel,
    decoded: list[tuple[DecodingStages, str]],
    setting: DecodingSetting,
    corrector: PhoneticCorrector | None,
) -> int:
    """Word errors of the stored passes merged and corrected under ``setting``."""
    served = copy.copy(model)
    served.merge_check_sound = setting.merge_check_sound
    served.corrector = corrector if setting.phonetic_correction else None
    errors = 0
    for index, (stages, reference) in enumerate(decoded):
        final = served.combine(stages.first, stages.triggered, stages.prompted).final
        errors += score_utterance(str(index), reference, final.text).errors
    return errors


def choose_setting(
    model: CustomWhisperModel,
    decoded: list[tuple[DecodingStages, str]],
    corrector: PhoneticCorrector | None,
    allowed: list[DecodingSetting],
    heldout_wer: float,
) -> tuple[DecodingSetting, dict[str, Any]]:
    """The setting of ``allowed`` (safest first) with the fewest word errors on ``decoded``, ties to the safest when
    ``heldout_wer`` (the model's, as evaluated) is at most :data:`SAFE_TIE_MAX_WER`, else to the riskiest; and what
    was measured."""
    tried = [(setting, replay_errors(model, decoded, setting, corrector)) for setting in allowed]
    fewest = min(errors for _, errors in tried)
    safe_ties = heldout_wer <= SAFE_TIE_MAX_WER
    order = tried if safe_ties else tried[::-1]
    chosen = next(setting for setting, errors in order if errors == fewest)
    tie = "the safest" if safe_ties else "the riskiest"
    summary = {
        "chosen": chosen.to_dict(),
        "heldout_clips": len(decoded),
        "heldout_wer": round(heldout_wer, 4),
        "tried": [{**setting.to_dict(), "heldout_errors": errors} for setting, errors in tried],
        "rule": f"the fewest held-out word errors; a tie goes to {tie} setting (held-out WER "
        f"{'at most' if safe_ties else 'above'} {SAFE_TIE_MAX_WER:.0%})",
    }
    return chosen, summary
