"""Whisper decoding choices on short clean clips: general WER, insertions, hallucinated endings, RTF.

Compares, on the first ``--guard`` sentences of the general guard set (four espeak-ng voices, cached) and
``--domain`` held-out pharmacy sentences (Scottish voice, never used for training):

* ``faster-whisper default``: plain ``WhisperModel.transcribe`` (beam 5, timestamps, temperature fallback,
  conditioned on previous text) with ``ctranslate2.set_random_seed(0)``, the baseline to match;
* ``former tunefork``: temperature 0 without the fallback, one window without timestamps;
* ``tunefork``: :class:`~tunefork.speech.whisper_engine.WhisperEngine` as it decodes today.

    .venv/bin/python bench/whisper_decoding.py --guard 60 --domain 20
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel

from tunefork.audio import read_audio
from tunefork.evaluation.metrics import score_corpus
from tunefork.kinds.speech import GUARD_VOICES
from tunefork.sample_data import read_lines
from tunefork.speech.synthesis import Voice, synthesize_cached
from tunefork.speech.whisper_engine import WhisperEngine, bundled_tiny_en_path

Decoder = Callable[[np.ndarray], str]


def plain(model: WhisperModel, **options: object) -> Decoder:
    """Plain faster-whisper decoding with ``options`` on top of its defaults, seeded like tunefork's."""

    def decode(samples: np.ndarray) -> str:
        ctranslate2.set_random_seed(0)
        segments, _ = model.transcribe(samples, language="en", beam_size=5, word_timestamps=True, **options)
        return " ".join(segment.text.strip() for segment in segments).strip()

    return decode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guard", type=int, default=60, help="Guard sentences to use (of 240).")
    parser.add_argument("--domain", type=int, default=20, help="Held-out domain sentences to use (of 40).")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tunefork-bench-audio")
    args = parser.parse_args()
    guard = read_lines("guard_sentences.txt")[: args.guard]
    domain = read_lines("domain_sentences.txt")[60 : 60 + args.domain]
    sets = {
        "general": [
            (synthesize_cached(text, args.cache, GUARD_VOICES[i % len(GUARD_VOICES)], seed=i), text)
            for i, text in enumerate(guard)
        ],
        "domain": [(synthesize_cached(text, args.cache, Voice("en-gb-scotland")), text) for text in domain],
    }
    audio = {name: [(read_audio(path).samples, text) for path, text in items] for name, items in sets.items()}
    path = bundled_tiny_en_path()
    model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=2)
    engine = WhisperEngine(path, name="whisper-tiny.en")
    decoders: dict[str, Decoder] = {
        "faster-whisper default": plain(model),
        "former tunefork": plain(model, without_timestamps=True, temperature=0.0, condition_on_previous_text=False),
        "tunefork": lambda samples: engine.transcribe(samples).text,
    }
    print("| decoding | general WER | insertions | ending 'thank you' | domain WER | RTF |")
    print("|---|---|---|---|---|---|")
    for label, decode in decoders.items():
        scores, thanks, seconds, compute = {}, 0, 0.0, 0.0
        for name, items in audio.items():
            triples = []
            for index, (samples, text) in enumerate(items):
                started = time.perf_counter()
                hypothesis = decode(samples)
                compute += time.perf_counter() - started
                seconds += len(samples) / 16_000
                triples.append((str(index), text, hypothesis))
                thanks += name == "general" and "thank" in hypothesis.lower()
            scores[name] = score_corpus(triples)
        general = scores["general"]
        print(
            f"| {label} | {100 * general.wer:.1f}% | {general.insertions} | {thanks}/{len(guard)} "
            f"| {100 * scores['domain'].wer:.1f}% | {compute / seconds:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
