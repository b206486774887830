"""The decoding a fine-tuned Whisper model is served with, chosen on its held-out clips (decoding_choice)."""

from __future__ import annotations

from tunefork.speech.base import Transcript, Word
from tunefork.speech.whisper_custom.decoding_choice import SETTINGS, DecodingSetting, choose_setting
from tunefork.speech.whisper_custom.model import CustomWhisperModel, DecodingStages
from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector
from tunefork.speech.whisper_engine import bundled_tiny_en_path


def _transcript(text: str) -> Transcript:
    words = [Word(token, 0.3 * i, 0.3 * i + 0.2, 0.9) for i, token in enumerate(text.split())]
    return Transcript(text=text, words=words, duration=3.0)


def _passes(plain: str, prompted: str) -> DecodingStages:
    first = _transcript(plain)
    return DecodingStages(first, True, _transcript(prompted), first, first)


def test_the_safest_setting_wins_unless_a_riskier_one_fixes_a_held_out_error():
    model = CustomWhisperModel("held-out", bundled_tiny_en_path(), hotwords="gabapentin, meloxicam")
    corrector = PhoneticCorrector(["gabapentin", "meloxicam"])
    # The plain pass misheard the drug as words that do not sound like it; the prompted pass spelled it.
    misheard = _passes("take the pill daily", "take gabapentin daily")

    # Said as the drug: only the merge without the sound check brings it, and is served.
    chosen, summary = choose_setting(model, [(misheard, "take gabapentin daily")], corrector, list(SETTINGS), 0.0)
    assert chosen == DecodingSetting(merge_check_sound=False, phonetic_correction=False)
    assert [t["heldout_errors"] for t in summary["tried"]] == [2, 2, 0, 0]
    assert summary["chosen"] == chosen.to_dict() and summary["heldout_clips"] == 1

    # Said as ordinary words: the same passes, and the safest setting keeps them.
    chosen, summary = choose_setting(model, [(misheard, "take the pill daily")], corrector, list(SETTINGS), 0.0)
    assert chosen == SETTINGS[0] and [t["heldout_errors"] for t in summary["tried"]] == [0, 0, 2, 2]

    # A tie everywhere (nothing to fix) is the safest setting the options allow.
    right = _passes("take meloxicam daily", "take meloxicam daily")
    assert choose_setting(model, [(right, "take meloxicam daily")], corrector, list(SETTINGS), 0.0)[0] == SETTINGS[0]
    no_check = [setting for setting in SETTINGS if not setting.merge_check_sound]
    assert choose_setting(model, [(right, "take meloxicam daily")], corrector, no_check, 0.0)[0] == no_check[0]


def test_a_tie_goes_to_the_riskiest_setting_while_the_model_still_mishears_its_held_out_clips():
    model = CustomWhisperModel("held-out", bundled_tiny_en_path(), hotwords="gabapentin")
    corrector = PhoneticCorrector(["gabapentin"])
    tie = [(_passes("take meloxicam daily", "take meloxicam daily"), "take meloxicam daily")]
    assert choose_setting(model, tie, corrector, list(SETTINGS), 0.05)[0] == SETTINGS[0]
    chosen, summary = choose_setting(model, tie, corrector, list(SETTINGS), 0.15)
    assert chosen == SETTINGS[-1] and "riskiest" in summary["rule"] and summary["heldout_wer"] == 0.15
