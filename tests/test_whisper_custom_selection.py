"""Two-pass hotword decoding: the prompt changes an utterance only where it brings a term the plain pass heard."""

from __future__ import annotations

import pytest

from tunefork.audio import read_audio
from tunefork.speech.base import Word
from tunefork.speech.whisper_custom.display_forms import DisplayFormRewriter
from tunefork.speech.whisper_custom.model import CustomWhisperModel
from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector
from tunefork.speech.whisper_custom.selection import TermSounds, changed_words, merge_passes, one_word_per_token
from tunefork.speech.whisper_engine import WhisperEngine, bundled_tiny_en_path, word_key

PRONUNCIATIONS = [("PLC", "p l c"), ("KT-450", "k t four fifty"), ("Siemens", "see mens"), ("Grundfos", "grund foss")]
HOTWORDS = (
    "PLC, VFD, HVAC, XR-7, KT-450, glycol, Baumann, thermocouple, Siemens, Grundfos, mezzanine, impeller, "
    "recalibrate, solenoid, transducer, pressure transducer, hvac unit, north mezzanine"
)
"""What a text + pronunciation customization of a maintenance domain puts in the prompt."""


def words(text: str) -> list[Word]:
    return [Word(token, i * 0.3, i * 0.3 + 0.25, 0.9) for i, token in enumerate(text.split())]


@pytest.fixture(scope="module")
def sounds() -> TermSounds:
    return TermSounds(HOTWORDS.split(", "), PRONUNCIATIONS)


def test_prompted_words_win_only_where_a_term_sounds_like_the_plain_words(sounds):
    plain = words("Shut down the sea men's drive and inspect the bearing housing first.")
    prompted = words("Shut down the Siemens drive, inspect the bearing housing first.")
    merged = merge_passes(plain, prompted, sounds)
    assert merged is not None and [w.text for w in merged] == [w.text for w in prompted]
    changed = [(w.text, w.replaced) for w in merged if w.replaced is not None]
    assert changed == [("Siemens", "sea men's")]
    # The prompt put a term where the plain pass heard nothing like it: keep the plain words.
    leaked = words("Please fold the clean tiles and put mezzanine the closet.")
    assert merge_passes(words("Please fold the clean tiles and put them in the closet."), leaked, sounds) is None
    # Nothing to bring: the plain words already spell the term.
    assert merge_passes(prompted, prompted, sounds) is None
    assert sounds.near_miss([word_key(w.text) for w in plain])
    assert not TermSounds(["Siemens"], PRONUNCIATIONS).near_miss(["the", "siemens", "drive"])  # spelled, not missed


def test_without_the_sound_check_a_term_the_prompted_pass_brings_wins_even_where_the_plain_words_differ(sounds):
    # What a fine-tuned model's passes look like: the plain pass wrote the term as words that do not sound like it.
    plain = words("Check the white coal level before the pump starts.")
    prompted = words("Check the glycol level before the pump starts.")
    assert merge_passes(plain, prompted, sounds) is None  # "white coal" is too far from "glycol" for the check
    merged = merge_passes(plain, prompted, sounds, check_sound=False)
    assert merged is not None and [(w.text, w.replaced) for w in merged][2] == ("glycol", "white coal")
    # Still only where the prompted pass brings a term the plain words lack.
    assert merge_passes(prompted, prompted, sounds, check_sound=False) is None
    no_term = words("Check the white cool level before the pump starts.")
    assert merge_passes(plain, no_term, sounds, check_sound=False) is None


def test_the_prompted_pass_is_corrected_where_it_differs_from_the_plain_pass():
    plain = words("after starting at or must statin today")
    prompted = words("after starting atormastatin today")
    editable = changed_words(plain, prompted)
    assert editable == [False, False, True, False]
    corrector = PhoneticCorrector(["atorvastatin", "starting"])
    fixed = corrector.correct_words(prompted, max_distance=0.45, editable=editable)
    assert [w.text for w in fixed] == ["after", "starting", "atorvastatin", "today"]
    assert corrector.correct_words(prompted, max_distance=0.45, editable=[False] * 4) == prompted
    merged = merge_passes(plain, fixed, TermSounds(["atorvastatin"]))
    assert merged is not None and [(w.text, w.replaced) for w in merged][2] == ("atorvastatin", "at or must statin")
    # A multi-word term the correction wrote as one word is split again, so that the merge finds its tokens.
    plain = [Word(w.text, w.start, w.end, 0.2) for w in words("ask the first officer oak a fur")]
    fixed = PhoneticCorrector(["First Officer Okafor"]).correct_words(words("ask First Officer Okafur"), 0.45)
    assert [w.text for w in fixed] == ["ask", "First Officer Okafor"]
    split = one_word_per_token(fixed)
    assert [(w.text, w.replaced) for w in split] == [
        ("ask", None), ("First", "First Officer Okafur"), ("Officer", ""), ("Okafor", "")
    ]  # fmt: skip
    assert merge_passes(plain, split, TermSounds(["First Officer Okafor"])) is not None


@pytest.fixture(scope="module")
def engines():
    rewriter = DisplayFormRewriter(PRONUNCIATIONS)
    path = bundled_tiny_en_path()
    return (
        WhisperEngine(path, name="plain"),
        # Built as training builds it, with its phonetic corrector: the prompted pass alone spells "Siemens" on some
        # CPUs and "seamen's" on others (CTranslate2's kernels differ, e.g. AMD EPYC without AVX-512).
        CustomWhisperModel(
            "two-pass",
            path,
            hotwords=HOTWORDS,
            rewriter=DisplayFormRewriter(PRONUNCIATIONS),
            corrector=PhoneticCorrector([term.strip() for term in HOTWORDS.split(",")], PRONUNCIATIONS),
        ),
        CustomWhisperModel("one-pass", path, hotwords=HOTWORDS, rewriter=rewriter, two_pass=False),
    )


def test_general_sentence_is_left_as_the_plain_decoding_gives_it(engines, speak):
    plain, two_pass, one_pass = engines
    samples = read_audio(speak("Somebody left the back door open and the cat walked outside.", "en-gb-scotland"))
    expected = plain.transcribe(samples.samples)
    leaked = one_pass.transcribe(samples.samples)
    assert leaked.text != expected.text  # the prompt alone pulls this general sentence toward the terms
    got = two_pass.transcribe(samples.samples)
    assert got.text == expected.text
    assert [(w.text, w.start, w.end, w.replaced) for w in got.words] == [
        (w.text, w.start, w.end, None) for w in expected.words
    ]


def test_domain_sentence_keeps_the_term_and_reports_what_it_replaced(engines, speak):
    plain, two_pass, _ = engines
    samples = read_audio(speak("Shut down the Siemens drive and inspect the bearing housing first.", "en-us"))
    assert "siemens" not in plain.transcribe(samples.samples).text.lower()  # "sea-man's"
    got = two_pass.transcribe(samples.samples)
    siemens = [w for w in got.words if word_key(w.text) == "siemens"]
    assert siemens and siemens[0].replaced and "siemens" not in siemens[0].replaced.lower()
    assert "Siemens" in got.text
    assert got.to_dict()["words"][got.words.index(siemens[0])]["replaced"] == siemens[0].replaced


def test_two_pass_is_an_option_on_by_default():
    from tunefork.speech.whisper_custom import WhisperOptions

    assert WhisperOptions.parse({}).two_pass is True
    assert WhisperOptions.parse({"two_pass": "off"}).two_pass is False


def test_the_merge_checks_the_sound_with_the_base_weights_only_unless_told():
    from tunefork.speech.whisper_custom import WhisperOptions
    from tunefork.speech.whisper_custom.trainer import merge_checks_sound

    assert WhisperOptions.parse({}).merge_check_sound is None
    assert WhisperOptions.parse({"merge_check_sound": "auto"}).merge_check_sound is None
    assert WhisperOptions.parse({"merge_check_sound": "on"}).merge_check_sound is True
    assert merge_checks_sound(None, fine_tuned=False) is True
    assert merge_checks_sound(None, fine_tuned=True) is False
    assert merge_checks_sound(True, fine_tuned=True) is True and merge_checks_sound(False, fine_tuned=False) is False
