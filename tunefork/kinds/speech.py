"""The ``speech`` kind: custom speech recognition (Whisper and PocketSphinx engines, :mod:`tunefork.speech`).

Models are scored by WER on an ``acoustic`` test set, endpoints ``recognize`` audio, logged audio
exports as an ``audio`` dataset, and ``--gate`` asks for a significant WER gain on the test set without a
side effect on a general-English guard set (:class:`SpeechGate`). Without ``--gate``, every training still
compares base and custom on the first :data:`GUARD_CHECK_SENTENCES` guard sentences and warns when the
general WER may be worse by more than :data:`GUARD_WARNING_POINTS` (:class:`SpeechSideEffects`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunefork.config import env_int
from tunefork.engines.contract import BaseModelInfo, Trainer
from tunefork.engines.hypotheses import CacheUse, HypothesisCache
from tunefork.evaluation.significance import MIN_PAIRED_ITEMS
from tunefork.kinds.options import SEED
from tunefork.kinds.registry import (
    DatasetKindUse,
    EndpointOperation,
    GateContext,
    GateVerdict,
    LogExport,
    LoggedRequest,
    ModelHandle,
    ProjectKind,
    SideEffects,
    TestSet,
    TrainingOption,
    Wording,
    register,
)
from tunefork.progress import ProgressCallback, no_progress
from tunefork.sample_data import read_lines
from tunefork.speech import registry
from tunefork.speech.customization import TrainingData
from tunefork.speech.synthesis import Voice
from tunefork.store.artifacts import atomic_write_text

if TYPE_CHECKING:
    from tunefork.evaluation.comparison import ComparisonResult

GUARD_VOICES = (
    Voice("en-gb-scotland"),
    Voice("en-029", speed=150),
    Voice("en-gb-x-rp+f2", speed=170),
    Voice("en-gb-scotland+m3", speed=150),
)
"""Voices of the general-English guard set (shipped text, synthesized once and cached). No accent among them is
one the Whisper trainer speaks related text with (``DEFAULT_SYNTHESIS_VOICES`` of
:mod:`tunefork.speech.whisper_custom.augment`): a model fine-tuned on synthesized speech would otherwise be checked
on the voices it was fine-tuned on, and the check would rarely warn. Until 2026-12-03 they were en-us, en-gb,
en-us+f3 and en-gb-scotland (guard numbers in bench/RESULTS.md before then are on those)."""
GUARD_CHECK_SENTENCES = 80
"""Guard sentences (the first ones, 20 per voice, about 870 words) of the default side-effect check. The
whole set (240 sentences) would cost one to several minutes more per training on 2 cores; ``--gate`` uses it."""
GUARD_CHECK_BUDGET_S = 120.0
"""Seconds the default check may spend transcribing (base and custom, :data:`GUARD_CHUNK` clips at a time):
on a busy machine it stops early and compares fewer sentences, which the card states."""
GUARD_CHUNK = 5
"""Guard clips both models transcribe between two looks at the time budget."""
GUARD_CHECK_ENV = "TUNEFORK_GUARD_CHECK_SENTENCES"
"""Environment variable that overrides :data:`GUARD_CHECK_SENTENCES` (0: no default check)."""
NEWLY_WRONG_EXAMPLES = 3
"""Guard sentences the base got right and the custom model gets wrong, shown after training (all are counted)."""
GUARD_WARNING_POINTS = 0.5
"""A custom model whose general-WER difference may exceed this many points (upper end of the 95% interval)
is marked with a warning."""
UNINFORMATIVE_BASE_WER = 0.5
"""A base WER on the guard set from which the check is said to say little (:func:`uninformative_guard`)."""


def recognize_sample_code(url: str, key: str, sample: str = "utterance.wav") -> dict[str, str]:
    """How to call a ``recognize`` endpoint: a curl command and a Python snippet."""
    curl = (
        f'curl -X POST "{url}" \\\n'
        f'  -H "X-Tunefork-Key: {key}" \\\n'
        '  -H "Content-Type: audio/wav" \\\n'
        f"  --data-binary @{sample}"
    )
    python = (
        "import httpx\n\n"
        f'URL = "{url}"\n'
        f'KEY = "{key}"\n\n'
        f'with open("{sample}", "rb") as audio:\n'
        "    response = httpx.post(\n"
        "        URL, content=audio.read(), timeout=60,\n"
        '        headers={"X-Tunefork-Key": KEY, "Content-Type": "audio/wav"},\n'
        "    )\n"
        "response.raise_for_status()\n"
        'print(response.json()["displayText"])'
    )
    return {"curl": curl, "python": python}


RECOGNIZE = EndpointOperation(
    name="recognize",
    input="audio",
    description="POST a WAV (or any audio tunefork decodes) with the header X-Tunefork-Key. The answer holds the "
    "display text, lexical text, word timings and the model.",
    sample_code=recognize_sample_code,
)


def transcribe_with_each(
    models: list[ModelHandle],
    items: list[tuple[str, Path, str]],
    progress: ProgressCallback,
    label: str = "",
    cache: HypothesisCache | None = None,
) -> tuple[dict[str, dict[str, str]], list[CacheUse]]:
    """``{model name: {item id: hypothesis}}`` of ``(id, wav, content hash)`` items, and each model's cache use.

    Transcripts already in ``cache`` are read from it; progress counts every model's items in turn (it never goes
    back when the next model starts), labelled with the model's name. A model is loaded only when some transcript
    is missing: an evaluation answered from the cache loads none.
    """
    from tunefork.speech.transcribe import transcribe_files

    hypotheses, uses = {}, []
    for index, model in enumerate(models):

        def compute(missing: list[tuple[str, Path]], model: ModelHandle = model, index: int = index) -> Any:
            before = index * len(items) + len(items) - len(missing)  # earlier models' items, this one's cached

            def report(done: int, total: int, description: str) -> None:
                progress(before + done, len(models) * len(items), f"{label}{model.name}: {description}")

            loaded = SPEECH_MODELS.load(model)
            return ((item_id, t.text) for item_id, t in transcribe_files(loaded, missing, report))

        found, use = (cache or HypothesisCache(None)).answers(
            model, SpeechModels, items, compute, speech_code_version(model)
        )
        hypotheses[model.name] = found
        uses.append(use)
    return hypotheses, uses


def speech_code_version(model: ModelHandle) -> str:
    """What a speech model's transcripts depend on besides the model (part of the hypothesis cache's fingerprint):
    the code of :mod:`tunefork.speech`'s modules (engines, batching) and, for a custom model, of its engine's
    package (the decoding passes, corrections), read without importing or loading anything."""
    folder = Path(registry.__file__).parent
    paths = sorted(folder.glob("*.py"))
    if model.artifact_dir is not None and model.engine in registry.CUSTOM_ENGINES:
        paths += sorted((folder / registry.CUSTOM_ENGINES[model.engine].rsplit(".", 1)[1]).rglob("*.py"))
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def audio_items(records: list[dict[str, Any]]) -> list[tuple[str, Path, str]]:
    """``(id, wav, content hash)`` of canonical audio records (hashed here when an old manifest lacks it)."""
    from tunefork.datasets.hashing import sha256_file

    return [(r["id"], Path(r["audio"]), r.get("audio_sha256") or sha256_file(Path(r["audio"]))) for r in records]


class SpeechModels:
    """The speech model family: bundled and downloadable base models, whisper and sphinx custom engines."""

    name = "speech"
    operation = RECOGNIZE
    measures_terms = True

    def base_models(self, include_downloadable: bool = True) -> list[BaseModelInfo]:
        """Bundled models first, then popular Whisper sizes that download on first use."""
        return registry.list_base_models(include_downloadable)

    def is_base_model(self, name: str) -> bool:
        """Bundled names, ``whisper-<size>`` and ``hf:<owner>/<repo>``."""
        return registry.is_base_model(name)

    def base_engine(self, name: str) -> str:
        """``whisper`` or ``sphinx``."""
        return registry.base_engine(name)

    def owns_engine(self, engine: str) -> bool:
        """True for the custom engines of :data:`tunefork.speech.registry.CUSTOM_ENGINES`."""
        return engine in registry.CUSTOM_ENGINES

    def load(self, model: ModelHandle) -> Any:
        """The shared loaded model."""
        if model.artifact_dir is None:
            return registry.load_base_model(model.name)
        return registry.load_custom_model(model.artifact_dir)

    def trainer(self, engine: str) -> Trainer:
        """The engine's trainer module (imported on first use: torch is heavy)."""
        return registry.trainer_for(engine)

    def training_data(self, records: Iterable[tuple[str, dict[str, Any]]]) -> TrainingData:
        """Related text, pronunciations and transcribed audio."""
        return TrainingData.from_records(records)

    def score(self, test: TestSet, models: list[ModelHandle], progress: ProgressCallback) -> ComparisonResult:
        """Transcribe the test audio with each model; WER side by side with one normalizer."""
        from tunefork.evaluation.comparison import compare_models

        references = {r["id"]: r["text"] for r in test.records}
        cache = HypothesisCache(test.cache_dir)
        hypotheses, uses = transcribe_with_each(models, audio_items(test.records), progress, cache=cache)
        result = compare_models(
            references, hypotheses, terms=test.terms or None, dataset=test.name, terms_source=test.terms_source
        )
        result.notes += [use.sentence() for use in uses if use.hits]
        return result

    def domain_terms(self, records: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
        """The display forms of the pronunciations (``pronunciation`` and ``structured-text`` data), once each."""
        return list(dict.fromkeys(display for display, _ in TrainingData.from_records(records).pronunciations))

    def result_from_json(self, data: dict[str, Any]) -> ComparisonResult:
        """A stored WER comparison."""
        from tunefork.evaluation.comparison import ComparisonResult

        return ComparisonResult.from_json(data)

    def invoke(self, model: Any, request: Any) -> dict[str, Any]:
        """Recognize canonical samples: display and lexical text, words with times and confidences."""
        from tunefork.evaluation.normalizer import get_normalizer

        transcript = model.transcribe(request)
        words = [  # "replaced" always there, null unless set: /understand answered words without it (a review)
            {"word": w.text, "start": w.start, "end": w.end, "confidence": w.confidence, "replaced": w.replaced or None}
            for w in transcript.words
        ]
        return {
            "recognitionStatus": "Success" if transcript.text else "NoMatch",
            "displayText": transcript.text,
            "lexicalText": get_normalizer()(transcript.text),
            "duration": round(transcript.duration, 3),
            "words": words,
        }


SPEECH_MODELS = SpeechModels()


def guard_items(
    cache_dir: Path, progress: ProgressCallback = no_progress, limit: int | None = None
) -> dict[str, tuple[Path, str]]:
    """``{id: (wav, reference)}`` of the guard set (its first ``limit`` sentences), synthesized once and cached.

    The guard set is text shipped with tunefork (``data/guard_sentences.txt``, over 2,000 words, because
    with 500 words the 95% interval of a WER difference is about +-2.4 points and a 1-point side effect
    is invisible).
    """
    from tunefork.speech.synthesis import synthesize_cached

    sentences = read_lines("guard_sentences.txt")[:limit]
    items = {}
    for index, sentence in enumerate(sentences):
        voice = GUARD_VOICES[index % len(GUARD_VOICES)]
        items[f"guard{index:04d}"] = (synthesize_cached(sentence, cache_dir, voice, seed=index), sentence)
        progress(index + 1, len(sentences), "Synthesizing the guard set")
    return items


def evaluate_on_guard(
    models: list[ModelHandle],
    cache_dir: Path,
    progress: ProgressCallback = no_progress,
    limit: int | None = None,
    budget_s: float | None = None,
) -> ComparisonResult:
    """Compare the models (base first, custom second) on the general-English guard set (its first ``limit``).

    Both models transcribe :data:`GUARD_CHUNK` clips at a time; with ``budget_s``, no chunk starts once that
    many seconds have passed (the first always runs), and the comparison covers the clips both transcribed.
    """
    from tunefork.evaluation.comparison import compare_models

    items = guard_items(cache_dir, progress, limit)
    audio = audio_items([{"id": item_id, "audio": str(wav)} for item_id, (wav, _) in items.items()])
    cache = HypothesisCache(cache_dir / "hypotheses")
    started = time.monotonic()
    hypotheses: dict[str, dict[str, str]] = {model.name: {} for model in models}
    hits = dict.fromkeys(hypotheses, 0)
    for start in range(0, len(audio), GUARD_CHUNK):
        if start and budget_s is not None and time.monotonic() - started >= budget_s:
            break
        chunk = audio[start : start + GUARD_CHUNK]
        label = f"guard set {start + 1}-{start + len(chunk)} of {len(audio)}, "

        def overall(done: int, total: int, description: str, before: int = start * len(models)) -> None:
            progress(before + done, len(audio) * len(models), description)  # the whole set, not the chunk

        answers, uses = transcribe_with_each(models, chunk, overall, label=label, cache=cache)
        for model, texts in answers.items():
            hypotheses[model].update(texts)
        for use in uses:
            hits[use.model] += use.hits
    done = list(hypotheses[models[0].name])
    total = len(read_lines("guard_sentences.txt"))
    name = "general guard set" + (f" (first {len(done)} of {total} sentences)" if len(done) < total else "")
    result = compare_models({item_id: items[item_id][1] for item_id in done}, hypotheses, dataset=name)
    result.notes += [CacheUse(model, count, len(done)).sentence() for model, count in hits.items() if count]
    result.notes.append(  # a gain read as better general English (a speech review)
        "The guard set is spoken by espeak-ng voices: a model fine-tuned on synthesized speech gains on it from the "
        "voices as much as from general English; the sentences it newly gets wrong are the side effects to read."
    )
    return result


def gate_failure(test: ComparisonResult, guard: ComparisonResult, margin_points: float) -> str | None:
    """``None`` when the custom model passes the gate, else the reason it fails.

    It must beat its base significantly on the test set (the WER difference's 95% interval below 0), and
    general English may not degrade by more than ``margin_points``, judged by the upper end of the guard
    set's interval rather than the point estimate. Every reason that fails it is named (a review saw only the
    first, and a warning about the second at another margin).
    """
    reasons = []
    diff = test.difference
    if diff is None:
        reasons.append("no comparison with the base model")
    elif diff.too_few_items:
        reasons.append(f"the test dataset's {diff.items} utterances are too few to judge the custom model against its "
                       f"base: at least {MIN_PAIRED_ITEMS} are needed")  # fmt: skip
    elif not diff.significant or diff.wer_delta >= 0:
        reasons.append(
            "the custom model does not beat its base significantly on the test dataset "
            f"(WER difference {100 * diff.wer_delta:+.2f} points, 95% CI {100 * diff.ci95[0]:+.2f} to "
            f"{100 * diff.ci95[1]:+.2f})"
        )
    guard_diff = guard.difference
    if guard_diff is not None and 100 * guard_diff.ci95[1] > margin_points:
        reasons.append(
            f"general English may degrade by up to {100 * guard_diff.ci95[1]:.2f} points on the guard set "
            f"(point estimate {100 * guard_diff.wer_delta:+.2f}), more than the allowed {margin_points:.2f}"
        )
    return "gate: " + "; and ".join(reasons) if reasons else None


def guard_warning(guard: ComparisonResult, margin_points: float = GUARD_WARNING_POINTS) -> str | None:
    """The warning a guard-set comparison deserves: its WER difference's upper 95% bound above ``margin_points``."""
    diff = guard.difference
    if diff is None or 100 * diff.ci95[1] <= margin_points:
        return None
    base, custom = (guard.scores[model].wer for model in guard.models)
    better = " (better as a point estimate, but the interval does not rule the loss out)" if diff.wer_delta < 0 else ""
    return (
        f"general English may be worse with this model: WER {100 * custom:.1f}% against {100 * base:.1f}% for "
        f"the base on the {guard.dataset}, difference {100 * diff.wer_delta:+.2f} points (95% CI "
        f"{100 * diff.ci95[0]:+.2f} to {100 * diff.ci95[1]:+.2f}), above the +{margin_points:.1f}-point margin{better}"
    )


def uninformative_guard(guard: ComparisonResult) -> str | None:
    """A note when the base mishears most guard sentences: a loss then hides among its errors, and no sentence it
    got right can be newly wrong (a review's Sphinx base read 88% of the synthetic guard speech wrong, and the
    check still reported as if it measured something)."""
    base = guard.scores[guard.models[0]].wer
    if base < UNINFORMATIVE_BASE_WER:
        return None
    return (f"the guard check says little about this model: its base mishears most guard sentences (WER "
            f"{100 * base:.1f}% on the {guard.dataset}), so a loss hides among its errors")  # fmt: skip


def newly_wrong(guard: ComparisonResult) -> list[dict[str, str]]:
    """Guard sentences the base model (first) transcribed without an error and the custom model (second) gets wrong:
    side effects a WER difference hides when the custom model also fixes other sentences ("Are you okay for Tuesday?"
    -> "Are you Okafor Tuesday?")."""
    base, custom = (guard.utterances.get(model, []) for model in guard.models)
    custom_by_id = {utterance.id: utterance for utterance in custom}
    return [
        {"reference": said.reference, "base": said.hypothesis, "custom": custom_by_id[said.id].hypothesis}
        for said in base
        if not said.errors and said.id in custom_by_id and custom_by_id[said.id].errors
    ]


def guard_check_sentences() -> int:
    """Guard sentences of the default check: :data:`GUARD_CHECK_ENV` when set, else :data:`GUARD_CHECK_SENTENCES`."""
    meaning = "a number of guard sentences (0 turns the check off)"
    return env_int(GUARD_CHECK_ENV, GUARD_CHECK_SENTENCES, minimum=0, meaning=meaning)


@dataclass(frozen=True)
class SpeechSideEffects:
    """The default side-effect check of speech models: base and custom on the first guard sentences."""

    budget_s: float = GUARD_CHECK_BUDGET_S
    """Seconds the check may spend transcribing (:func:`evaluate_on_guard`)."""

    def check(
        self, context: GateContext, done: ComparisonResult | None = None, done_seconds: float = 0.0
    ) -> SideEffects | None:
        """Compare on the guard subset (or judge the gate's full-set ``done``, which took ``done_seconds``); warn
        above the margin."""
        started = time.monotonic() - done_seconds
        budget, count = None, None
        if done is None:
            count = min(guard_check_sentences(), len(read_lines("guard_sentences.txt")))
            if count == 0:
                return None
            budget = self.budget_s
            done = evaluate_on_guard([context.base, context.custom], context.cache_dir, context.progress, count, budget)
        diff = done.difference
        base, custom = (done.scores[model] for model in done.models)
        warning = " ".join(said for said in (guard_warning(done), uninformative_guard(done)) if said) or None
        regressions = newly_wrong(done)
        sentences = len(done.utterances.get(done.models[0], []))
        count = sentences if count is None else count  # the gate's full set: every sentence was planned
        summary = {
            "dataset": done.dataset,
            "sentences": sentences,
            "sentences_planned": count,
            "budget_s": budget,
            "stopped_by_budget": sentences < count,
            "words": base.words,
            "base_wer": round(base.wer, 4),
            "custom_wer": round(custom.wer, 4),
            "difference_points": round(100 * diff.wer_delta, 2) if diff else None,
            "ci95_points": [round(100 * bound, 2) for bound in diff.ci95] if diff else None,
            "warning_margin_points": GUARD_WARNING_POINTS,
            "warning": warning,
            "newly_wrong": len(regressions),
            "newly_wrong_examples": regressions[:NEWLY_WRONG_EXAMPLES],
            "seconds": round(time.monotonic() - started, 1),
        }
        return SideEffects(result=done, summary=summary, warning=warning)


class SpeechGate:
    """``--gate`` for speech: a significant WER gain on the test set, no side effect on the guard set beyond the
    margin (``--guard-margin``, general-WER points)."""

    uses_margin = True

    def judge(self, test: ComparisonResult, context: GateContext) -> GateVerdict:
        """Evaluate base and custom on the guard set, then apply :func:`gate_failure`."""
        started = time.monotonic()
        guard = evaluate_on_guard([context.base, context.custom], context.cache_dir, context.progress)
        seconds = time.monotonic() - started
        return GateVerdict(failure=gate_failure(test, guard, context.margin), guard=guard, guard_seconds=seconds)


def write_logged_audio(folder: Path, logs: list[LoggedRequest], for_review: bool) -> None:
    """The logged WAVs; for review copies and ``trans.txt`` to correct and upload, else hard links when possible
    (an export's snapshot, read once by the import: editing a link of a review copy would edit the log itself)."""
    kept = [log for log in logs if log.file is not None and log.file.is_file()]
    for log in kept:
        target = folder / f"{log.id}.wav"
        if for_review:
            shutil.copyfile(log.file, target)
            continue
        try:
            os.link(log.file, target)
        except OSError:
            shutil.copyfile(log.file, target)
    if for_review and kept:
        lines = "".join(f"{log.id}.wav\t{log.result.get('displayText', '')}\n" for log in kept)
        atomic_write_text(folder / "trans.txt", lines)


def inspect_speech(folder: Path, dataset_kind: str) -> dict[str, Any]:
    """The inspection report, out-of-vocabulary words measured against the base models' dictionary."""
    from tunefork.datasets.inspection import inspect_dataset
    from tunefork.speech.vocabulary import BASELINE_VOCABULARY_NAME, baseline_vocabulary

    vocabulary = baseline_vocabulary()
    name = f"{BASELINE_VOCABULARY_NAME}, {len(vocabulary):,} words"
    return inspect_dataset(folder, dataset_kind, vocabulary, vocabulary_name=name)


EPOCHS = TrainingOption(
    "epochs", "epochs", "--epochs", int, "Epochs (audio fine-tuning)", "Fine-tuning epochs over audio (whisper).",
    minimum=1, maximum=1000, parameter=True, placeholder="engine default", advanced=True, engines=("whisper",),
)  # fmt: skip


CUSTOM_WEIGHT = TrainingOption(
    "custom_weight", "customWeight", "--custom-weight", int, "Custom weight % (sphinx)",
    "Domain LM weight in percent (sphinx).", 30,
    minimum=1, maximum=100, parameter=True, advanced=True, engines=("sphinx",),
)  # fmt: skip

TIME_BUDGET = TrainingOption(
    "run_budget_s", "timeBudget", "--time-budget", float, "Time budget, seconds (whisper)",
    "Seconds a Whisper training may run (term ranking, synthesis, fine-tuning, the per-term report); fine-tuning "
    "gets what the rest leaves. More trains more steps on a slow or busy machine; the default keeps a run under "
    "10 minutes on 2 cores.",
    minimum=60, maximum=86400, placeholder="engine default", advanced=True, engines=("whisper",),
)  # fmt: skip

REWRITE_EVERYDAY_PHRASES = TrainingOption(
    "rewrite_everyday_phrases", "rewriteEverydayPhrases", "--rewrite-everyday-phrases/--no-rewrite-everyday-phrases",
    bool, "Rewrite everyday spoken forms everywhere (whisper)",
    "Also write a pronunciation entry's display form wherever its spoken form is heard when that form is everyday "
    "English (Nguyen TAB win): off, such entries are hotwords only, so ordinary speech keeps its words.", False,
    advanced=True, engines=("whisper",),
)  # fmt: skip

SPEECH = register(
    ProjectKind(
        name="speech",
        summary="custom speech recognition: audio in, text out",
        family=SPEECH_MODELS,
        dataset_kinds=(
            DatasetKindUse(
                "acoustic",
                "Audio with human transcripts: trains accents and noise, and is the test set for evaluations.",
            ),
            DatasetKindUse(
                "audio",
                "Audio without transcripts: transcribe, correct and upload again as acoustic data.",
                trains=False,
                untrainable_reason="which has no transcripts to train on; transcribe it, correct the transcripts "
                "and upload them as an 'acoustic' dataset",
            ),
            DatasetKindUse("language", "Related text, one sentence per line: teaches vocabulary and domain phrasing."),
            DatasetKindUse("pronunciation", "Display form TAB spoken form: product names, acronyms, odd spellings."),
            DatasetKindUse(
                "structured-text", "Azure structured text: lists and sentence templates expanded into related text."
            ),
        ),
        test_kind="acoustic",
        other_language_note="whisper-base knows other languages, but tunefork decodes every Whisper model as "
        "English, and its voices, pronunciations and normalizer are English.",
        default_base_model=registry.BUNDLED_WHISPER,
        options=(
            EPOCHS,
            CUSTOM_WEIGHT,
            TIME_BUDGET,
            REWRITE_EVERYDAY_PHRASES,
            SEED,
        ),
        gate=SpeechGate(),
        side_effects=SpeechSideEffects(),
        log_export=LogExport(dataset_kind="audio", write=write_logged_audio),
        inspect=inspect_speech,
        wording=Wording(
            data_start="Related text teaches vocabulary; audio with transcripts trains accents and is your test set.",
            data_step="Upload audio with transcripts, related text or pronunciations.",
            evaluation_step="Compare word error rates side by side, utterance by utterance.",
            test_set="Upload audio with human transcripts (an 'acoustic' dataset) to measure the gain.",
            training_needs="Training needs at least one dataset of related text, pronunciations or audio with "
            "transcripts.",
            training_wait="The models table updates by itself; a default Whisper training run takes up to about 10 "
            "minutes on 2 cores (more with the gate or a longer time budget).",
            test_metric="WER",
            improve="Export the logged audio to a dataset, transcribe and correct it, and train again.",
            export="the audio, to transcribe, correct and train on again.",
            items="utterances",
            sends="audio",
        ),
    )
)
