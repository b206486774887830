"""Where text + pronunciation customization loses domain terms, per term occurrence (issue 17).

For each domain it trains the text + pronunciation defaults (hotwords ranked by base misses, two passes,
display forms, phonetic correction; no audio), decodes the test clips keeping every stage
(:meth:`tunefork.speech.whisper_custom.model.CustomWhisperModel.stages`, with the prompted pass run on every
clip so that a clip the trigger skipped still shows what the prompt would have given) and assigns each missed
term occurrence the first stage that lost it:

* ``not in the prompt``: a word of the term is not in the hotwords and no stage spells it;
* ``prompted pass misspells it``: the term is in the hotwords, but neither pass spells it;
* ``no second pass``: the prompted pass spells it, the trigger did not fire;
* ``merge kept the plain words``: the prompted pass spells it, the trigger fired, the merge kept the plain words;
* ``prompted words overwrote it``: the first pass spelled it, the merge took prompted words that do not;
* ``phonetic correction broke it``: the merged words spell it, the corrected ones do not.

A hit is the benchmark's term recall (:func:`tunefork.evaluation.metrics.score_corpus`, the term at its
aligned position after normalization). Each miss also gets the smallest phone edit distance per term phone of
any span of the final words (what a looser phonetic corrector could reach). The guard clips are decoded by the
same model: their general WER (insertions) for the first pass (= the plain pass of the trained weights, with
display forms) and the final transcripts, and how many changed. Side effects on general speech are counted on two
sets against the base model's own transcripts (Whisper tiny.en, default decoding): the guard clips and
``bench/everyday_speech.py`` (120 everyday sentences written for this benchmark, never shipped, in three voices
used nowhere else: :data:`EVERYDAY_VOICES`): WER, and *term false alarms*, domain terms (the domain's
terms and the model's hotwords) written where the reference does not say them
(:func:`tunefork.evaluation.metrics.term_false_alarms`).

    PYTHONPATH=$PWD .venv/bin/python bench/term_losses.py --domains pharmacy maintenance --details --work w/
    PYTHONPATH=$PWD .venv/bin/python bench/term_losses.py --domains aviation     # the untuned check: no details

With ``--work`` each domain's model and decoded passes are kept and a second run only replays the merge and the
correction on them (seconds): delete the folder after changing training or decoding. ``--replay-config`` overrides
engine_config keys for that replay (e.g. ``merge_check_sound``); the prompted pass alone (corrected, what ``two_pass``
False serves) is scored on every run too.

Test clips are the ``--quick`` conditions of ``bench/speech_customization.py`` (voices never used for training,
ranking or the guard set; one at 10 dB SNR).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import everyday_speech
from speech_customization import QUICK_CONDITIONS, _quick_domains

from tunefork.audio import read_audio
from tunefork.engines.contract import TrainingParameters
from tunefork.evaluation.metrics import score_corpus, term_false_alarms
from tunefork.evaluation.normalizer import get_normalizer
from tunefork.kinds.speech import guard_items
from tunefork.speech.base import Transcript
from tunefork.speech.customization import TrainingData
from tunefork.speech.synthesis import Voice, synthesize_cached
from tunefork.speech.whisper_custom import load, train
from tunefork.speech.whisper_custom.biasing import SEPARATOR
from tunefork.speech.whisper_custom.model import CustomWhisperModel, DecodingStages
from tunefork.speech.whisper_custom.phonetic import edit_distance, text_phones
from tunefork.speech.whisper_engine import WhisperEngine, bundled_tiny_en_path

EVERYDAY_VOICES = (Voice("en-us+m2", speed=160), Voice("en-gb-x-rp+m4"), Voice("en-us+f4", speed=150))
"""Voices of the everyday set: none trains, ranks, tests or guards anywhere else."""

CAUSES = (
    "not in the prompt",
    "prompted pass misspells it",
    "no second pass",
    "merge kept the plain words",
    "prompted words overwrote it",
    "phonetic correction broke it",
)


def _hits(reference: str, hypothesis: str, terms: list[str]) -> dict[str, list[int]]:
    return score_corpus([("0", reference, hypothesis)], terms).terms


def _closest(term: str, words: list[str], spoken: dict[str, str]) -> float:
    """Smallest phone edit distance per term phone between ``term`` and a span of up to 6 of ``words``."""
    target = text_phones(spoken.get(term.lower(), term))
    best = float("inf")
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + 6) + 1):
            phones = text_phones(" ".join(words[start:end]))
            if phones and target:
                best = min(best, edit_distance(phones, target) / len(target))
    return best


def _cause(term: str, in_prompt: bool, stage_hits: dict[str, int], triggered: bool) -> str:
    if stage_hits["merged"] and not stage_hits["final"]:
        return "phonetic correction broke it"
    if stage_hits["first"] and not stage_hits["merged"]:
        return "prompted words overwrote it"
    if stage_hits["prompted"]:
        return "merge kept the plain words" if triggered else "no second pass"
    return "prompted pass misspells it" if in_prompt else "not in the prompt"


def decode(model: CustomWhisperModel, clips: list[tuple[str, object, str]]) -> list[dict]:
    """Both passes of every clip (the prompted one even where the trigger did not fire), as plain data."""
    decoded = []
    for clip_id, samples, reference in clips:
        stages = model.stages(samples, always_prompted=True)
        passes = {"first": stages.first.to_dict(), "triggered": stages.triggered}
        prompted = stages.prompted.to_dict() if stages.prompted else None
        decoded.append({"id": clip_id, "reference": reference, **passes, "prompted": prompted})
    return decoded


def replay(model: CustomWhisperModel, clip: dict) -> DecodingStages:
    """The model's merge and correction of a clip's stored passes (:meth:`CustomWhisperModel.combine`)."""
    prompted = Transcript.from_dict(clip["prompted"]) if clip["prompted"] else None
    return model.combine(Transcript.from_dict(clip["first"]), clip["triggered"], prompted)


def analyse(model: CustomWhisperModel, clips: list[dict], spec: dict) -> dict:
    """Per-stage term recall and the cause of every missed occurrence."""
    normalize = get_normalizer()
    prompt_words = set(normalize(model.hotwords or "").split())
    spoken = {display.lower(): said for display, said in spec["pronunciations"]}
    stage_names = ("first", "prompted", "merged", "final")
    triples: dict[str, list[tuple[str, str, str]]] = {name: [] for name in stage_names}
    causes: Counter[str] = Counter()
    misses = []
    for clip in clips:
        stages = replay(model, clip)
        reference = clip["reference"]
        texts = {
            "first": stages.first.text,
            "prompted": stages.prompted.text if stages.prompted else stages.first.text,
            "merged": stages.merged.text,
            "final": stages.final.text,
        }
        for name in stage_names:
            triples[name].append((clip["id"], reference, texts[name]))
        per_stage = {name: _hits(reference, texts[name], spec["terms"]) for name in stage_names}
        for term, (hits, total) in per_stage["final"].items():
            for occurrence in range(hits, total):
                stage_hits = {name: int(per_stage[name][term][0] > occurrence) for name in stage_names}
                in_prompt = all(word in prompt_words for word in term.split())
                cause = _cause(term, in_prompt, stage_hits, stages.triggered)
                causes[cause] += 1
                misses.append(
                    {
                        "clip": clip["id"],
                        "term": term,
                        "cause": cause,
                        "in_prompt": in_prompt,
                        "triggered": stages.triggered,
                        "closest": round(_closest(term, normalize(texts["final"]).split(), spoken), 2),
                        "reference": reference,
                        **{name: texts[name] for name in stage_names},
                    }
                )
    recall = {name: score_corpus(triples[name], spec["terms"]) for name in stage_names}
    return {
        "occurrences": recall["final"].term_total,
        "recall": {name: round(100 * (score.term_recall or 0), 1) for name, score in recall.items()},
        "wer": {name: round(100 * score.wer, 1) for name, score in recall.items()},
        "second_passes": f"{sum(clip['triggered'] for clip in clips)} of {len(clips)}",
        "causes": {cause: causes[cause] for cause in CAUSES},
        "misses": misses,
    }


def prompted_only(model: CustomWhisperModel, clips: list[dict], terms: list[str]) -> dict:
    """WER, insertions and term recall of the hotword-prompted pass alone, corrected (what ``two_pass`` False
    serves), on stored passes (every clip's prompted pass was decoded)."""
    triples = []
    for clip in clips:
        prompted = Transcript.from_dict(clip["prompted"]) if clip["prompted"] else Transcript.from_dict(clip["first"])
        triples.append((clip["id"], clip["reference"], model.combine(prompted, False, None).final.text))
    score = score_corpus(triples, terms)
    return {
        "wer": round(100 * score.wer, 1),
        "insertions": score.insertions,
        "recall": round(100 * (score.term_recall or 0), 1),
        "triples": triples,
    }


def guard_check(model: CustomWhisperModel, clips: list[dict]) -> dict:
    """General WER (insertions) of the first pass and of the final transcripts on the guard clips."""
    first, final = [], []
    for clip in clips:
        stages = replay(model, clip)
        first.append((clip["id"], clip["reference"], stages.first.text))
        final.append((clip["id"], clip["reference"], stages.final.text))
    a, b = score_corpus(first), score_corpus(final)
    changed = [(y[1], x[2], y[2]) for x, y in zip(first, final, strict=True) if x[2] != y[2]]
    return {
        "first_wer": round(100 * a.wer, 1),
        "first_insertions": a.insertions,
        "final_wer": round(100 * b.wer, 1),
        "final_insertions": b.insertions,
        "changed": len(changed),
        "changed_clips": changed,
        "second_passes": f"{sum(clip['triggered'] for clip in clips)} of {len(clips)}",
    }


def side_effects(model: CustomWhisperModel, clips: list[dict], base_texts: dict[str, str], terms: list[str]) -> dict:
    """The base's and the model's WER on general clips and the domain terms each writes there unsaid."""
    base = [(clip["id"], clip["reference"], base_texts[clip["id"]]) for clip in clips]
    final = [(clip["id"], clip["reference"], replay(model, clip).final.text) for clip in clips]
    alarms = {name: term_false_alarms(triples, terms) for name, triples in (("base", base), ("final", final))}
    texts = {
        clip_id: (reference, said, heard) for (clip_id, reference, said), (_, _, heard) in zip(base, final, strict=True)
    }
    return {
        "clips": len(clips),
        "base_wer": round(100 * score_corpus(base).wer, 1),
        "final_wer": round(100 * score_corpus(final).wer, 1),
        "base_alarms": sum(map(len, alarms["base"].values())),
        "final_alarms": sum(map(len, alarms["final"].values())),
        "alarm_examples": [
            (term, *texts[clip_id]) for term, clip_ids in alarms["final"].items() for clip_id in dict.fromkeys(clip_ids)
        ],
    }


def everyday_clips(cache: Path) -> list[tuple[str, object, str]]:
    """The everyday sentences, each in one of :data:`EVERYDAY_VOICES` in turn."""
    return [
        (f"everyday{i:03d}", read_audio(synthesize_cached(text, cache, EVERYDAY_VOICES[i % 3], seed=i)).samples, text)
        for i, text in enumerate(everyday_speech.SENTENCES)
    ]


def base_texts(clips: list[tuple[str, object, str]]) -> dict[str, str]:
    """The base model's transcripts (Whisper tiny.en, default decoding, no customization) of the clips."""
    base = WhisperEngine(bundled_tiny_en_path(), name="whisper-tiny.en")
    return {clip_id: base.transcribe(samples).text for clip_id, samples, _ in clips}


def general_sets(passes: dict, model: CustomWhisperModel, folder: Path, args: argparse.Namespace) -> dict:
    """Stored passes and base transcripts of the guard and everyday clips, decoded once (added to older stores)."""
    stored = folder / "passes.json"
    guard = guard_items(args.cache, limit=args.guard)
    sets = {
        "guard": [(i, read_audio(path).samples, text) for i, (path, text) in guard.items()],
        "everyday": everyday_clips(args.cache),
    }
    missing = [name for name in (*sets, *(f"{name}_base" for name in sets)) if name not in passes]
    for name, clips in sets.items():
        if name not in passes:
            passes[name] = decode(model, clips)
        if f"{name}_base" not in passes:
            passes[f"{name}_base"] = base_texts(clips)
    if missing:
        stored.write_text(json.dumps(passes, ensure_ascii=False) + "\n", encoding="utf-8")
    return {name: (passes[name][: len(clips)], passes[f"{name}_base"]) for name, clips in sets.items()}


def decoded_domain(domain: str, spec: dict, args: argparse.Namespace) -> tuple[dict, Path]:
    """The stored passes of a domain's test and guard clips and its artifact folder (trained and decoded once)."""
    folder = args.work / domain
    stored = folder / "passes.json"
    if stored.is_file():
        return json.loads(stored.read_text(encoding="utf-8")), folder / "model"
    clips = [
        (f"{condition}-{i}", read_audio(synthesize_cached(text, args.cache, voice, snr, seed=i)).samples, text)
        for condition, (voice, snr) in QUICK_CONDITIONS.items()
        for i, text in enumerate(spec["test"])
    ]
    data = TrainingData(related_text=spec["related"], pronunciations=list(spec["pronunciations"]))
    options = {"synthesis_cache_dir": str(args.cache), "term_report_budget_s": 0, **args.options}
    started = time.monotonic()
    shutil.rmtree(folder, ignore_errors=True)
    result = train("whisper-tiny.en", data, TrainingParameters(options=options), folder / "model", lambda *a: None)
    seconds = time.monotonic() - started
    model = load(folder / "model", {"name": domain, "engine_config": result.engine_config})
    started = time.monotonic()
    passes = {
        "engine_config": result.engine_config,
        "hotwords": result.contributions["hotwords"],
        "train_s": round(seconds, 1),
        "fine_tune": result.contributions["utterances"]["fine_tune"],
        "budget": result.contributions["budget"],
        "test": decode(model, clips),
        "decode_s": round(time.monotonic() - started, 1),
    }
    stored.write_text(json.dumps(passes, ensure_ascii=False) + "\n", encoding="utf-8")
    return passes, folder / "model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", nargs="+", default=["pharmacy", "maintenance"])
    parser.add_argument("--test-sentences", type=int, default=12, help="Test sentences per condition.")
    parser.add_argument("--guard", type=int, default=60, help="Guard sentences (of 240; the first of those stored).")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tunefork-bench-audio")
    parser.add_argument("--options", type=json.loads, default={}, help="Training options (JSON object).")
    parser.add_argument("--details", action="store_true", help="Print every missed occurrence.")
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="Keep each domain's model and decoded passes here and reuse them (delete after changing training or "
        "decoding; merge and correction are replayed from the stored passes).",
    )
    parser.add_argument(
        "--replay-config",
        type=json.loads,
        default={},
        help="engine_config keys overriding the trained ones for the merge and correction (JSON object, e.g. "
        "'{\"merge_check_sound\": true}' replays a fine-tuned model's stored passes with the base's merge).",
    )
    parser.add_argument("--out", type=Path, default=None, help="Write the full result as JSON.")
    args = parser.parse_args()
    temporary = args.work is None
    args.work = Path(tempfile.mkdtemp(prefix="tunefork-term-losses-")) if temporary else args.work
    results = {}
    for domain, spec in _quick_domains(args.test_sentences).items():
        if domain not in args.domains:
            continue
        passes, artifact = decoded_domain(domain, spec, args)
        config = {**passes["engine_config"], **args.replay_config}
        model = load(artifact, {"name": domain, "engine_config": config})
        report = analyse(model, passes["test"], spec)
        report["train_s"], report["hotwords"] = passes["train_s"], passes["hotwords"]
        general = general_sets(passes, model, artifact.parent, args)
        report["guard"] = guard_check(model, general["guard"][0])
        terms = sorted({*spec["terms"], *(model.hotwords or "").split(SEPARATOR)} - {""})
        report["side_effects"] = {
            name: side_effects(model, clips, texts, terms) for name, (clips, texts) in general.items()
        }
        report["prompted_only"] = {
            "test": prompted_only(model, passes["test"], spec["terms"]),
            "guard": prompted_only(model, general["guard"][0], []),
        }
        results[domain] = report
        print(
            f"{domain}: {report['occurrences']} occurrences; term recall by stage {report['recall']}; "
            f"domain WER by stage {report['wer']}; second passes {report['second_passes']}; "
            f"guard WER {report['guard']['first_wer']}% ({report['guard']['first_insertions']}) -> "
            f"{report['guard']['final_wer']}% ({report['guard']['final_insertions']}), "
            f"{report['guard']['changed']} clips changed; hotwords {report['hotwords']['items']} items, "
            f"{report['hotwords']['tokens']} tokens, dropped {len(report['hotwords']['dropped'])}",
            flush=True,
        )
        alone = report["prompted_only"]
        print(
            f"  prompted pass alone (two_pass off): term recall {alone['test']['recall']}%, domain WER "
            f"{alone['test']['wer']}%; guard WER {alone['guard']['wer']}% ({alone['guard']['insertions']})",
            flush=True,
        )
        print("  causes: " + ", ".join(f"{cause} {n}" for cause, n in report["causes"].items()), flush=True)
        for name, effects in report["side_effects"].items():
            print(
                f"  {name} ({effects['clips']} clips): WER base {effects['base_wer']}% -> {effects['final_wer']}%; "
                f"term false alarms base {effects['base_alarms']} -> {effects['final_alarms']}",
                flush=True,
            )
        if args.details:
            for miss in report["misses"]:
                print(
                    f"  - {miss['term']!r} [{miss['cause']}; in prompt {miss['in_prompt']}, closest "
                    f"{miss['closest']}] ref: {miss['reference']}\n      first: {miss['first']}\n"
                    f"      prompted: {miss['prompted']}\n      final: {miss['final']}"
                )
            for reference, first, final in report["guard"]["changed_clips"]:
                print(f"  guard changed: {reference}\n      first: {first}\n      final: {final}")
        for name, effects in report["side_effects"].items():
            for term, reference, said, heard in effects["alarm_examples"]:
                print(f"  {name} false alarm {term!r}: {reference}\n      base: {said}\n      final: {heard}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if temporary:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
