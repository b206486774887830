"""End-to-end evaluation of a voice app: speech model then language model, on audio with intents and slots.

The audio is an ``acoustic`` test dataset (audio and reference transcripts, e.g. an Azure-style zip); the
gold intent and slots of each utterance come from its sidecar, an ``utterances`` dataset of the same
sentences with their intents and annotated slots (matched by normalized text; audio without a sidecar
line is left out, with a warning). Every pair of the given speech and language models is scored: WER,
intent accuracy from audio next to intent accuracy from the reference text, slot F1 from audio next to
slot F1 from text, and each error's blame, speech (``asr``) or language (``nlu``), with the culprit words
(:mod:`tunefork.evaluation.voice_blame`). Comparing two speech models (or two language models) shows how
much end-to-end accuracy each bought.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tunefork.engines.hypotheses import HypothesisCache
from tunefork.errors import TuneforkError
from tunefork.evaluation.labels import OUT_OF_SCOPE
from tunefork.evaluation.language_scoring import gold_items
from tunefork.evaluation.metrics import score_corpus, score_utterance
from tunefork.evaluation.normalizer import get_normalizer
from tunefork.evaluation.report import write_report
from tunefork.evaluation.voice_blame import Parse, VoiceItem, score_voice, slot_value
from tunefork.evaluation.voice_result import VoiceEvaluationResult
from tunefork.kinds import ResolvedModel, get_kind
from tunefork.kinds.speech import audio_items, transcribe_with_each
from tunefork.kinds.voice import check_language_model, nothing_heard
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import staged_directory
from tunefork.store.repository import get_dataset
from tunefork.wording import a_or_an
from tunefork.workflows.datasets import dataset_records
from tunefork.workflows.evaluation import overlap_warnings
from tunefork.workflows.models import resolve_model
from tunefork.workspace import Workspace

MAX_MODELS = 2


def _records(workspace: Workspace, ref: str, kind: str, project: str | None, role: str) -> tuple[str, list[dict]]:
    with workspace.session() as session:
        dataset = get_dataset(session, ref, project)
        name, dataset_id, found = dataset.name, dataset.id, dataset.kind
    if found != kind:
        raise TuneforkError(f"Dataset '{name}' is of kind '{found}'; the {role} is {a_or_an(repr(kind))} dataset.")
    return name, dataset_records(workspace, dataset_id)


def _gold(records: list[dict[str, Any]]) -> dict[str, tuple[str, frozenset[tuple[str, str]]]]:
    """Normalized text -> (gold intent, gold slots) of the sidecar's examples; a slot's value is its annotated
    value (``[margarita](pizza_type:margherita)``), else its text, as a parse's resolved ``value`` is compared."""
    normalize = get_normalizer()
    gold = {}
    for record, item in zip(_examples(records), gold_items("utterances", _examples(records)), strict=True):
        slots = frozenset((str(e["label"]), slot_value(str(e.get("value") or item.text[e["start"] : e["end"]])))
                          for e in record.get("entities", []))  # fmt: skip
        gold[normalize(item.text)] = (item.intent or OUT_OF_SCOPE, slots)
    return gold


def _examples(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for record in records if record.get("type", "example") == "example"]


def _parser(model: ResolvedModel) -> Callable[[str], Parse]:
    """The language model as a cached ``text -> Parse``."""
    loaded, cache, silent = model.load(), {}, nothing_heard(model)

    def parse(text: str) -> Parse:
        if text not in cache:
            answer = model.family.invoke(loaded, text) if text.strip() else silent
            cache[text] = Parse.of(text, answer, OUT_OF_SCOPE)
        return cache[text]

    return parse


def evaluate_voice(
    workspace: Workspace,
    dataset_ref: str,
    speech_refs: list[str],
    language_refs: list[str],
    utterances_ref: str,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
) -> dict[str, Any]:
    """Score each speech model + language model pair end to end on ``dataset_ref`` (see the module), and keep the
    report (``report.md``, ``evaluation.json``, ``errors.jsonl``) in a folder of the workspace's reports, whose
    path the returned JSON gives as ``reportDir``."""
    if not (1 <= len(speech_refs) <= MAX_MODELS and 1 <= len(language_refs) <= MAX_MODELS):
        raise TuneforkError("Give one or two speech models (--model) and one or two language models.")
    speech_family = get_kind("speech").family
    speech = [resolve_model(workspace, ref, project, family=speech_family) for ref in speech_refs]
    languages = [check_language_model(resolve_model(workspace, ref)) for ref in language_refs]
    name, records = _records(workspace, dataset_ref, get_kind("speech").test_kind, project, "audio test set")
    sidecar_name, sidecar = _records(workspace, utterances_ref, "utterances", None, "sidecar of intents and slots")
    gold, normalize = _gold(sidecar), get_normalizer()
    matched = [r for r in records if normalize(r["text"]) in gold]
    warnings = overlap_warnings(workspace, sidecar, languages)  # as a language evaluation warns (it did not here)
    if len(matched) < len(records):
        left = [r["id"] for r in records if normalize(r["text"]) not in gold]
        named = ", ".join(left[:10]) + (f" and {len(left) - 10} more" if len(left) > 10 else "")
        warnings.append(f"{len(left)} of {len(records)} utterances have no line in '{sidecar_name}' with the same "
                        f"text and were left out ({named}); WER is measured on the others.")  # fmt: skip
    if not matched:
        raise TuneforkError(f"No utterance of '{name}' has its text in '{sidecar_name}': nothing to score.")
    cache = HypothesisCache(workspace.hypotheses_cache_dir)  # as a speech evaluation's: nothing transcribed twice
    heard, uses = transcribe_with_each(speech, audio_items(matched), progress, cache=cache)
    results = []
    for model in speech:
        scored = [score_utterance(r["id"], r["text"], heard[model.name][r["id"]]) for r in matched]
        items = [
            VoiceItem(r["id"], r["text"], s.hypothesis, *gold[normalize(r["text"])], s.alignment)
            for r, s in zip(matched, scored, strict=True)
        ]
        wer = score_corpus(scored).wer
        for language in languages:
            parse = _parser(language)
            text = [parse(item.reference) for item in items]
            audio = [parse(item.heard) for item in items]
            intents = language.family.decides_intents(language)
            scores = score_voice((model.name, language.name), wer, items, text, audio, parse, intents)
            results.append(scores.to_json())
    report = {"dataset": name, "utterances": sidecar_name, "items": len(matched), "warnings": warnings,
              "results": results, "notes": [use.sentence() for use in uses if use.hits]}  # fmt: skip
    return {**report, "reportDir": str(_write_report(workspace, VoiceEvaluationResult(report)))}


def _write_report(workspace: Workspace, result: VoiceEvaluationResult) -> Path:
    """The report folder ``reports/voice-<UTC time>-<dataset>``, written atomically."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    readable = "".join(c if c.isalnum() or c in "-_" else "-" for c in result.report["dataset"])[:40]
    folder = workspace.reports_dir / f"voice-{stamp}-{readable}"
    taken = 1
    while folder.exists():  # two evaluations of one dataset in one second
        taken += 1
        folder = workspace.reports_dir / f"voice-{stamp}-{readable}-{taken}"
    with staged_directory(folder, workspace.staging_dir) as staging:
        write_report(result, staging)
    return folder
