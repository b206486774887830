"""Voice app end to end: pharmacy and smart-home requests spoken in accented voices and in noise.

Trains an intent model (language project) on generated pharmacy/smart-home requests with slots, and a custom
speech model (whisper, text-only customization on the same training sentences); synthesizes held-out
requests in three conditions (US clean, Scottish clean, US at 10 dB SNR); then runs the end-to-end
evaluation (`tunefork evaluate --language-model --utterances`) for the base and the custom speech model and
prints WER, intent accuracy and slot F1 from audio and from text, and the ASR/NLU blame split.

    .venv/bin/python bench/voice_app.py --per-intent 4
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from tunefork.language.sample_data import intent_examples, out_of_scope_examples
from tunefork.speech.synthesis import Voice, synthesize_cached
from tunefork.workflows import datasets, projects, training, voice_evaluation
from tunefork.workspace import Workspace

CONDITIONS = {"us-clean": ("en-us", None), "scottish-clean": ("en-gb-scotland", None), "us-noisy-10db": ("en-us", 10.0)}


def _annotated(record: dict[str, Any]) -> str:
    """The text with its slots as Rasa annotations: ``[surface](label)``."""
    text, out, position = record["text"], [], 0
    for entity in sorted(record.get("entities", []), key=lambda e: e["start"]):
        out += [text[position : entity["start"]], f"[{text[entity['start'] : entity['end']]}]({entity['label']})"]
        position = entity["end"]
    return "".join([*out, text[position:]])


def _rasa(path: Path, records: list[dict[str, Any]], out_of_scope: list[str]) -> Path:
    by_intent: dict[str, list[str]] = {}
    for record in records:
        by_intent.setdefault(record["intent"], []).append(_annotated(record))
    by_intent["out_of_scope"] = list(out_of_scope)
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {example}" for example in examples)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _audio_zip(path: Path, sentences: list[str], cache: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        lines = []
        for condition, (voice, snr) in CONDITIONS.items():
            for index, sentence in enumerate(sentences):
                name = f"{condition}-{index:03d}.wav"
                archive.write(synthesize_cached(sentence, cache, Voice(voice), snr), name)
                lines.append(f"{name}\t{sentence}")
        archive.writestr("trans.txt", "\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-intent", type=int, default=4, help="Held-out requests per intent.")
    parser.add_argument("--train-per-intent", type=int, default=16, help="Training requests per intent.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tunefork-voice-"))
    ws = Workspace.open(folder / "home")
    started = time.monotonic()
    train = intent_examples(args.train_per_intent, 0)
    test = intent_examples(args.per_intent, 1)
    test_oos = out_of_scope_examples(max(2, args.per_intent), 1)
    projects.create_project(ws, "rx-intents", "language")
    datasets.upload_dataset(ws, "rx-intents", _rasa(folder / "train.yml", train, out_of_scope_examples(16, 0)),
                            "utterances", "train")  # fmt: skip
    datasets.upload_dataset(ws, "rx-intents", _rasa(folder / "voice-intents.yml", test, test_oos),
                            "utterances", "voice-intents")  # fmt: skip
    training.create_model(ws, "rx-intents", "intents", "en-core-web-sm", ["train"])
    training.run_training(ws, "intents")
    projects.create_project(ws, "rx-voice", "speech")
    related = folder / "related.txt"
    related.write_text("\n".join(r["text"] for r in train) + "\n", encoding="utf-8")
    datasets.upload_dataset(ws, "rx-voice", related, "language", "related")
    training.create_model(ws, "rx-voice", "rx-whisper", "whisper-tiny.en", ["related"])
    training.run_training(ws, "rx-whisper")
    sentences = [r["text"] for r in test] + test_oos
    datasets.upload_dataset(ws, "rx-voice", _audio_zip(folder / "voice.zip", sentences, folder / "tts"), "acoustic",
                            "voice-audio")  # fmt: skip
    prepared = time.monotonic()
    report = voice_evaluation.evaluate_voice(
        ws, "voice-audio", ["whisper-tiny.en", "rx-whisper"], ["intents"], "voice-intents"
    )
    evaluated = time.monotonic()
    print(f"\n{report['items']} utterances ({len(sentences)} sentences x {len(CONDITIONS)} conditions); "
          f"warnings: {report['warnings'] or 'none'}; prepared in {prepared - started:.0f} s, "
          f"evaluated in {evaluated - prepared:.0f} s\n")  # fmt: skip
    print("| speech model | WER | intent acc. audio | intent acc. text | slot F1 audio | slot F1 text | "
          "intent errors ASR / NLU | slot errors ASR / NLU |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for r in report["results"]:

        def pct(value: float | None) -> str:
            return "-" if value is None else f"{100 * value:.1f}%"

        print(f"| {r['speechModel']} | {pct(r['wer'])} | {pct(r['intentAccuracyFromAudio'])} | "
              f"{pct(r['intentAccuracyFromText'])} | {pct(r['slotF1FromAudio'])} | {pct(r['slotF1FromText'])} | "
              f"{r['blame']['intent']['asr']} / {r['blame']['intent']['nlu']} | "
              f"{r['blame']['slot']['asr']} / {r['blame']['slot']['nlu']} |")  # fmt: skip
    for r in report["results"]:
        culprits = [e for e in r["errors"] if e["what"] == "intent" and e["blame"] == "asr"][:3]
        for e in culprits:
            words = "; ".join(f"'{w['said']}' heard as '{w['heard']}'" for w in e["words"])
            print(f"  {r['speechModel']}: {e['id']} {e['expected']} -> {e['fromAudio']}: {words}")


if __name__ == "__main__":
    main()
