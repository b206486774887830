"""Benchmark the bundled baseline speech models on generated general and domain speech.

Prints, for each base model and condition: WER, term recall (domain sentences) and real-time factor.
Audio is synthesized with espeak-ng in several voices, plus one noisy condition (white noise, 10 dB SNR).

    .venv/bin/python bench/speech_baseline.py            # full run (~5 minutes on 2 cores)
    .venv/bin/python bench/speech_baseline.py --quick    # a smoke run on a few sentences
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from tunefork.audio import read_audio
from tunefork.evaluation.comparison import compare_models
from tunefork.sample_data import read_lines
from tunefork.speech.registry import list_base_models, load_base_model
from tunefork.speech.synthesis import Voice, synthesize_cached

HELD_OUT_DOMAIN = slice(60, 100)
"""The 40 domain sentences that customization never trains on (as in bench/speech_customization.py)."""


@dataclass(frozen=True)
class Condition:
    name: str
    voices: tuple[Voice, ...]
    noise_snr_db: float | None = None


CONDITIONS = (
    Condition("clean, 3 voices", (Voice("en-us"), Voice("en-gb", speed=150), Voice("en-us+f3", speed=170))),
    Condition("accented (scotland, caribbean)", (Voice("en-gb-scotland"), Voice("en-029"))),
    Condition("noisy 10 dB SNR", (Voice("en-us"),), noise_snr_db=10.0),
)


def synthesize_set(sentences: list[str], condition: Condition, cache: Path) -> dict[str, tuple[Path, str]]:
    """``{id: (wav, reference)}`` for every sentence in the condition's voices (in turn)."""
    items = {}
    for index, sentence in enumerate(sentences):
        voice = condition.voices[index % len(condition.voices)]
        items[f"s{index:03d}"] = (
            synthesize_cached(sentence, cache, voice, condition.noise_snr_db, seed=index),
            sentence,
        )
    return items


def run(model_name: str, items: dict[str, tuple[Path, str]], terms: list[str] | None) -> dict:
    """Transcribe every item, timing only the recognizer, and score the corpus."""
    model = load_base_model(model_name)
    hypotheses, audio_seconds, compute_seconds = {}, 0.0, 0.0
    for item_id, (wav, _) in items.items():
        samples = read_audio(wav).samples
        audio_seconds += len(samples) / 16_000
        started = time.perf_counter()
        hypotheses[item_id] = model.transcribe(samples).text
        compute_seconds += time.perf_counter() - started
    references = {item_id: reference for item_id, (_, reference) in items.items()}
    score = compare_models(references, {model_name: hypotheses}, terms=terms).to_json()["models"][0]
    return {**score, "rtf": compute_seconds / audio_seconds, "audio_seconds": audio_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Use 4 sentences per set (smoke test).")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tunefork-bench-audio")
    args = parser.parse_args()
    limit = 4 if args.quick else None
    sets = {
        "general": (read_lines("general_sentences.txt")[:limit], None),
        "domain": (read_lines("domain_sentences.txt")[HELD_OUT_DOMAIN][:limit], read_lines("domain_terms.txt")),
    }
    rows = []
    for condition in CONDITIONS:
        for set_name, (sentences, terms) in sets.items():
            items = synthesize_set(sentences, condition, args.cache)
            for info in list_base_models():
                if not info.bundled:
                    continue
                result = run(info.name, items, terms)
                rows.append((info.name, set_name, condition.name, len(items), result))
                print(f"done: {info.name} / {set_name} / {condition.name}", flush=True)
    print()
    print("| model | set | condition | utterances | words | WER | S/D/I | term recall | RTF |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model, set_name, condition, count, r in rows:
        recall = "-" if r["term_recall"] is None else f"{100 * r['term_recall']:.1f}%"
        print(
            f"| {model} | {set_name} | {condition} | {count} | {r['words']} | {100 * r['wer']:.1f}% "
            f"| {r['substitutions']}/{r['deletions']}/{r['insertions']} | {recall} | {r['rtf']:.3f} |"
        )


if __name__ == "__main__":
    main()
