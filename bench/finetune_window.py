"""Seconds per fine-tuning step and held-out WER, 30 s windows against serving's short window (issue 17).

Fine-tunes whisper-tiny.en for a fixed number of epochs on the first ``--train`` shipped pharmacy sentences
(espeak-ng voices en-us, en-gb and en-us+f3 in turn; default augmentation, no hotwords, nothing held out,
``--seed``, default 0), then transcribes the 40 held-out pharmacy sentences in a voice not used for training
(en-gb-scotland) through :class:`~tunefork.speech.whisper_engine.WhisperEngine`, which encodes in the short
window. Run it once with ``PYTHONPATH`` on a checkout before the change and once after: the script only uses
API both have. It prints wall and CPU seconds of each step and the WER as JSON (``--out`` also keeps each
utterance's errors; ``--epochs 0`` scores the base model; ``--compare A.json B.json [A2 B2 ...]`` prints
the paired bootstrap interval of WER(B) - WER(A) over the held-out utterances, pairs pooled).

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=. .venv/bin/python bench/finetune_window.py --epochs 2 --out a.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from tunefork.audio import read_audio
from tunefork.evaluation.metrics import score_corpus
from tunefork.evaluation.significance import paired_bootstrap
from tunefork.sample_data import read_lines
from tunefork.speech.synthesis import Voice, synthesize_cached
from tunefork.speech.whisper_custom.finetune import Clip, FinetuneConfig, Finetuner
from tunefork.speech.whisper_custom.model import base_model_location
from tunefork.speech.whisper_engine import WhisperEngine, resolve_model_dir

TRAIN_VOICES = (Voice("en-us"), Voice("en-gb", speed=150), Voice("en-us+f3", speed=170))
TEST_VOICE = Voice("en-gb-scotland")


def clips(sentences: list[str], voices: tuple[Voice, ...], cache: Path) -> list[Clip]:
    return [
        Clip(read_audio(synthesize_cached(text, cache, voices[i % len(voices)])).samples, text)
        for i, text in enumerate(sentences)
    ]


def compare(paths: list[Path]) -> None:
    """Paired bootstrap of WER(B) - WER(A) over ``A1 B1 A2 B2 ...`` (pairs pooled, e.g. one per seed)."""
    if len(paths) % 2:
        raise SystemExit("--compare takes pairs of files: A1 B1 [A2 B2 ...]")
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    a, b = runs[0::2], runs[1::2]
    errors_a = [e for run in a for e in run["errors"]]
    errors_b = [e for run in b for e in run["errors"]]
    words = [w for run in a for w in run["words"]]
    result = paired_bootstrap(errors_a, errors_b, words)
    low, high = result.ci95
    names = f"{'+'.join(r['label'] for r in b)} - {'+'.join(r['label'] for r in a)}"
    print(f"WER {names}: {result.wer_delta:+.4f} (95% CI {low:+.4f} to {high:+.4f}), {len(words)} utterances")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train", type=int, default=60)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tunefork-bench-tts")
    parser.add_argument("--label", default="")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path, nargs="+")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    domain = read_lines("domain_sentences.txt")
    train = clips(domain[: args.train], TRAIN_VOICES, args.cache)
    test = clips(domain[60:], (TEST_VOICE,), args.cache)
    base_dir = resolve_model_dir(base_model_location("whisper-tiny.en"), "whisper-tiny.en")
    steps: list[tuple[float, float]] = []
    last = [time.perf_counter(), time.process_time()]

    def progress(done: int, total: int, description: str) -> None:
        now = [time.perf_counter(), time.process_time()]
        steps.append((now[0] - last[0], now[1] - last[1]))
        last[:] = now
        print(f"{args.label} step {done}/{total} wall {steps[-1][0]:.1f} s cpu {steps[-1][1]:.1f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="tunefork-ftwin-") as work:
        # lr 1e-5, the rate its recorded table (bench/RESULTS.md) was measured with, before the default became 3e-5
        config = FinetuneConfig(epochs=args.epochs, held_out=0, seed=args.seed, learning_rate=1e-5)
        result = Finetuner(base_dir, train, config, Path(work), lambda d, c: iter(()), progress=progress).run()
        engine = WhisperEngine(str(result.model_dir or base_dir), name="fine-tuned")
        start = time.perf_counter()
        triples = [(str(i), clip.text, engine.transcribe(clip.samples).text) for i, clip in enumerate(test)]
        decode_s = time.perf_counter() - start
    score = score_corpus(triples)
    # The first step also pays for building the optimizer state; epoch ends pay for the checkpoint export.
    per_epoch = max(1, len(steps) // max(1, args.epochs))
    inner = [s for i, s in enumerate(steps) if i % per_epoch != 0] or [(0.0, 0.0)]
    summary = {
        "label": args.label,
        "steps": len(steps),
        "train_clips": len(train),
        "step_wall_s_median": round(float(np.median([s[0] for s in inner])), 2),
        "step_cpu_s_median": round(float(np.median([s[1] for s in inner])), 2),
        "train_seconds": round(result.seconds, 1),
        "final_train_loss": result.history[-1].train_loss,
        "heldout_wer": round(score.wer, 4),
        "heldout_words": score.words,
        "decode_s": round(decode_s, 1),
    }
    print(json.dumps(summary))
    if args.out:
        per_utterance = {
            "errors": [u.errors for u in score.utterances],
            "words": [u.words for u in score.utterances],
            "hypotheses": [t[2] for t in triples],
        }
        args.out.write_text(json.dumps({**summary, **per_utterance}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
