"""Benchmark speech customization end to end on two domains (a third on request), for both engines.

Domains: the shipped pharmacy domain and a generated technical-maintenance domain nobody tuned on
(``bench/maintenance_domain.py``); ``--domains ... aviation`` adds the generated aviation domain of
``bench/aviation_domain.py`` (60 + test sentences, seed 31), ``veterinary`` that of ``bench/veterinary_domain.py``
(seed 43), never used to choose a default. Training material
per domain: the first 60 domain sentences as related text, the domain pronunciation file, and the same 60
sentences spoken by three espeak-ng voices (60 training utterances, the ``audio`` dataset). Test: held-out
domain sentences in voices and a noise condition NOT used for training or synthesis (``en-gb-scotland``,
``en-029`` clean; ``en-gb-x-rp`` with white noise at 15 dB SNR). The general guard set is the 240 shipped guard
sentences (2,618 words) in the guard voices of :mod:`tunefork.kinds.speech` (no synthesis accent; two of them
are test voices here). The full run trains through the workflows a user runs (``model train`` with its default
guard check) and prints, per domain, base model and customization: domain WER (all, clean, noisy), term recall,
general WER with the difference from the base and its 95% interval, the trainer's seconds, the whole run's
seconds and the real-time factor.

    .venv/bin/python bench/speech_customization.py                  # full run: both domains, every row
    .venv/bin/python bench/speech_customization.py --engines whisper --domains maintenance \
        --test-sentences 20 --guard 80 --rows "tiny.en base" "synthesis"   # a part of it
    .venv/bin/python bench/speech_customization.py --quick          # both domains, ablation, no fine-tuning

Full-run rows (:data:`VARIANTS`): each base model alone; ``text+pron, synthesis off`` (decode-time
customization only); ``text+pron, synthesis on`` (the related text also spoken by espeak-ng voices for
fine-tuning); ``text+pron+audio`` (the defaults with the recorded audio too). Whisper rows use
``whisper-tiny.en`` and ``whisper-base``.

``--quick`` (issue 17) runs through the engine API directly, on the same two domains. Test voices
(``en-gb-scotland``, ``en-029`` clean, ``en-gb-x-rp`` with white noise at 10 dB SNR) never appear in the
training, synthesis, ranking or guard voices. It trains text + pronunciation customizations only (no audio,
so no fine-tuning, synthesis or noise augmentation: those need the full run's training time) and prints one
ablation row per lever that this mode can measure; ``--test-sentences`` and ``--guard`` size it to finish
on a busy 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aviation_domain
import maintenance_domain
import veterinary_domain

from tunefork.audio import read_audio
from tunefork.engines.contract import TrainingParameters
from tunefork.kinds.speech import evaluate_on_guard
from tunefork.sample_data import read_lines
from tunefork.speech.synthesis import Voice, build_azure_zip, synthesize_cached
from tunefork.workflows import datasets, projects, training
from tunefork.workflows.evaluation import evaluate_models
from tunefork.workflows.models import ResolvedModel, resolve_model
from tunefork.workspace import Workspace

BASES = {"whisper": ("whisper-tiny.en", "whisper-base"), "sphinx": ("sphinx-en-us",)}
TRAIN_VOICES = (Voice("en-us"), Voice("en-gb", speed=150), Voice("en-us+f3", speed=170))
TEST_CONDITIONS = {
    "scottish": (Voice("en-gb-scotland"), None),
    "caribbean": (Voice("en-029", speed=150), None),
    "noisy-rp": (Voice("en-gb-x-rp"), 15.0),
}
CLEAN_CONDITIONS = ("scottish", "caribbean")
VARIANTS = {
    "text+pron, synthesis off": (("related", "lexicon"), {"synthesize_text": False}),
    "text+pron, synthesis on": (("related", "lexicon"), {"synthesize_text": True}),
    "text+pron+audio": (("related", "lexicon", "audio"), {}),
}
"""Full-mode customizations: ``label -> (datasets, training options)``; options not named are the defaults."""


def prepare(workspace: Workspace, domain: str, spec: dict, cache: Path, scratch: Path) -> str:
    """Create the domain's project and upload its training and test datasets; return the project name.

    Datasets are named ``related``, ``lexicon``, ``audio`` (the related text spoken by :data:`TRAIN_VOICES` in
    turn) and ``<domain>-test-<condition>`` (the test sentences in each of :data:`TEST_CONDITIONS`).
    """
    project = f"bench-{domain}"
    projects.create_project(workspace, project, "speech", description=f"{domain} customization benchmark")
    related = scratch / f"{domain}-related.txt"
    related.write_text("\n".join(spec["related"]) + "\n", encoding="utf-8")
    lexicon = scratch / f"{domain}-lexicon.txt"
    lexicon.write_text("".join(f"{display}\t{spoken}\n" for display, spoken in spec["pronunciations"]), "utf-8")
    datasets.upload_dataset(workspace, project, related, "language", "related")
    datasets.upload_dataset(workspace, project, lexicon, "pronunciation", "lexicon")
    train_zip = build_azure_zip(spec["related"], TRAIN_VOICES, scratch / f"{domain}-train.zip", cache)
    datasets.upload_dataset(workspace, project, train_zip, "acoustic", "audio")
    for condition, (voice, snr) in TEST_CONDITIONS.items():
        zip_path = scratch / f"{domain}-test-{condition}.zip"
        test_zip = build_azure_zip(spec["test"], (voice,), zip_path, cache, noise_snr_db=snr)
        datasets.upload_dataset(workspace, project, test_zip, "acoustic", f"{domain}-test-{condition}")
    return project


def real_time_factor(model: ResolvedModel, workspace: Workspace, dataset: str, limit: int = 20) -> float:
    """Seconds of compute per second of audio over the first ``limit`` items of a dataset."""
    records = datasets.dataset_records(workspace, datasets.show_dataset(workspace, dataset)["id"])[:limit]
    loaded = model.load()
    audio_seconds = compute_seconds = 0.0
    for record in records:
        samples = read_audio(Path(record["audio"])).samples
        audio_seconds += len(samples) / 16_000
        started = time.perf_counter()
        loaded.transcribe(samples)
        compute_seconds += time.perf_counter() - started
    return compute_seconds / audio_seconds


def evaluate_all(workspace: Workspace, domain: str, model: ResolvedModel, terms: list[str]) -> dict:
    """Domain WER pooled over every test condition, over the clean ones and per condition; pooled term recall."""
    counts = {"all": [0, 0], "clean": [0, 0], "terms": [0, 0]}
    per_condition = {}
    for condition in TEST_CONDITIONS:
        score = evaluate_models(workspace, f"{domain}-test-{condition}", [model], terms).result.scores[model.name]
        per_condition[condition] = score.wer
        for key in ("all", "clean") if condition in CLEAN_CONDITIONS else ("all",):
            counts[key] = [counts[key][0] + score.errors, counts[key][1] + score.words]
        counts["terms"] = [counts["terms"][0] + score.term_hits, counts["terms"][1] + score.term_total]
    return {
        "domain_wer": counts["all"][0] / counts["all"][1],
        "clean_wer": counts["clean"][0] / counts["clean"][1],
        "per_condition": per_condition,
        "term_recall": counts["terms"][0] / counts["terms"][1] if counts["terms"][1] else None,
    }


def general_wer(base: ResolvedModel, model: ResolvedModel, cache: Path, limit: int) -> tuple[float, str]:
    """WER on the first ``limit`` guard sentences, and its difference from the base's with the 95% interval."""
    if model.name == base.name:
        return evaluate_on_guard([model], cache, limit=limit).scores[model.name].wer, "-"
    guard = evaluate_on_guard([base, model], cache, limit=limit)
    diff = guard.difference
    low, high = (100 * bound for bound in diff.ci95)
    return guard.scores[model.name].wer, f"{100 * diff.wer_delta:+.1f} ({low:+.1f} to {high:+.1f})"


def finetune_summary(fine_tune: dict) -> str:
    """One line from the card: the fine-tuning budget, steps, and what each held-out evaluation took."""
    evaluations = ", ".join(
        f"epoch {r['epoch']} {r['eval_seconds']:.1f} s ({r.get('decoded_clips', '?')} clips, "
        f"{r.get('heldout_errors', '?')} errors)"
        for r in fine_tune["history"]
    )
    return (
        f"fine-tuning {fine_tune['seconds']:.0f} s of a {fine_tune['time_budget_s']} s budget, "
        f"{fine_tune['steps']} steps, lr {fine_tune['learning_rate']}, chosen epoch {fine_tune['chosen_epoch']}, "
        f"held-out {fine_tune['heldout_clips']} clips; evaluations: {evaluations}"
    )


def full(args: argparse.Namespace) -> None:
    """One row per base model and customization on each domain, through the workflows a user runs."""
    home = args.keep or Path(tempfile.mkdtemp(prefix="tunefork-bench-"))
    workspace = Workspace.open(home)
    scratch = home / "inputs"
    scratch.mkdir(parents=True, exist_ok=True)
    domains = {d: spec for d, spec in _quick_domains(args.test_sentences).items() if d in args.domains}
    projects_by_domain = {d: prepare(workspace, d, spec, args.cache, scratch) for d, spec in domains.items()}
    header = (
        "| domain | base | data | domain WER | clean | noisy | term recall | general WER | vs base (95% CI) "
        "| train s | run s | RTF |"
    )
    print(header + "\n|" + "---|" * header.count(" | ") + "---|", flush=True)
    rows = []
    for base_name in [base for engine in args.engines for base in BASES[engine] if base in args.bases]:
        for label in ["base", *VARIANTS]:
            for domain, spec in domains.items():
                if args.rows and not any(_row_matches(p, f"{domain} {base_name} {label}") for p in args.rows):
                    continue
                if label != "base" and VARIANTS[label][1] and not base_name.startswith("whisper"):
                    continue  # synthesis options are Whisper's
                base = resolve_model(workspace, base_name)
                model, seconds, run_seconds = base, 0.0, 0.0
                if label != "base":
                    dataset_names, options = VARIANTS[label]
                    options = {**options, **args.options}
                    created = training.create_model(
                        workspace, projects_by_domain[domain], f"{base_name}-{label}".replace(", ", "-"), base_name,
                        list(dataset_names), parameters=TrainingParameters(epochs=args.epochs, options=options),
                    )  # fmt: skip
                    started = time.monotonic()
                    outcome = training.run_training(workspace, created["id"])
                    run_seconds = time.monotonic() - started
                    if outcome.model["status"] != "Succeeded":
                        print(f"{domain} {base_name} {label}: {outcome.model['error']}", flush=True)
                        continue
                    card = training.model_card(workspace, created["id"])
                    seconds = card["training_seconds"]
                    fine_tune = card["contributions"].get("utterances", {}).get("fine_tune")
                    if fine_tune:
                        print(f"{domain} {base_name} {label}: {finetune_summary(fine_tune)}", flush=True)
                    model = resolve_model(workspace, created["id"])
                scores = evaluate_all(workspace, domain, model, spec["terms"])
                general, versus = general_wer(base, model, args.cache, args.guard)
                rtf = real_time_factor(model, workspace, f"{domain}-test-scottish")
                row = (
                    f"| {domain} | {base_name} | {label} | {100 * scores['domain_wer']:.1f}% "
                    f"| {100 * scores['clean_wer']:.1f}% | {100 * scores['per_condition']['noisy-rp']:.1f}% "
                    f"| {100 * (scores['term_recall'] or 0):.1f}% | {100 * general:.1f}% | {versus} "
                    f"| {seconds:.0f} | {run_seconds:.0f} | {rtf:.3f} |"
                )
                rows.append(row)
                print(row, flush=True)
    print("\n" + header + "\n|" + "---|" * header.count(" | ") + "---|\n" + "\n".join(rows))
    workspace.close()
    if args.keep is None:
        shutil.rmtree(home, ignore_errors=True)


DOMAINS = ("pharmacy", "maintenance", "aviation", "veterinary")
"""Domains a run may choose; the default is the first two (aviation: ``bench/aviation_domain.py``, veterinary:
``bench/veterinary_domain.py``, written blind with client names close to everyday words: checks no default was
tuned on)."""

QUICK_CONDITIONS = {
    "scottish": (Voice("en-gb-scotland"), None),
    "caribbean": (Voice("en-029", speed=150), None),
    "noisy-rp": (Voice("en-gb-x-rp"), 10.0),
}


def _quick_domains(test_sentences: int) -> dict[str, dict]:
    """Related text (60 sentences), pronunciations, test sentences and terms of every domain in :data:`DOMAINS`."""
    pharmacy = read_lines("domain_sentences.txt")
    pronunciations = [tuple(line.split("\t", 1)) for line in read_lines("domain_pronunciations.txt")]
    generated = maintenance_domain.sentences(60 + test_sentences, seed=17)
    aviation = aviation_domain.sentences(60 + test_sentences, seed=31)
    veterinary = veterinary_domain.sentences(60 + test_sentences, seed=43)
    return {
        "pharmacy": {
            "related": pharmacy[:60],
            "pronunciations": pronunciations,
            "test": pharmacy[60 : 60 + test_sentences],
            "terms": read_lines("domain_terms.txt"),
        },
        "maintenance": {
            "related": generated[:60],
            "pronunciations": maintenance_domain.PRONUNCIATIONS,
            "test": generated[60:],
            "terms": maintenance_domain.TERMS,
        },
        "aviation": {
            "related": aviation[:60],
            "pronunciations": aviation_domain.PRONUNCIATIONS,
            "test": aviation[60:],
            "terms": aviation_domain.TERMS,
        },
        "veterinary": {
            "related": veterinary[:60],
            "pronunciations": veterinary_domain.PRONUNCIATIONS,
            "test": veterinary[60:],
            "terms": veterinary_domain.TERMS,
        },
    }


def _decode(model, clips: list[tuple[object, str]]) -> tuple[list[tuple[str, str, str]], float, float]:
    """``(id, reference, hypothesis)`` triples, compute seconds and audio seconds."""
    triples, compute, audio = [], 0.0, 0.0
    for index, (samples, text) in enumerate(clips):
        started = time.perf_counter()
        triples.append((str(index), text, model.transcribe(samples).text))
        compute += time.perf_counter() - started
        audio += len(samples) / 16_000
    return triples, compute, audio


LOAD_TIME_OPTIONS = ("term_rescoring", "term_bonus", "term_beam_size", "second_pass_confidence")
"""Options that only change how a trained artifact decodes (``engine_config``): rows differing only in them
share one training."""


def _quick_variants(args: argparse.Namespace) -> list[tuple[str, str, dict | None]]:
    """``(base, row label, training options or None for the plain base model)`` of the ablation rows."""
    rescoring = [
        (f"+ n-best term rescoring (bonus {bonus:g})", {"term_rescoring": True, "term_bonus": bonus})
        for bonus in args.term_bonus or []
    ] or [("+ n-best term rescoring", {"term_rescoring": True})]
    rescoring += [
        (f"+ n-best term rescoring, beam {beam}", {"term_rescoring": True, "term_beam_size": beam})
        for beam in args.term_beam or []
    ]
    triggers = [
        (f"+ second pass only on uncertain words (p < {limit:g})", {"second_pass_confidence": limit})
        for limit in args.second_pass_confidence or []
    ] or [("+ second pass only on uncertain words (p < 0.5)", {"second_pass_confidence": 0.5})]
    both = {"term_rescoring": True, "second_pass_confidence": 0.5}
    return [
        ("whisper-tiny.en", "base", None),
        (
            "whisper-tiny.en",
            "hotwords (text order), no correction",
            {"rank_by_base": False, "phonetic_correction": False, "two_pass": False},
        ),
        ("whisper-tiny.en", "+ ranking by base misses", {"phonetic_correction": False, "two_pass": False}),
        ("whisper-tiny.en", "+ phonetic correction, one pass", {"two_pass": False}),
        ("whisper-tiny.en", "+ two-pass hotword selection (defaults)", {}),
        *(("whisper-tiny.en", label, options) for label, options in rescoring),
        *(("whisper-tiny.en", label, options) for label, options in triggers),
        ("whisper-tiny.en", "+ n-best term rescoring + second pass only on uncertain words (p < 0.5)", both),
        ("whisper-base", "base", None),
        ("whisper-base", "defaults", {}),
        ("whisper-base", "defaults + n-best term rescoring", {"term_rescoring": True}),
    ]


def _row_matches(pattern: str, name: str) -> bool:
    """``--rows`` selection: ``pattern`` occurs in the row's "base label" (with a final ``$``: ends it)."""
    return name.endswith(pattern[:-1]) if pattern.endswith("$") else pattern in name


def _decoding_counts(model: object) -> str:
    """How often a custom model ran its second pass, and how often rescoring changed a beam's best hypothesis."""
    passes = getattr(model, "passes", None)
    rescorer = getattr(getattr(model, "whisper", None), "rescorer", None)
    text = f"second pass on {passes[1]} of {passes[0]} clips" if passes else "one pass"
    return text + (f"; rescoring changed {rescorer.changed} of {rescorer.searches} beams" if rescorer else "")


def quick(args: argparse.Namespace) -> None:
    """Both domains, text + pronunciation customizations, one row per lever (see the module docstring)."""
    from tunefork.evaluation.metrics import score_corpus
    from tunefork.kinds.speech import guard_items
    from tunefork.speech.customization import TrainingData
    from tunefork.speech.registry import load_base_model
    from tunefork.speech.whisper_custom import load, train

    guard = list(guard_items(args.cache).values())[: args.guard]
    guard_clips = [(read_audio(path).samples, text) for path, text in guard]
    scratch = Path(tempfile.mkdtemp(prefix="tunefork-bench-quick-"))
    general: dict[str, object] = {}
    rows = []
    for domain, spec in _quick_domains(args.test_sentences).items():
        if domain not in args.domains:
            continue
        clips = {
            condition: [
                (read_audio(synthesize_cached(text, args.cache, voice, snr, seed=i)).samples, text)
                for i, text in enumerate(spec["test"])
            ]
            for condition, (voice, snr) in QUICK_CONDITIONS.items()
        }
        data = TrainingData(related_text=spec["related"], pronunciations=list(spec["pronunciations"]))
        trained: dict[str, tuple[Path, dict, float]] = {}
        for base, label, options in _quick_variants(args):
            if args.rows and not any(_row_matches(pattern, f"{base} {label}") for pattern in args.rows):
                continue
            seconds = 0.0
            if options is None:
                model = load_base_model(base)
            else:
                # Load-time options (term rescoring) reuse the artifact trained with the same other options.
                served = {key: options[key] for key in LOAD_TIME_OPTIONS if key in options}
                training_options = {k: v for k, v in options.items() if k not in LOAD_TIME_OPTIONS}
                cache_key = f"{base} {sorted(training_options.items())}"
                if cache_key not in trained:
                    started = time.monotonic()
                    out = scratch / f"{domain}-{base}-{len(rows)}"
                    training_options["synthesis_cache_dir"] = str(args.cache)
                    params = TrainingParameters(options=training_options)
                    result = train(base, data, params, out, lambda *a: None)
                    trained[cache_key] = (out, result.engine_config, time.monotonic() - started)
                out, engine_config, seconds = trained[cache_key]
                config = {**engine_config, **served}
                model = load(out, {"name": f"{domain}-{label}", "engine_config": config})
            scores, compute, audio = {}, 0.0, 0.0
            for condition, items in clips.items():
                triples, c, a = _decode(model, items)
                scores[condition], compute, audio = triples, compute + c, audio + a
            everything = score_corpus([t for ts in scores.values() for t in ts], spec["terms"])
            clean = score_corpus(scores["scottish"] + scores["caribbean"])
            noisy = score_corpus(scores["noisy-rp"])
            key = base if options is None else f"{domain}-{len(rows)}"
            if key not in general:
                general[key] = score_corpus(_decode(model, guard_clips)[0])
            guard_score = general[key]
            rows.append((domain, base, label, everything, clean, noisy, guard_score, seconds, compute / audio))
            print(f"done: {domain} {base} {label}: {_decoding_counts(model)}", flush=True)
    print()
    print("| domain | base | model | domain WER | clean | noisy | term recall | general WER (ins) | train s | RTF |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for domain, base, label, everything, clean, noisy, guard_score, seconds, rtf in rows:
        print(
            f"| {domain} | {base} | {label} | {100 * everything.wer:.1f}% | {100 * clean.wer:.1f}% "
            f"| {100 * noisy.wer:.1f}% | {100 * (everything.term_recall or 0):.1f}% "
            f"| {100 * guard_score.wer:.1f}% ({guard_score.insertions}) | {seconds:.0f} | {rtf:.3f} |"
        )
    shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=list(BASES), choices=list(BASES))
    parser.add_argument(
        "--bases", nargs="+", default=[b for bases in BASES.values() for b in bases], help="Base models (full run)."
    )
    parser.add_argument("--epochs", type=int, default=None, help="Fine-tuning epochs (whisper).")
    parser.add_argument(
        "--options",
        type=json.loads,
        default={},
        help="Full run: training options added to every customization, e.g. '{\"learning_rate\": 3e-5}'.",
    )
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tunefork-bench-audio")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the workspace in this folder.")
    parser.add_argument("--quick", action="store_true", help="Both domains, text customization, ablation rows.")
    parser.add_argument(
        "--test-sentences", type=int, default=None, help="Test sentences per condition (--quick: 8, full run: 40)."
    )
    parser.add_argument("--guard", type=int, default=None, help="Guard sentences, of 240 (--quick: 40, full run: all).")
    parser.add_argument(
        "--domains",
        nargs="+",
        default=list(DOMAINS[:2]),
        choices=list(DOMAINS),
        help="These domains (default: the first two).",
    )
    parser.add_argument(
        "--rows",
        nargs="+",
        default=None,
        help="Only rows whose 'base label' (--quick) or 'domain base data' (full run) contains one of these ($: ends).",
    )
    parser.add_argument(
        "--term-bonus", nargs="+", type=float, default=None, help="--quick: one rescoring row per bonus (tuning)."
    )
    parser.add_argument(
        "--term-beam", nargs="+", type=int, default=None, help="--quick: rescoring rows with a wider beam (tuning)."
    )
    parser.add_argument(
        "--second-pass-confidence",
        nargs="+",
        type=float,
        default=None,
        help="--quick: one row per word-probability limit of the second pass's trigger (tuning).",
    )
    args = parser.parse_args()
    if args.test_sentences is None:
        args.test_sentences = 8 if args.quick else 40
    if args.guard is None:
        args.guard = 40 if args.quick else None
    if args.quick:
        quick(args)
        return
    full(args)


if __name__ == "__main__":
    main()
