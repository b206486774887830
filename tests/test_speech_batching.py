"""Concurrent Whisper requests are decoded together and give the transcripts they get alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tunefork.audio import read_audio
from tunefork.errors import SettingError
from tunefork.speech.batching import BatchingWhisper, Coalescer, InferenceConfig, _storage
from tunefork.speech.encoder_window import content_frames, window_frames
from tunefork.speech.whisper_custom.display_forms import DisplayFormRewriter
from tunefork.speech.whisper_custom.model import CustomWhisperModel
from tunefork.speech.whisper_engine import WhisperEngine, bundled_tiny_en_path

SENTENCES = [
    "the patient takes metoprolol twice a day",
    "please call me back at five o'clock",
    "the weather is cold and windy today",
    "my flight to chicago leaves tomorrow morning",
]


@pytest.fixture(scope="module")
def clips(speak) -> list:
    voices = ("en-us", "en-gb")
    return [read_audio(speak(text, voices[i % 2])).samples for i, text in enumerate(SENTENCES)]


def _at_once(transcribe, clips: list) -> list:
    """Transcripts of ``clips`` sent together, released at the same moment."""
    start = threading.Barrier(len(clips))

    def one(samples):
        start.wait()
        return transcribe(samples)

    with ThreadPoolExecutor(len(clips)) as pool:
        return list(pool.map(one, clips))


def _batched(model: WhisperEngine) -> BatchingWhisper:
    batching = model._model.model
    assert isinstance(batching, BatchingWhisper)
    return batching


def test_config_reads_the_environment_and_refuses_nonsense(monkeypatch) -> None:
    assert InferenceConfig.from_env() == InferenceConfig(cpu_threads=1, workers=2, max_batch=8)  # the defaults
    monkeypatch.setenv("TUNEFORK_WHISPER_THREADS", "2")
    monkeypatch.setenv("TUNEFORK_WHISPER_WORKERS", "1")
    monkeypatch.setenv("TUNEFORK_WHISPER_BATCH", "4")
    assert InferenceConfig.from_env() == InferenceConfig(cpu_threads=2, workers=1, max_batch=4)
    monkeypatch.setenv("TUNEFORK_WHISPER_BATCH", "0")
    with pytest.raises(SettingError, match="TUNEFORK_WHISPER_BATCH='0' is not usable: give a whole number of at least"):
        InferenceConfig.from_env()
    assert InferenceConfig(max_batch=1, workers=1).serial and not InferenceConfig(max_batch=1, workers=2).serial


def test_coalescer_batches_the_calls_that_wait_and_hands_errors_to_each() -> None:
    release, entered = threading.Event(), threading.Event()

    def run(key, inputs):
        if inputs == ["first"]:
            entered.set()
            release.wait(10)
        if "boom" in inputs:
            raise RuntimeError("batch failed")
        return [f"{key}:{item}" for item in inputs]

    coalescer = Coalescer(run, max_batch=3)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(coalescer.submit, "k", "first")
        entered.wait(10)
        later = [pool.submit(coalescer.submit, "k", f"n{i}") for i in range(4)]
        while sum(len(calls) for calls in coalescer._waiting.values()) < 4:
            threading.Event().wait(0.01)
        release.set()
        assert first.result() == "k:first"
        assert sorted(f.result() for f in later) == ["k:n0", "k:n1", "k:n2", "k:n3"]
    assert coalescer.batch_sizes == [1, 3, 1]
    with pytest.raises(RuntimeError, match="batch failed"):
        coalescer.submit("k", "boom")
    assert coalescer.submit("k", "after") == "k:after"


def test_batched_transcripts_equal_the_unbatched_ones(clips, monkeypatch) -> None:
    monkeypatch.setenv("TUNEFORK_WHISPER_BATCH", "1")
    monkeypatch.setenv("TUNEFORK_WHISPER_WORKERS", "1")
    alone = WhisperEngine(bundled_tiny_en_path(), name="whisper-tiny.en")
    assert not isinstance(alone._model.model, BatchingWhisper)
    expected = [alone.transcribe(samples) for samples in clips]
    monkeypatch.setenv("TUNEFORK_WHISPER_BATCH", "8")
    monkeypatch.delenv("TUNEFORK_WHISPER_WORKERS")  # the default layout: two decodes in parallel
    batched = WhisperEngine(bundled_tiny_en_path(), name="whisper-tiny.en")
    got = _at_once(batched.transcribe, clips * 2)  # eight requests at once: some must wait for the model
    assert [t.to_dict() for t in got] == [t.to_dict() for t in expected * 2]
    assert max(_batched(batched).batch_sizes["encode"]) > 1


def test_custom_models_keep_hotwords_and_display_forms_when_batched(clips, monkeypatch) -> None:
    def custom() -> CustomWhisperModel:
        rewriter = DisplayFormRewriter([("BID", "twice a day")])
        return CustomWhisperModel("custom", bundled_tiny_en_path(), hotwords="metoprolol, Chicago", rewriter=rewriter)

    monkeypatch.setenv("TUNEFORK_WHISPER_BATCH", "1")
    monkeypatch.setenv("TUNEFORK_WHISPER_WORKERS", "1")
    expected = [custom().transcribe(samples) for samples in clips]
    monkeypatch.setenv("TUNEFORK_WHISPER_BATCH", "8")
    monkeypatch.delenv("TUNEFORK_WHISPER_WORKERS")
    model = custom()
    got = _at_once(model.transcribe, clips * 2)
    assert [t.to_dict() for t in got] == [t.to_dict() for t in expected * 2]
    assert "BID" in got[0].text
    assert max(_batched(model.whisper).batch_sizes["encode"]) > 1


def test_a_lone_request_is_not_held_back(clips, monkeypatch) -> None:
    monkeypatch.setenv("TUNEFORK_WHISPER_BATCH", "8")
    model = WhisperEngine(bundled_tiny_en_path(), name="whisper-tiny.en")
    model.transcribe(clips[0])
    model.transcribe(clips[1])
    assert _batched(model).batch_sizes["encode"] == [1, 1]


def test_window_sizes_follow_the_audio_not_the_padding() -> None:
    silence = np.full((80, 250), -1.5, dtype=np.float32)  # digital silence is not zero once normalized
    padded = np.zeros((1, 80, 3000), dtype=np.float32)
    padded[0, :, :250] = silence
    assert content_frames(padded) == 250 and content_frames(np.zeros((80, 3000), dtype=np.float32)) == 0
    assert [window_frames(frames) for frames in (0, 250, 850, 1050, 2900, 3000)] == [1000, 1000, 1100, 1300, 3000, 3000]


def test_a_short_utterance_is_encoded_in_a_window_of_its_size(clips) -> None:
    from faster_whisper.audio import pad_or_trim

    model = WhisperEngine(bundled_tiny_en_path(), name="whisper-tiny.en")._model
    features = model.feature_extractor(clips[0])
    assert features.shape[-1] < 500  # a clip of a few seconds
    encoded = np.asarray(model.encode(pad_or_trim(features)))
    assert encoded.shape[1] == 1000 // 2  # the 10 s floor, not 30 s (the encoder halves the frames)


def test_coalescer_runs_one_batch_per_worker_at_once() -> None:
    inside, release = threading.Semaphore(0), threading.Event()

    def run(key, inputs):
        inside.release()
        release.wait(10)
        return list(inputs)

    coalescer = Coalescer(run, max_batch=8, parallel=2)
    with ThreadPoolExecutor(5) as pool:
        first = [pool.submit(coalescer.submit, "k", i) for i in range(2)]
        assert inside.acquire(timeout=10) and inside.acquire(timeout=10)  # both run at once
        later = [pool.submit(coalescer.submit, "k", i) for i in range(2, 5)]
        while sum(len(calls) for calls in coalescer._waiting.values()) < 3:
            threading.Event().wait(0.01)
        release.set()
        assert [f.result() for f in first + later] == [0, 1, 2, 3, 4]
    assert coalescer.batch_sizes == [1, 1, 3] and not coalescer._running


def test_windows_of_different_lengths_are_never_decoded_together(monkeypatch) -> None:
    """Long clips without speech (hold music) sent at once failed with 500: a 30 s window and a shorter last one,
    with the same prompt, were joined in one beam search (a security review)."""
    from faster_whisper.tokenizer import Tokenizer

    monkeypatch.setenv("TUNEFORK_WHISPER_WORKERS", "1")
    engine = WhisperEngine(bundled_tiny_en_path(), name="whisper-tiny.en")
    batching = _batched(engine)
    tokenizer = Tokenizer(engine._model.hf_tokenizer, multilingual=False)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    windows = [batching.model.encode(_storage(np.full((1, 80, frames), -1.5, dtype=np.float32)))
               for frames in (3000, 1000)]  # fmt: skip
    start = threading.Barrier(5)

    def decode(encoder_output):
        start.wait()
        return batching.generate(encoder_output, [prompt], beam_size=5, max_length=20)[0].sequences_ids[0]

    with ThreadPoolExecutor(5) as pool:  # one decodes at once, the four others wait: two of each window length
        got = list(pool.map(decode, [windows[0], windows[0], windows[1], windows[0], windows[1]]))
    alone = [batching.model.generate(window, [prompt], beam_size=5, max_length=20)[0].sequences_ids[0]
             for window in windows]  # fmt: skip
    assert got == [alone[0], alone[0], alone[1], alone[0], alone[1]]
    assert max(batching.batch_sizes["generate"]) > 1  # some did wait and decode together, by window length
