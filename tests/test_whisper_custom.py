"""The Whisper customization engine: term mining, hotwords, display forms, training and loading.

Fast tests cover text and pronunciation customization end to end (seconds); tests marked ``slow``
convert the bundled CTranslate2 model to PyTorch and back and fine-tune for a few steps (minutes).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tunefork.audio import read_audio
from tunefork.engines.contract import TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.speech.base import SpeechModel, Transcript, Word
from tunefork.speech.customization import TrainingData
from tunefork.speech.synthesis import Voice
from tunefork.speech.whisper_custom import load, train
from tunefork.speech.whisper_custom.biasing import build_hotwords, rank_items
from tunefork.speech.whisper_custom.display_forms import DisplayFormRewriter, split_everyday
from tunefork.speech.whisper_custom.model import token_counter
from tunefork.speech.whisper_custom.ranking import term_report, verdict
from tunefork.speech.whisper_custom.terms import mine_terms
from tunefork.speech.whisper_engine import bundled_tiny_en_path

_KNOWN = (
    "start take the patient with food daily doctor reviewed dose this morning nurse will call about refill "
    "and milligrams twice insulin at bedtime check glucose marie curie wing is on fourth floor "
    "penicillin allergy before giving"
)
VOCABULARY = frozenset(_KNOWN.split())


def fake_token_count(text: str) -> int:
    """One token per 5 letters (rounded up) of each word: long words look rare, like real BPE counts."""
    return sum(-(-len(word) // 5) for word in text.split())


@pytest.fixture(scope="module")
def count_tokens():
    return token_counter(bundled_tiny_en_path())


def progress_log() -> tuple[list[tuple[int, int, str]], object]:
    calls: list[tuple[int, int, str]] = []
    return calls, lambda done, total, description: calls.append((done, total, description))


# --- term mining -------------------------------------------------------------------------------


def test_mines_out_of_vocabulary_words_with_mid_sentence_spelling():
    mined = mine_terms(
        [
            "Start metoprolol 25 milligrams twice daily with food.",
            "Doctor Okonkwo reviewed the metoprolol dose this morning.",
            "Metoprolol is taken with food.",
        ],
        VOCABULARY,
        fake_token_count,
    )
    words = {term.text: term for term in mined.words}
    assert words["metoprolol"].count == 3 and words["metoprolol"].reason == "oov"
    assert "Okonkwo" in words  # capitalized mid-sentence: a proper noun keeps its capital
    assert "milligrams" not in words and "morning" not in words and "with" not in words
    assert mined.words[0].text == "metoprolol"  # most frequent first
    assert "Doctor Okonkwo" in [phrase.text for phrase in mined.phrases]


def test_rare_words_by_token_count_and_no_numbers_or_stopwords():
    mined = mine_terms(
        ["Check the glucose 12.5 before giving amoxicillin please."], VOCABULARY | {"amoxicillin"}, fake_token_count
    )
    texts = [term.text for term in mined.words]
    assert texts == ["amoxicillin"]  # a known word, but spelled with 3 (fake) tokens
    assert mined.words[0].reason == "rare"


def test_phrases_are_collocations_not_neighbours_of_frequent_terms():
    sentences = [
        "Insulin glargine at bedtime.",
        "Check glucose before insulin glargine.",
        "Nurse Siobhan Gallagher will call about the refill.",
        "Take atorvastatin daily.",
        "Give atorvastatin twice daily.",
        "Continue atorvastatin daily with food.",
        "Hold atorvastatin at bedtime.",
        "Take the atorvastatin now.",
    ]
    mined = mine_terms(sentences, VOCABULARY, fake_token_count)
    phrases = [phrase.text for phrase in mined.phrases]
    assert "insulin glargine" in phrases
    assert "Nurse Siobhan Gallagher" in phrases
    assert not any("atorvastatin" in phrase for phrase in phrases)


def test_a_common_word_starting_a_sentence_stays_out_of_a_name_phrase():
    sentences = [
        "Ask Doctor Okonkwo about the metoprolol dose.",
        "Please ask the pharmacist before you stop.",
        "Nurse Siobhan Gallagher checks the metoprolol refill.",
        "The nurse on duty answers the phone.",
        "Marie Okonkwo collects the metoprolol on Friday.",
    ]
    phrases = [phrase.text for phrase in mine_terms(sentences, VOCABULARY, fake_token_count).phrases]
    assert "Doctor Okonkwo" in phrases and "Ask Doctor Okonkwo" not in phrases  # "ask" is written lowercase too
    assert "Nurse Siobhan Gallagher" in phrases  # a title stays though "nurse" is written lowercase too
    assert "Marie Okonkwo" in phrases  # nothing says "Marie" is a common word


def test_numbers_break_phrases():
    mined = mine_terms(["levothyroxine 50 micrograms", "levothyroxine 75 micrograms"], VOCABULARY, fake_token_count)
    assert "levothyroxine micrograms" not in [phrase.text for phrase in mined.phrases]


# --- hotwords ----------------------------------------------------------------------------------


def test_hotwords_are_capped_in_tokens(count_tokens):
    items = [f"medication{i}" for i in range(40)]
    hotwords = build_hotwords(items, count_tokens, max_tokens=20)
    assert hotwords.tokens <= 20
    assert count_tokens(" " + hotwords.text) == hotwords.tokens
    assert hotwords.items and hotwords.dropped
    assert hotwords.items == items[: len(hotwords.items)]
    assert build_hotwords(items, count_tokens, max_tokens=0).text == ""


def test_hotword_ranking_puts_display_forms_and_oov_terms_first():
    mined = mine_terms(
        ["Take warfarin and warfarin again with amoxicillin.", "Nurse Siobhan Gallagher called."],
        VOCABULARY | {"amoxicillin"},
        fake_token_count,
    )
    required, ranked = rank_items(mined, ["INR", "warfarin"])
    assert required == ["INR", "warfarin"] and "warfarin" not in [item.lower() for item in ranked]
    assert ranked.index("amoxicillin") > ranked.index("Siobhan")  # rare comes after out of vocabulary
    assert len({item.lower() for item in required + ranked}) == len(required + ranked)


def test_ranking_keeps_display_forms_and_prefers_terms_the_base_misses(count_tokens):
    sentences = [f"Check the {name} valve today." for name in ("selector", "shutoff", "glycol", "manifold")]
    mined = mine_terms(sentences, VOCABULARY | {"selector", "shutoff"}, count_tokens)
    displays = ["XR-7 selector", "PLC", "Baumann Keller gasket", "AML"]
    required, ranked = rank_items(mined, displays, {"glycol": 0.0, "manifold": 1.0})
    assert required == displays
    assert ranked.index("manifold") < ranked.index("glycol")  # missed by the base beats heard by it
    hotwords = build_hotwords(ranked, count_tokens, max_tokens=4, required=required)
    assert hotwords.items[: len(displays)] == displays  # a small cap never drops a display form
    assert count_tokens(" " + hotwords.text) == hotwords.tokens <= count_tokens(" " + ", ".join(displays)) + 4
    assert build_hotwords(ranked, count_tokens, max_tokens=0, required=required).items == []


def test_term_report_says_which_terms_improved_regressed_or_did_not_change():
    base = {"warfarin": 1.0, "inr": 0.0, "metoprolol": 1.0, "lisinopril": 0.0, "digoxin": 0.5, "only base": 1.0}
    custom = {"warfarin": 0.0, "inr": 1.0, "metoprolol": 1.0, "lisinopril": 0.0, "digoxin": 0.5, "only custom": 0.0}
    report = term_report(base, custom)
    assert [(row["term"], row["verdict"]) for row in report["terms"]] == [
        ("warfarin", "improved"),
        ("inr", "regressed"),
        ("metoprolol", "still missed"),
        ("digoxin", "still missed"),  # heard half the time by both: not every occurrence yet
        ("lisinopril", "unchanged"),
    ]
    assert report["counts"] == {"improved": 1, "regressed": 1, "still missed": 2, "unchanged": 1}
    assert verdict(0.5, 0.25) == "improved" and term_report({}, custom)["terms"] == []


# --- display forms -----------------------------------------------------------------------------


def test_rewrites_longest_match_first_case_insensitive_on_word_boundaries():
    rewriter = DisplayFormRewriter([("INR", "i n r"), ("Xarelto", "zah relto"), ("N", "n"), ("XR", "zah relto x r")])
    assert rewriter.rewrite_text("Her I N R is 3. Check i-n-r.") == "Her INR is 3. Check INR."
    assert rewriter.rewrite_text("Start zah relto x r today") == "Start XR today"  # longest wins
    assert rewriter.rewrite_text("Zah Relto, please") == "Xarelto, please"
    assert rewriter.rewrite_text("spin run") == "spin run"  # no match inside words
    assert rewriter.rewrite_text("I, N, R") == "INR"


def test_rewrites_merge_words_and_their_timings():
    rewriter = DisplayFormRewriter([("INR", "i n r"), ("metoprolol", "meh toe pro lol")])
    words = [
        Word("Check", 0.0, 0.3, 0.9),
        Word("I", 0.3, 0.4, 0.8),
        Word("N", 0.4, 0.5, 0.6),
        Word("R.", 0.5, 0.7, 0.9),
        Word("Meh-toe", 0.8, 1.0, 0.7),
        Word("pro", 1.0, 1.1, 0.9),
        Word("lol,", 1.1, 1.3, 0.95),
        Word("in", 1.4, 1.5, 0.99),
    ]
    transcript = Transcript(text="Check I N R. Meh-toe pro lol, in", words=words, duration=2.0, model="m")
    result = rewriter.apply(transcript)
    assert result.text == "Check INR. metoprolol, in"
    assert [w.text for w in result.words] == ["Check", "INR.", "metoprolol,", "in"]
    assert (result.words[1].start, result.words[1].end, result.words[1].confidence) == (0.3, 0.7, 0.6)
    assert (result.words[2].start, result.words[2].end) == (0.8, 1.3)
    assert result.duration == 2.0 and result.model == "m"


def test_entries_whose_spoken_form_is_everyday_english_are_set_apart():
    """A dental review's "Allgood<TAB>all good" wrote the name over every "all good" the model heard."""
    from tunefork.speech.everyday_phrases import is_everyday_phrase, phrase_log10_probability

    for everyday in ("all good", "good enough", "okay for", "win", "Morning"):
        assert is_everyday_phrase(everyday), everyday
    for respelled in ("meh toe pro lol", "gab a pen tin", "i n r", "a three twenty", "fair weather", "neeve", ""):
        assert not is_everyday_phrase(respelled), respelled
    assert phrase_log10_probability("okay-for") == phrase_log10_probability("okay for")
    entries = [("Allgood", "all good"), ("INR", "i n r"), ("Nguyen", "win"), ("aspirin", "aspirin"), ("May", "may")]
    rewritten, everyday = split_everyday(entries)
    assert rewritten == [("INR", "i n r"), ("aspirin", "aspirin")]  # the lowercase no-op is never set apart
    assert everyday == [("Allgood", "all good"), ("Nguyen", "win"), ("May", "may")]


def test_partial_spoken_forms_are_left_alone():
    rewriter = DisplayFormRewriter([("INR", "i n r")])
    words = [Word("I", 0.0, 0.1, 1.0), Word("N", 0.1, 0.2, 1.0), Word("ran", 0.2, 0.4, 1.0)]
    assert [w.text for w in rewriter.rewrite_words(words)] == ["I", "N", "ran"]
    assert rewriter.rewrite_text("I N ran") == "I N ran"


def test_phonetic_corrector_keeps_written_terms_their_neighbours_and_numbers():
    from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector

    pronunciations = [("metoprolol", "meh toe pro lol"), ("metformin", "met for min")]
    corrector = PhoneticCorrector(["metoprolol", "milligrams", "gabapentin"], pronunciations)
    for said, expected in (
        ("with this own 40 milligrams daily", "with this own 40 milligrams daily"),  # was "with this milligrams"
        ("for gabapentin six hundred", "for gabapentin six hundred"),  # was "gabapentin six hundred"
        ("take milligram is", "take milligrams is"),  # at equal distance the shorter span, not "take milligrams"
    ):
        words = [Word(text, i * 0.3, i * 0.3 + 0.25, 0.8) for i, text in enumerate(said.split())]
        assert " ".join(word.text for word in corrector.correct_words(words)) == expected
    written = [Word(text, i * 0.3, i * 0.3 + 0.25, 0.8) for i, text in enumerate(["Her", "metoprolol", "was"])]
    assert corrector.correct_words(written, max_distance=0.5)[1].text == "metoprolol"  # a term as written stays
    aviation = PhoneticCorrector(["Bombardier", "Bombardier jet", "Okafor", "First Officer Okafor"])
    for said in ("on the Bombardier jet", "First Officer Okafor will"):  # not "Bombardier jet jet", "First First"
        words = [Word(text, i * 0.3, i * 0.3 + 0.25, 0.8) for i, text in enumerate(said.split())]
        assert " ".join(word.text for word in aviation.correct_words(words, max_distance=0.45)) == said


def test_a_display_form_keeps_its_capital_whatever_case_whisper_writes():
    """A vet clinic's "Bravecto" came out "bravecto": the phrase "Bravecto chews" was mined lowercase, so the
    hotwords held a lowercase copy for Whisper to write, and nothing put the capital back."""
    from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector

    sentences = ["Bravecto chews protect for twelve weeks.", "Give one Bravecto chew.", "Bravecto chews again."]
    mined = mine_terms(sentences, VOCABULARY, fake_token_count)
    assert [phrase.text for phrase in mined.phrases] == ["Bravecto chews"]
    pronunciations = [
        ("Bravecto", "bra vek toe"),
        ("INR", "i n r"),
        ("KT-450", "k t four fifty"),
        ("glycol", "gly col"),
    ]
    rewriter = DisplayFormRewriter(pronunciations)
    assert rewriter.rewrite_text("Give one bravecto chew, check inr, reset the kt 450.") == (
        "Give one Bravecto chew, check INR, reset the KT-450."
    )
    assert rewriter.rewrite_text("Glycol loop") == "Glycol loop"  # a lowercase display form leaves capitals alone
    assert [w.text for w in rewriter.rewrite_words([Word("bravecto,", 0.0, 0.5, 0.9)])] == ["Bravecto,"]
    assert len(rewriter) == 4 and [r.display for r in rewriter.rewrites].count("Bravecto") == 1
    # A model trained before phrases kept capitals still corrects toward the display form's spelling.
    corrector = PhoneticCorrector(["bravecto chews"], pronunciations)
    said = [
        Word(text, i * 0.3, i * 0.3 + 0.25, 0.8) for i, text in enumerate(["give", "one", "brave", "ecto", "chews"])
    ]
    assert [w.text for w in corrector.correct_words(said)] == ["give", "one", "Bravecto chews"]


def test_trailing_hotword_hallucinations_are_dropped():
    from tunefork.speech.whisper_custom.model import drop_trailing_hotwords

    words = [Word("from", 2.4, 2.7, 0.8), Word("here?", 2.7, 2.9, 0.66), Word("clopidogrel,", 2.9, 3.2, 0.0003)]
    text, kept = drop_trailing_hotwords("How far from here? clopidogrel,", words, "clopidogrel, omeprazole")
    assert text == "How far from here?" and [w.text for w in kept] == ["from", "here?"]
    spoken = [Word("take", 0.0, 0.3, 0.9), Word("clopidogrel.", 0.3, 0.9, 0.4)]
    assert drop_trailing_hotwords("take clopidogrel.", spoken, "clopidogrel")[1] == spoken  # confident: kept
    unlisted = [Word("take", 0.0, 0.3, 0.9), Word("aspirin", 0.3, 0.9, 0.001)]
    assert drop_trailing_hotwords("take aspirin", unlisted, "clopidogrel")[1] == unlisted  # not a hotword


def test_phonetic_corrector_fixes_a_near_miss_and_leaves_general_speech_alone():
    from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector

    corrector = PhoneticCorrector(
        ["hydrochlorothiazide", "clopidogrel", "Okonkwo"],
        [("hydrochlorothiazide", "high dro clor oh thigh a zide"), ("AML", "a m l")],
    )
    said = "Start hydro chloro thigh a zide daily."
    words = [Word(text, i * 0.3, i * 0.3 + 0.25, 0.8) for i, text in enumerate(said.split())]
    corrected = corrector.apply(Transcript(text=said, words=words, duration=3.0, model="m"))
    assert corrected.text == "Start hydrochlorothiazide daily."
    fixed = corrected.words[1]
    assert (fixed.text, fixed.replaced, fixed.start, fixed.end) == (
        "hydrochlorothiazide",
        "hydro chloro thigh a zide",
        0.3,
        1.75,
    )
    assert corrected.to_dict()["words"][1]["replaced"] == "hydro chloro thigh a zide"
    assert "replaced" not in corrected.to_dict()["words"][0]
    dose = " Start hydro chloro thigh a zide 0.5 mg daily."  # Whisper's words " 0" ".5" carry no space between
    tokens = ["Start", "hydro", "chloro", "thigh", "a", "zide", "0", ".5", "mg", "daily."]
    dosed = corrector.apply(Transcript(dose, [Word(t, i * 0.3, i * 0.3 + 0.2, 0.8) for i, t in enumerate(tokens)], 4.0))
    assert dosed.text == "Start hydrochlorothiazide 0.5 mg daily."  # not "0 .5": the rest stays as written
    merged = [Word(t, i * 0.3, i * 0.3 + 0.2, 0.8, replaced="" if i == 8 else None) for i, t in enumerate(tokens)]
    assert corrector.apply(Transcript(dose, merged, 4.0)).text == dosed.text  # a merge's marks are no corrections
    for general in (
        "The kitchen window gets a lot of light in the early morning.",
        "Could you help me carry these boxes up to the attic?",
        "We grilled chicken and corn in the yard for lunch.",
    ):
        plain = Transcript(text=general, words=[Word(w, 0.0, 0.1, 0.9) for w in general.split()], duration=3.0)
        assert corrector.apply(plain) is plain


def test_synthesis_cache_is_reused(tmp_path: Path):
    from tunefork.speech.whisper_custom.augment import synthesis_plan, synthesize_sentences

    plan = synthesis_plan(["Take the dose with food.", "Check the INR."], ["en-us", "en-gb", "en-us+f3", "en-gb+m3"])
    assert len(plan) == 6 and len({voice.name for _, voice in plan}) == 4  # three voices a sentence, in turn
    plan.append(("Check the INR.", Voice("en-us", speed=175, reverb=40)))  # not drawn by the plan
    assert Voice("en-us").label == "en-us-s160-p50" and Voice("en-us", reverb=40).label == "en-us-s160-p50-r40"
    first = synthesize_sentences(plan, tmp_path)
    assert not first.stopped_by_budget and len(first.pairs) == 7 and len({path for path, _ in first.pairs}) == 7
    made = {path: path.stat().st_mtime_ns for path, _ in first.pairs}
    again = synthesize_sentences(plan, tmp_path)
    assert again.pairs == first.pairs and {path: path.stat().st_mtime_ns for path, _ in again.pairs} == made
    assert sorted(tmp_path.iterdir()) == sorted(made)  # nothing else written


def test_sentences_with_a_rare_term_are_spoken_by_more_voices_after_every_sentence_once():
    from tunefork.speech.whisper_custom.augment import synthesis_plan, term_extra_voices

    sentences = [
        "Give 5 milligrams of warfarin tonight.",
        "Check the INR before the warfarin dose.",
        "Milligrams of metformin twice a day.",
        "Metformin with food.",
        "Milligrams again.",
    ]
    terms = ["warfarin", "metformin", "milligrams", "INR", "Okonkwo"]  # Okonkwo is in no sentence
    # 9 clips wanted: warfarin and metformin are in two sentences each (5 voices each), INR in one (8 voices, all
    # there are), milligrams in three (the plain 3); a sentence gets what its rarest term wants
    assert term_extra_voices(sentences, terms, voices=8) == [2, 5, 2, 2, 0]
    assert term_extra_voices(sentences, terms, voices=4) == [1, 1, 1, 1, 0]  # each voice speaks a sentence once
    assert term_extra_voices(sentences, terms, voices=8, term_clips=0) == [0] * 5
    voices = [f"en-us+m{n}" for n in range(1, 9)]
    plain = synthesis_plan(sentences, voices, seed=4)
    plan = synthesis_plan(sentences, voices, seed=4, extra=[2, 5, 2, 2, 0])
    assert plan[: len(plain)] == plain and len(plan) == len(plain) + 11  # the extras come after every sentence
    for sentence, wanted in zip(sentences, [5, 8, 5, 5, 3], strict=True):
        names = [voice.name for text, voice in plan if text == sentence]
        assert len(names) == len(set(names)) == wanted


def test_synthesis_budget_stops_cleanly(tmp_path: Path):
    from tunefork.speech.whisper_custom.augment import synthesis_plan, synthesize_sentences

    plan = synthesis_plan([f"Sentence number {n} about valves." for n in range(30)], ["en-us"], per_sentence=1)
    assert synthesize_sentences(plan, tmp_path / "none", budget_s=0).pairs == []
    partial = synthesize_sentences(plan, tmp_path / "some", budget_s=0.3)
    assert partial.stopped_by_budget and 0 < len(partial.pairs) < len(plan) and partial.planned == len(plan)
    assert [text for _, text in partial.pairs] == [text for text, _ in plan[: len(partial.pairs)]]
    written = sorted((tmp_path / "some").iterdir())
    assert written == sorted(path for path, _ in partial.pairs)  # complete clips only, no temporary files
    assert all(path.stat().st_size > 1000 for path in written)


def test_synthesis_is_on_by_default_for_text_and_little_audio(monkeypatch: pytest.MonkeyPatch):
    from tunefork.speech.whisper_custom.augment import DEFAULT_SYNTHESIS_VOICES
    from tunefork.speech.whisper_custom.trainer import SYNTHESIS_ENV, WhisperOptions, _synthesis_on

    monkeypatch.setenv(SYNTHESIS_ENV, "auto")
    default, clip = WhisperOptions(), (Path("x.wav"), "a b")
    assert _synthesis_on(default, TrainingData(related_text=["a b"]))  # text only
    assert _synthesis_on(default, TrainingData(related_text=["a b"], utterances=[clip]))
    assert not _synthesis_on(default, TrainingData(related_text=["a b"], utterances=[clip] * 200))  # enough audio
    assert not _synthesis_on(default, TrainingData(pronunciations=[("INR", "i n r")]))  # nothing to speak
    assert not _synthesis_on(WhisperOptions(synthesize_text=False), TrainingData(related_text=["a b"]))
    monkeypatch.setenv(SYNTHESIS_ENV, "off")
    assert not _synthesis_on(default, TrainingData(related_text=["a b"]))
    assert _synthesis_on(WhisperOptions(synthesize_text=True), TrainingData(related_text=["a b"]))
    monkeypatch.setenv(SYNTHESIS_ENV, "sometimes")
    with pytest.raises(TuneforkError, match=SYNTHESIS_ENV):
        _synthesis_on(default, TrainingData(related_text=["a b"]))
    # the demo's and the benchmark's test voices never speak training material
    assert not {"en-gb-scotland", "en-029", "en-gb-x-rp"} & {v.split("+")[0] for v in DEFAULT_SYNTHESIS_VOICES}


def test_guard_voices_are_no_accent_the_trainer_synthesizes_with(tmp_path: Path):
    from tunefork.kinds.speech import GUARD_VOICES
    from tunefork.speech.synthesis import synthesize_cached
    from tunefork.speech.whisper_custom.augment import DEFAULT_SYNTHESIS_VOICES

    def accent(voice: str) -> str:
        return voice.split("+")[0]

    guard = {accent(voice.name) for voice in GUARD_VOICES}
    # a model fine-tuned on the synthesized related text is checked on general speech in accents it never heard
    assert not guard & {accent(voice) for voice in DEFAULT_SYNTHESIS_VOICES}
    assert len({voice.name for voice in GUARD_VOICES}) == len(GUARD_VOICES) == 4
    # every guard accent is one espeak-ng has, and every variant changes the voice (espeak-ng speaks an unknown
    # voice or variant without an error, in its default voice or the plain accent)
    listed = subprocess.run(["espeak-ng", "--voices=en"], capture_output=True, text=True, check=True).stdout
    assert guard <= {line.split()[1] for line in listed.splitlines()[1:]}
    plain = [Voice(accent(voice.name), speed=voice.speed) for voice in GUARD_VOICES if "+" in voice.name]
    voices = [*GUARD_VOICES, *plain]
    clips = {read_audio(synthesize_cached("The kettle is on.", tmp_path, voice)).samples.tobytes() for voice in voices}
    assert len(clips) == len(voices)


def test_checkpoint_selection_holds_out_whole_sentences_whose_words_are_trained_elsewhere():
    from tunefork.speech.whisper_custom.finetune import Clip, sentence_words, split_heldout

    sentences = [
        "Take the dose with food.",
        "Take the dose at night.",
        "Check the dose with food at night.",
        "Doctor Okonkwo reviewed it.",  # its words occur nowhere else: never held out while others can be
        "Take the food at night.",
    ]
    clips = [Clip(samples=np.zeros(1600, dtype=np.float32), text=text) for text in sentences for _ in range(3)]
    for seed in range(20):
        held, train = split_heldout(clips, 6, np.random.default_rng(seed))
        assert len(held) == 6 and len(held) + len(train) == len(clips)
        held_texts = {clip.text for clip in held}
        assert len(held_texts) == 2 and not held_texts & {clip.text for clip in train}  # every voice of a sentence
        assert "Doctor Okonkwo reviewed it." not in held_texts
        assert set().union(*(sentence_words(text) for text in held_texts)) <= set().union(
            *(sentence_words(c.text) for c in train)
        )
    # one sentence only: at least one clip is left to train on, so nothing is held out
    assert split_heldout(clips[:3], 2, np.random.default_rng(0)) == ([], clips[:3])


def test_the_budget_keeps_back_the_measured_cost_of_evaluating_a_checkpoint():
    from tunefork.speech.whisper_custom.finetune import EpochRecord, evaluation_reserve

    base = EpochRecord(0, 0, None, None, 1.6, seconds=9.0, eval_seconds=9.0, heldout_errors=30, decoded_clips=2)
    assert evaluation_reserve([]) == 0.0
    # no checkpoint evaluated yet: the estimate of the first one and the rest of the base, from the base's probe
    assert evaluation_reserve([base], 38.0) == 38.0
    first = EpochRecord(1, 28, 1.1, 0.2, 0.7, seconds=150.0, eval_seconds=14.0)
    second = EpochRecord(2, 56, 0.8, 0.1, 0.6, seconds=140.0, eval_seconds=16.0)
    assert evaluation_reserve([base, first], 38.0) == 14.0  # a checkpoint's own cost, not its epoch's training
    assert evaluation_reserve([base, first, second], 38.0) == 16.0
    assert evaluation_reserve([base, second, first]) == 16.0  # the most a checkpoint took: it varies with the load


def test_held_out_decoding_stops_once_the_base_cannot_win(speak):
    from inspect import GEN_CREATED, GEN_SUSPENDED, getgeneratorstate

    from tunefork.speech.whisper_custom.finetune import Clip, HeldoutTally, tally_heldout
    from tunefork.speech.whisper_custom.trainer import WhisperOptions, _heldout_evaluator

    base = str(bundled_tiny_en_path())
    texts = ["Take escitalopram and rosuvastatin.", "Take the dose with food.", "Check the dose at night."]
    clips = [Clip(read_audio(speak(text, "en-gb-scotland")).samples, text) for text in texts]
    evaluate = _heldout_evaluator("held-out", "", DisplayFormRewriter([]), base, WhisperOptions())

    # The best checkpoint made no error: the base, which mishears the drug names, is over it after the first clip.
    tally, decoding = HeldoutTally(), evaluate(base, clips)
    assert tally_heldout(decoding, tally, stop_above=0) is False
    assert tally.clips == 1 and tally.words == 4 and tally.errors > 0
    assert getgeneratorstate(decoding) == GEN_SUSPENDED  # the other clips were not decoded
    errors, words = next(decoding)  # the evaluator decodes the next clip only when asked
    assert words == 5 and errors >= 0

    over, decoding = HeldoutTally(errors=3, words=4, clips=1), evaluate(base, clips[1:])
    assert tally_heldout(decoding, over, stop_above=2) is False and over.clips == 1
    assert getgeneratorstate(decoding) == GEN_CREATED  # over already: no model loaded, no clip decoded

    full = HeldoutTally()  # within the limit (or none): every clip counts, the corpus WER a full evaluation gives
    assert tally_heldout(iter([(2, 4), (0, 5), (1, 5)]), full, stop_above=3) is True
    assert (full.clips, full.errors, full.words, full.wer) == (3, 3, 14, 3 / 14)
    over_at_last = HeldoutTally()  # over the limit at the last clip
    assert tally_heldout(iter([(2, 4), (0, 5), (1, 5)]), over_at_last, stop_above=2) is False


def test_options_are_parsed_and_checked():
    from tunefork.speech.whisper_custom import WhisperOptions

    options = WhisperOptions.parse(
        {"synthesize_text": "yes", "synthesis_voices": "en-us, en-gb", "time_budget_s": None, "held_out": "3"}
    )
    assert options.synthesize_text is True and options.synthesis_voices == ("en-us", "en-gb")
    assert options.time_budget_s is None and options.held_out == 3 and options.max_hotword_tokens is None
    with pytest.raises(TuneforkError, match="not valid"):
        WhisperOptions.parse({"augment": "maybe"})


def test_fine_tuning_gets_what_the_run_budget_leaves():
    from tunefork.speech.whisper_custom.trainer import WhisperOptions, finetune_budget, term_report_reserve

    default = WhisperOptions()
    assert finetune_budget(default, 0.0, 60.0) == 420.0  # 480 s run, less what the term report may take
    assert finetune_budget(default, 150.0, 60.0) == 270.0  # after ranking and synthesis spent their budgets
    assert finetune_budget(default, 470.0, 60.0) == 30.0  # a slow start still trains a little
    assert finetune_budget(default, 150.0, 20.0) == 310.0
    assert finetune_budget(WhisperOptions(run_budget_s=None), 300.0, 60.0) == 540.0
    assert finetune_budget(WhisperOptions(run_budget_s=None, time_budget_s=None), 300.0, 60.0) is None
    assert finetune_budget(WhisperOptions(run_budget_s=10_000.0), 0.0, 60.0) == 540.0
    # The report transcribes the ranking's sentences again: twice the ranking's time is kept back, at most its budget.
    ranking = {"transcripts": {"Take the dose with food.": "take the doors with food"}, "seconds": 12.5}
    assert term_report_reserve(default, ranking) == 25.0
    assert term_report_reserve(default, {**ranking, "seconds": 45.0}) == 60.0
    assert term_report_reserve(default, {"skipped": "espeak-ng is missing"}) == 0.0  # no report will run
    assert term_report_reserve(WhisperOptions(term_report_budget_s=0), ranking) == 0.0


# --- training from text and pronunciations, end to end ---------------------------------------


def test_text_and_pronunciation_training_loads_transcribes_and_rewrites(tmp_path: Path, speak, count_tokens):
    sentences = [
        "Start metoprolol 25 milligrams twice daily with food.",
        "Doctor Okonkwo reviewed the metoprolol dose this morning.",
        "Continue atorvastatin 40 milligrams at bedtime.",
        "Check the INR before the next dose.",
    ]
    # "morning" -> "AM" proves a rewrite happens on real recognizer output ("morning" is everyday English: only with
    # the option; the default run below leaves it alone).
    pronunciations = [("AM", "morning"), ("INR", "i n r")]
    calls, progress = progress_log()
    output = tmp_path / "artifact"
    result = train(
        "whisper-tiny.en",
        TrainingData(related_text=sentences, pronunciations=pronunciations),
        # A generous report budget, so that a loaded machine still finishes the report (the default 60 s ran
        # out once at load average 10): this test checks what the report holds, not how fast it is.
        TrainingParameters(
            options={"max_hotword_tokens": 24, "term_report_budget_s": 600, "rewrite_everyday_phrases": True}
        ),
        output,
        progress,
    )
    config = result.engine_config
    assert config["model_dir"] is None and config["base_model"] == "whisper-tiny.en"
    assert config["phonetic_terms"] == "terms.json"
    assert "metoprolol" in config["hotwords"] and "atorvastatin" in config["hotwords"]
    assert json.loads((output / config["display_forms"]).read_text()) == [["INR", "i n r"], ["AM", "morning"]]
    contributions = result.contributions
    assert contributions["related_text"]["terms_mined"] >= 3
    assert contributions["hotwords"]["tokens"] <= 24 + count_tokens(" AM, INR") + 2
    ranking = contributions["hotwords"]["ranking"]
    assert ranking["terms_tried"] >= 3 and ranking["seconds"] <= 60 + 30
    assert set(ranking["missed_by_base"]) | set(ranking["heard_by_base"]) >= {"metoprolol", "atorvastatin"}
    assert contributions["pronunciations"]["rewrites"] == 2
    assert contributions["utterances"]["fine_tune"] is None
    # The served model transcribed the ranking's sentences again: every term scored by both gets a verdict.
    report = contributions["term_report"]
    assert report["sentences"] == report["sentences_planned"] >= 2 and not report["stopped_by_budget"]
    scored = {row["term"]: row for row in report["terms"]}
    assert {"metoprolol", "atorvastatin", "inr"} <= set(scored)  # mined terms and display forms
    assert sum(report["counts"].values()) == len(scored)
    for row in scored.values():
        assert row["verdict"] == verdict(row["base_missed"], row["custom_missed"])
    assert report["counts"]["improved"] >= 1  # the hotwords teach the served model a term the base misses
    assert calls and calls[-1][0] == calls[-1][1]
    assert result.warnings == []
    default = train(
        "whisper-tiny.en",
        TrainingData(related_text=sentences, pronunciations=pronunciations),
        TrainingParameters(options={"term_report_budget_s": 0}),
        tmp_path / "d",
        lambda *a: None,
    )
    assert json.loads((tmp_path / "d" / config["display_forms"]).read_text()) == [["INR", "i n r"]]
    assert default.contributions["pronunciations"]["everyday_not_rewritten"] == [{"display": "AM", "spoken": "morning"}]
    assert "AM = 'morning'" in default.warnings[0] and "--rewrite-everyday-phrases" in default.warnings[0]
    assert "AM" in default.engine_config["hotwords"]  # still a hotword
    assert default.contributions["hotwords"]["max_tokens"] == 223  # no fine-tuning: faster-whisper's cap
    assert default.contributions["term_report"] == {"skipped": "term_report_budget_s is 0"}
    assert not (output / ".work").exists()

    model = load(output, {"name": "pharmacy", "engine_config": config})
    assert isinstance(model, SpeechModel) and model.name == "pharmacy"
    clip = speak("Doctor Okonkwo reviewed the dose this morning.", "en-us")
    transcript = model.transcribe(read_audio(clip).samples)
    assert transcript.model == "pharmacy"
    assert "AM" in transcript.text and "morning" not in transcript.text.lower()
    assert "AM" in [word.text.strip(".,") for word in transcript.words]


def test_training_without_data_fails_clearly(tmp_path: Path):
    with pytest.raises(TuneforkError, match="no usable training data"):
        train("whisper-tiny.en", TrainingData(), TrainingParameters(), tmp_path / "out", lambda *a: None)


def test_unknown_option_and_non_whisper_base_fail_clearly(tmp_path: Path):
    data = TrainingData(related_text=["Take metoprolol daily."])
    with pytest.raises(TuneforkError, match="unknown whisper training option"):
        train("whisper-tiny.en", data, TrainingParameters(options={"hotword": 1}), tmp_path / "a", lambda *a: None)
    with pytest.raises(TuneforkError, match="not a Whisper base model"):
        train("sphinx-en-us", data, TrainingParameters(), tmp_path / "b", lambda *a: None)


def test_unusable_audio_fails_with_reasons(tmp_path: Path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"not audio at all")
    data = TrainingData(utterances=[(broken, "take metoprolol")])
    with pytest.raises(TuneforkError, match="none of the 1 audio clips is usable"):
        train("whisper-tiny.en", data, TrainingParameters(epochs=1), tmp_path / "out", lambda *a: None)


# --- slow: PyTorch conversion and fine-tuning ------------------------------------------------


@pytest.mark.slow
def test_ct2_to_transformers_round_trip_is_exact_and_transcribes_the_same(tmp_path: Path, speak):
    from tunefork.speech.whisper_custom.checkpoint import (
        load_transformers_model,
        read_ct2_checkpoint,
        read_vocabulary,
        save_ct2_model,
    )
    from tunefork.speech.whisper_custom.finetune import greedy_decode
    from tunefork.speech.whisper_engine import WhisperEngine

    base = bundled_tiny_en_path()
    model = load_transformers_model(base)
    assert model.proj_out.weight.data_ptr() == model.model.decoder.embed_tokens.weight.data_ptr()
    converted = save_ct2_model(model, base, tmp_path / "ct2", quantization="float16")
    original, again = read_ct2_checkpoint(base), read_ct2_checkpoint(converted)
    assert set(original.variables) <= set(again.variables)
    for name, value in original.variables.items():
        assert np.array_equal(value, again.variables[name]), name
    assert read_vocabulary(converted) == read_vocabulary(base)
    assert json.loads((converted / "config.json").read_text()) == json.loads((Path(base) / "config.json").read_text())

    samples = read_audio(speak("Please send the refill to the pharmacy on Elm Street.", "en-us")).samples
    assert (
        WhisperEngine(str(converted), "rt").transcribe(samples).text
        == WhisperEngine(base, "b").transcribe(samples).text
    )
    # The PyTorch model itself (split QKV, tied projection) decodes what CTranslate2 decodes greedily.
    from faster_whisper import WhisperModel

    segments, _ = WhisperModel(base, device="cpu", compute_type="float32").transcribe(
        samples, beam_size=1, without_timestamps=True, temperature=0.0, condition_on_previous_text=False
    )
    expected = " ".join(segment.text.strip() for segment in segments)
    assert greedy_decode(model, base, samples).strip() == expected


@pytest.mark.slow
def test_fine_tune_a_few_steps_loads_transcribes_and_card_is_complete(tmp_path: Path, speak):
    sentences = [
        "Start metoprolol 25 milligrams twice daily with food.",
        "Doctor Okonkwo reviewed the metoprolol dose this morning.",
        "Continue atorvastatin 40 milligrams at bedtime for cholesterol.",
        "Take levothyroxine every morning on an empty stomach.",
        "Omeprazole 20 milligrams should be taken before breakfast.",
        "Increase lisinopril to 10 milligrams once daily.",
    ]
    utterances = [(speak(text, "en-us"), text) for text in sentences]
    calls, progress = progress_log()
    output = tmp_path / "artifact"
    result = train(
        "whisper-tiny.en",
        TrainingData(related_text=sentences, pronunciations=[("INR", "i n r")], utterances=utterances),
        TrainingParameters(epochs=1, options={"batch_size": 4, "held_out": 2, "threads": 2, "synthesize_text": False}),
        output,
        progress,
    )
    fine_tune = result.contributions["utterances"]["fine_tune"]
    assert result.contributions["hotwords"]["max_tokens"] == 64  # fine-tuned: the shorter, measured cap
    assert fine_tune["steps"] == 1 and fine_tune["train_clips"] == 4 and fine_tune["heldout_clips"] == 2
    base, tuned = fine_tune["history"]
    assert (
        (base["epoch"], tuned["epoch"]) == (0, 1) and tuned["heldout_wer"] is not None and tuned["decoded_clips"] == 2
    )
    if base["heldout_wer"] is None:  # the base stopped decoding once its errors exceeded the checkpoint's
        assert base["decoded_clips"] < 2 and base["heldout_errors"] > tuned["heldout_errors"]
        assert fine_tune["chosen_epoch"] == 1
    else:
        assert base["decoded_clips"] == 2
    assert fine_tune["chosen_epoch"] in (0, 1)
    for key in ("selection", "seconds", "precision", "stopped_by_time_budget"):
        assert key in fine_tune
    assert result.contributions["utterances"]["usable"] == 6
    assert result.contributions["training_seconds"] > 0
    budget = result.contributions["budget"]  # the card states the time budget each phase ran under
    assert budget["fine_tuning_budget_s"] == fine_tune["time_budget_s"] and budget["run_budget_s"] == 480.0
    assert budget["summary"].startswith("Time budget: ranking") and "fine-tuning" in budget["summary"]
    config = result.engine_config
    if fine_tune["chosen_epoch"]:
        assert config["model_dir"] == "ct2" and (output / "ct2" / "model.bin").is_file()
        assert (output / "ct2" / "tokenizer.json").is_file()
        decoding = fine_tune["decoding"]  # the fewest held-out errors; a tie to the safest while held-out WER is low
        assert decoding["heldout_clips"] == 2 and len(decoding["tried"]) == 4
        assert decoding["heldout_wer"] == tuned["heldout_wer"]
        fewest = min(tried["heldout_errors"] for tried in decoding["tried"])
        order = decoding["tried"] if decoding["heldout_wer"] <= 0.05 else decoding["tried"][::-1]
        first = next(tried for tried in order if tried["heldout_errors"] == fewest)
        assert decoding["chosen"] == {key: first[key] for key in ("merge_check_sound", "phonetic_correction")}
        assert config["merge_check_sound"] is decoding["chosen"]["merge_check_sound"]
        assert (config["phonetic_terms"] is not None) is decoding["chosen"]["phonetic_correction"]
    else:
        assert config["model_dir"] is None and not (output / "ct2").exists()
        assert config["merge_check_sound"] is True and config["phonetic_terms"] == "terms.json"
    assert not (output / ".work").exists()
    assert any("fine-tuning epoch 1/1" in description for _, _, description in calls)
    said = [description for _, _, description in calls]  # held-out decoding is named, not left under the last step
    assert "fine-tuning: decoding the base model on 2 held-out clips" in said
    assert "fine-tuning: decoding the epoch 1 checkpoint on 2 held-out clips" in said

    model = load(output, {"name": "tuned", "engine_config": config})
    transcript = model.transcribe(read_audio(speak("Take the dose with food.", "en-gb")).samples)
    assert transcript.text and transcript.model == "tuned"


def test_fine_tuning_cut_before_one_pass_over_its_clips_warns():
    from tunefork.speech.whisper_custom.trainer import short_fine_tuning_warning

    cut = {"stopped_by_time_budget": True, "steps": 1, "train_clips": 240}
    warning = short_fine_tuning_warning(cut, batch_size=8)
    assert warning is not None and warning.startswith("fine-tuning was stopped by its time budget after 1 of the 30 ")
    assert "--time-budget SECONDS" in warning  # advice a user can follow (it named engine options: a review)
    assert short_fine_tuning_warning({**cut, "steps": 30}, batch_size=8) is None  # one whole pass
    assert short_fine_tuning_warning({**cut, "stopped_by_time_budget": False}, batch_size=8) is None
    assert short_fine_tuning_warning(None, batch_size=8) is None  # no fine-tuning at all


def test_the_budget_summary_says_when_fine_tuning_was_cut_short():
    from types import SimpleNamespace

    from tunefork.speech.whisper_custom.trainer import WhisperOptions, _budget

    cut = {"seconds": 396.0, "time_budget_s": 406.0, "stopped_by_time_budget": True, "steps": 21, "epochs_requested": 5}
    summary = _budget(WhisperOptions(), {"seconds": 3.0}, SimpleNamespace(seconds=5.0), cut)["summary"]
    assert "fine-tuning 396 s (budget 406 s), stopped by it after 21 steps of the 5 epochs asked," in summary
    one = _budget(WhisperOptions(), {"seconds": 3.0}, SimpleNamespace(seconds=5.0), {**cut, "steps": 1})["summary"]
    assert "stopped by it after 1 step of the 5 epochs asked," in one
    whole = {**cut, "stopped_by_time_budget": False}
    assert "stopped" not in _budget(WhisperOptions(), {"seconds": 3.0}, SimpleNamespace(seconds=5.0), whole)["summary"]


def test_long_related_text_lines_are_spoken_in_sentence_sized_pieces(tmp_path: Path):
    """A 30,000-word related-text line passed upload, then training crashed: espeak-ng took the text as one
    command-line argument (over Linux's 128 KiB limit), and Whisper hears 30 s at most (a formats review)."""
    from tunefork.speech.customization import MAX_SENTENCE_WORDS, TrainingData
    from tunefork.speech.synthesis import synthesize

    long_line = " ".join(["refill the lisinopril"] * 20_000)  # 60,000 words, no sentence end
    text = "Take two tablets. " + "One more sentence here. " * 30
    data = TrainingData.from_records([("language", {"text": long_line}), ("language", {"text": text}),
                                      ("language", {"text": "A short line."})])  # fmt: skip
    assert max(len(piece.split()) for piece in data.related_text) == MAX_SENTENCE_WORDS
    assert data.related_text[-32:] == ["Take two tablets.", *["One more sentence here."] * 30, "A short line."]
    assert " ".join(data.related_text[:-32]) == long_line  # nothing lost
    said = synthesize("-5 degrees", tmp_path / "dash.wav")  # text from a file: no length limit, '-5' is not an option
    assert read_audio(said).duration > 0.5


def test_silent_and_long_recordings_are_left_out_of_fine_tuning_and_said(tmp_path: Path) -> None:
    """A speech review's model, fine-tuned on a silent clip, wrote its transcript on any silence; clips over 30 s
    (28% of the audio) were left out with nothing said but a line of the card's JSON."""
    import soundfile as sf

    from tunefork.speech.whisper_custom.trainer import _load_clips, left_out_warning

    rate = 16_000
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(rate * 2) / rate)
    for name, samples in (("ok.wav", tone), ("silent.wav", np.zeros(rate * 2)), ("long.wav", np.tile(tone, 16))):
        sf.write(tmp_path / name, samples.astype(np.float32), rate, subtype="PCM_16")
    pairs = [(tmp_path / name, "check the tire pressure") for name in ("ok.wav", "silent.wav", "long.wav")]
    clips, rejected = _load_clips(pairs, "audio")
    assert len(clips) == 1 and rejected == [
        "silent.wav: silent (no speech to learn its transcript from)",
        "long.wav: longer than 30 s (Whisper's window; split it in sentences)",
    ]
    assert left_out_warning(rejected, 3) == (
        "2 of the 3 recorded clips were not fine-tuned on: silent.wav: silent (no speech to learn its transcript "
        "from); long.wav: longer than 30 s (Whisper's window; split it in sentences) (the first 20 on the card, "
        "contributions.utterances.rejected)."
    )
    assert left_out_warning([], 3) is None
