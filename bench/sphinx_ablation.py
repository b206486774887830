"""Measure what each kind of sphinx customization buys, on the bundled pharmacy sentences.

    .venv/bin/python bench/sphinx_ablation.py [--guard 40] [--out results.json]

The split follows ``bench/speech_customization.py``: the first 60 lines of
``tunefork/data/domain_sentences.txt`` are the related text, ``domain_pronunciations.txt`` the
pronunciation file, the 60 sentences spoken by :data:`TRAINING_VOICES` the adaptation audio; the
last 40 lines, in the voices and noise of :data:`TEST_CONDITIONS` (never used for training), are the
domain test set, and the first ``--guard`` lines of ``guard_sentences.txt`` (voices as in
:mod:`tunefork.kinds.speech`) the general guard set. Models: base; text; text + pronunciations;
MAP only (audio, transcripts not used as text); text + pronunciations + MAP; and the last one
decoded without its digital-silence front end. Prints domain WER (pooled and per condition), term
recall, general WER, training seconds and real-time factor; ``--out`` writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from tunefork.audio import read_audio
from tunefork.engines.contract import TrainingParameters
from tunefork.evaluation.comparison import compare_models
from tunefork.kinds.speech import GUARD_VOICES
from tunefork.speech.base import SpeechModel
from tunefork.speech.customization import TrainingData
from tunefork.speech.sphinx_custom.model import CustomSphinxModel
from tunefork.speech.sphinx_engine import SphinxEngine
from tunefork.speech.synthesis import Voice, synthesize_cached

DATA = Path(__file__).resolve().parents[2] / "data"
TRAINING_VOICES = (Voice("en-us"), Voice("en-gb", speed=150), Voice("en-us+f3", speed=170))
TEST_CONDITIONS = {
    "scottish": (Voice("en-gb-scotland"), None),
    "caribbean": (Voice("en-029", speed=150), None),
    "noisy-rp": (Voice("en-gb-x-rp"), 15.0),
}


def _lines(name: str) -> list[str]:
    return [line.strip() for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _train(name: str, data: TrainingData, root: Path, parameters: TrainingParameters) -> tuple[Any, float]:
    from tunefork.speech import sphinx_custom

    folder = root / name
    folder.mkdir()
    started = time.perf_counter()
    parts = sphinx_custom.train("sphinx-en-us", data, parameters, folder)
    seconds = time.perf_counter() - started
    return (folder, parts), seconds


def _decode(model: SpeechModel, clips: dict[str, Path]) -> tuple[dict[str, str], float, float]:
    """Hypotheses, decoding seconds and audio seconds."""
    hypotheses, spent, audio = {}, 0.0, 0.0
    for key, path in clips.items():
        samples = read_audio(path).samples
        started = time.perf_counter()
        hypotheses[key] = model.transcribe(samples).text
        spent += time.perf_counter() - started
        audio += len(samples) / 16000
    return hypotheses, spent, audio


def _test_sets(cache: Path, guard_size: int) -> tuple[dict[str, tuple[Path, str]], dict[str, tuple[Path, str]]]:
    """Domain test items (id -> wav, text) over all conditions, and guard items."""
    test = _lines("domain_sentences.txt")[60:]
    domain = {
        f"{condition}/{i}": (synthesize_cached(text, cache, voice, snr), text)
        for condition, (voice, snr) in TEST_CONDITIONS.items()
        for i, text in enumerate(test)
    }
    guard_text = _lines("guard_sentences.txt")[:guard_size]
    guard = {
        f"guard{i:04d}": (synthesize_cached(text, cache, GUARD_VOICES[i % len(GUARD_VOICES)], seed=i), text)
        for i, text in enumerate(guard_text)
    }
    return domain, guard


def _score(name: str, model: SpeechModel, domain: dict, guard: dict, terms: list[str]) -> dict[str, Any]:
    dom_hyp, dom_time, dom_audio = _decode(model, {k: wav for k, (wav, _) in domain.items()})
    gen_hyp, gen_time, gen_audio = _decode(model, {k: wav for k, (wav, _) in guard.items()})
    references = {k: text for k, (_, text) in domain.items()}
    pooled = compare_models(references, {name: dom_hyp}, terms=terms).scores[name]
    per_condition = {}
    for condition in TEST_CONDITIONS:
        subset = {k: v for k, v in references.items() if k.startswith(f"{condition}/")}
        per_condition[condition] = round(compare_models(subset, {name: dom_hyp}).scores[name].wer, 4)
    general = compare_models({k: text for k, (_, text) in guard.items()}, {name: gen_hyp}).scores[name]
    return {
        "domain_wer": round(pooled.wer, 4),
        "per_condition": per_condition,
        "term_recall": None if pooled.term_recall is None else round(pooled.term_recall, 4),
        "general_wer": round(general.wer, 4),
        "general_words": general.words,
        "rtf": round((dom_time + gen_time) / (dom_audio + gen_audio), 3),
        "examples": [(references[k], dom_hyp[k]) for k in list(references)[:2]],
    }


def run(cache: Path, guard_size: int = 40, weight: int = 30) -> dict[str, Any]:
    """Train the custom models, score them and the base; return the figures."""
    from tunefork.speech import sphinx_custom

    domain_text, terms = _lines("domain_sentences.txt"), _lines("domain_terms.txt")
    related = domain_text[:60]
    pronunciations = [tuple(line.split("\t", 1)) for line in _lines("domain_pronunciations.txt")]
    audio = [(synthesize_cached(s, cache, voice), s) for voice in TRAINING_VOICES for s in related]
    plain = TrainingParameters(custom_weight=weight)
    setups = {
        "text": (TrainingData(related_text=related), plain),
        "text+pron": (TrainingData(related_text=related, pronunciations=pronunciations), plain),
        "MAP only": (
            TrainingData(utterances=audio),
            TrainingParameters(custom_weight=weight, options={"transcripts_as_text": False}),
        ),
        "text+pron+MAP": (TrainingData(related_text=related, pronunciations=pronunciations, utterances=audio), plain),
    }
    domain, guard = _test_sets(cache, guard_size)
    results: dict[str, Any] = {"custom_weight": weight, "guard_sentences": guard_size, "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        models: dict[str, tuple[SpeechModel, float, dict[str, Any]]] = {"base": (SphinxEngine("base"), 0.0, {})}
        for name, (data, parameters) in setups.items():
            (folder, parts), seconds = _train(name, data, Path(tmp), parameters)
            card = {"name": name, "engine_config": parts.engine_config}
            models[name] = (sphinx_custom.load(folder, card), seconds, parts.contributions)
        full = models["text+pron+MAP"][0]
        assert isinstance(full, CustomSphinxModel)
        raw_front_end = CustomSphinxModel(full.recognizer, full.display_forms, fill_digital_silence=False)
        models["text+pron+MAP, plain front end"] = (raw_front_end, models["text+pron+MAP"][1], {})
        for name, (model, seconds, contributions) in models.items():
            row = {**_score(name, model, domain, guard, terms), "training_seconds": round(seconds, 1)}
            row["contributions"] = contributions
            results["models"][name] = row
            conditions = "  ".join(f"{c} {100 * w:5.1f}%" for c, w in row["per_condition"].items())
            print(
                f"{name:32s} domain WER {100 * row['domain_wer']:5.1f}% ({conditions})  term recall "
                f"{100 * (row['term_recall'] or 0):5.1f}%  general WER {100 * row['general_wer']:5.1f}%  "
                f"train {row['training_seconds']:5.1f}s  RTF {row['rtf']:.3f}",
                flush=True,
            )
    return results


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guard", type=int, default=40, help="guard sentences to score (240 shipped)")
    parser.add_argument("--weight", type=int, default=30, help="custom weight percent")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tunefork-test-audio")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    results = run(args.cache, args.guard, args.weight)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
