"""What one monitor run measures: the test set sent to the endpoint over HTTP as a client would, then scored.

Each item is one ``POST /endpoints/{id}/{operation}`` with the endpoint's key (``X-Tunefork-Key``) and the
run's probe token (``X-Tunefork-Monitor``), which keeps the request out of the endpoint's traffic log.
A 401 (the key was regenerated), 404 (the endpoint was deleted) or 409 (it now serves another kind)
stops the run at once with the reason; other failed items count as unanswered (an empty transcript, no
intent), so a flaky endpoint shows in its figures, and the run fails when no item was answered.

Speech endpoints (``recognize``) are scored by WER and term recall, language endpoints (``parse``) by
intent accuracy, out-of-scope recall and slot F1, image endpoints (``classify``) by the share of images given
exactly their concepts (a negative: none); all by their latency (p50, p95, mean).
"""

from __future__ import annotations

import math
import mimetypes
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tunefork.errors import TuneforkError
from tunefork.evaluation.classification import out_of_scope_report
from tunefork.evaluation.labels import OUT_OF_SCOPE
from tunefork.evaluation.language_scoring import gold_items
from tunefork.evaluation.metrics import score_corpus
from tunefork.evaluation.spans import span_scores

PROBE_HEADER = "X-Tunefork-Monitor"


@dataclass(frozen=True)
class MetricSpec:
    """A metric a monitor can watch: the endpoint operation it needs and which way is better."""

    name: str
    operation: str | None
    """``recognize``, ``parse`` or ``classify``; ``None``: any endpoint."""
    higher_is_better: bool
    description: str
    needs_intents: bool = False
    """True when it scores the decided intents: it measures nothing for a model that decides none."""
    fraction: bool = True
    """Measured as a fraction (0.15 = 15%), so a ``--max`` or ``--min`` outside 0-1 is a percentage typed as such."""


METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec("wer", "recognize", False, "word error rate (0.15 = 15%)"),
        MetricSpec("term_recall", "recognize", True, "share of the monitor's terms recognized"),
        MetricSpec("intent_accuracy", "parse", True, "share of utterances given their intent", needs_intents=True),
        MetricSpec("oos_recall", "parse", True, "share of out-of-scope utterances detected", needs_intents=True),
        MetricSpec("slot_f1", "parse", True, "slot (entity) F1"),
        MetricSpec("concept_accuracy", "classify", True, "share of images given exactly their concepts"),
        MetricSpec("latency_p95", None, False, "95th percentile of the answer time, in seconds", fraction=False),
    )
}


class ProbeRefused(TuneforkError):
    """The endpoint refused the run (wrong key, deleted endpoint, wrong operation), or the server could not be
    reached: nothing was measured. ``permanent`` unless the server could not be reached: trying again at once
    gets the same answer, where a server that is restarting may answer a moment later."""

    def __init__(self, reason: str, permanent: bool = True) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass
class Answer:
    """One item as sent and answered."""

    id: str
    expected: str
    result: dict[str, Any] | None
    latency: float
    error: str = ""


@dataclass(frozen=True)
class Probe:
    """Where and how a run sends its items."""

    base_url: str
    endpoint_id: str
    operation: str
    key: str
    token: str
    timeout: float = 120.0

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/endpoints/{self.endpoint_id}/{self.operation}"


def run_items(operation: str, kind: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of a test dataset a run sends: ``{id, input, expected, intent?, spans?, labels?}`` (images: the
    labelled and negative ones, a negative expected as no concept)."""
    if operation == "recognize":
        return [{"id": r["id"], "input": r["audio"], "expected": r.get("text", "")} for r in records if "audio" in r]
    if operation == "classify":
        return [
            {"id": r["id"], "input": r["file"], "expected": ";".join(r["labels"]), "labels": sorted(r["labels"])}
            for r in records
            if r.get("file") and (r.get("labels") or r.get("negative"))
        ]
    return [
        {"id": item.id, "input": item.text, "expected": item.intent or "", "intent": item.intent, "spans": item.spans}
        for item in gold_items(kind, records)
    ]


def _refusal(response: httpx.Response, probe: Probe) -> str | None:
    """The reason a run cannot go on, for the answers that say the endpoint will refuse every item."""
    try:
        message = response.json().get("message", "")
    except ValueError:
        message = response.text[:200]
    if response.status_code == 401:
        return f"The endpoint refused the monitor's key (401: {message}); it was regenerated or is wrong."
    if response.status_code == 404:
        return f"The endpoint {probe.endpoint_id} answered 404 (it was deleted): {message}"
    if response.status_code == 409:
        return f"The endpoint no longer answers {probe.operation} (409: {message})"
    return None


def _send(client: httpx.Client, probe: Probe, item: dict[str, Any]) -> httpx.Response:
    headers = {"X-Tunefork-Key": probe.key, PROBE_HEADER: probe.token}
    if probe.operation in ("recognize", "classify"):
        path = Path(item["input"])
        kind = "audio/wav" if probe.operation == "recognize" else mimetypes.guess_type(path.name)[0] or "image/png"
        return client.post(probe.url, content=path.read_bytes(), headers={**headers, "Content-Type": kind})
    return client.post(probe.url, json={"text": item["input"]}, headers=headers)


def send_items(probe: Probe, items: list[dict[str, Any]], progress: Callable[[int, int, str], None]) -> list[Answer]:
    """Send every item; :class:`ProbeRefused` when the endpoint refuses the run itself."""
    answers = []
    with httpx.Client(timeout=probe.timeout) as client:
        for done, item in enumerate(items, 1):
            started = time.perf_counter()
            try:
                response = _send(client, probe, item)
            except httpx.HTTPError as exc:
                elapsed = time.perf_counter() - started
                if isinstance(exc, httpx.ConnectError):
                    reason = f"Could not reach the server at {probe.base_url} ({exc}); is `tunefork serve` running?"
                    raise ProbeRefused(reason, permanent=False) from None
                answers.append(Answer(item["id"], item["expected"], None, elapsed, f"{type(exc).__name__}: {exc}"))
                continue
            elapsed = time.perf_counter() - started
            reason = _refusal(response, probe)
            if reason:
                raise ProbeRefused(reason)
            if response.status_code != 200:
                error = f"HTTP {response.status_code}: {response.text[:200]}"
                answers.append(Answer(item["id"], item["expected"], None, elapsed, error))
            else:
                answers.append(Answer(item["id"], item["expected"], response.json(), elapsed))
            progress(done, len(items), "sending the test set")
    return answers


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.95 = p95) of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def score(
    operation: str, items: list[dict[str, Any]], answers: list[Answer], terms: list[str]
) -> dict[str, float | None]:
    """Every metric of the operation, plus latencies and the number of unanswered items."""
    latencies = [a.latency for a in answers if a.result is not None]
    figures: dict[str, float | None] = {
        "latency_p50": percentile(latencies, 0.5),
        "latency_p95": percentile(latencies, 0.95),
        "latency_mean": sum(latencies) / len(latencies) if latencies else None,
        "unanswered": float(sum(a.result is None for a in answers)),
    }
    figures = {k: (round(v, 4) if v is not None else None) for k, v in figures.items()}
    results = [a.result or {} for a in answers]
    if operation == "recognize":
        triples = [(a.id, a.expected, r.get("displayText", "")) for a, r in zip(answers, results, strict=True)]
        corpus = score_corpus(triples, terms or None)
        return {**figures, "wer": _ratio(corpus.wer), "term_recall": _ratio(corpus.term_recall)}
    if operation == "classify":
        right = sum(
            a.result is not None and item["labels"] == sorted(a.result.get("decision") or [])  # unanswered: wrong
            for item, a in zip(items, answers, strict=True)
        )
        return {**figures, "concept_accuracy": _ratio(right / len(items)) if items else None}
    gold = [item["intent"] or OUT_OF_SCOPE for item in items]
    predicted = [r.get("intent") or OUT_OF_SCOPE for r in results]
    right = sum(g == p for g, p in zip(gold, predicted, strict=True))
    oos = out_of_scope_report([g == OUT_OF_SCOPE for g in gold], [p == OUT_OF_SCOPE for p in predicted])
    gold_spans = [item["spans"] for item in items]
    spans = [[(int(e["start"]), int(e["end"]), str(e["label"])) for e in r.get("entities", [])] for r in results]
    slot_f1 = span_scores(gold_spans, spans)["f1"] if any(gold_spans) else None
    return {
        **figures,
        "intent_accuracy": _ratio(right / len(gold)) if gold else None,
        "oos_recall": _ratio(oos["recall"]),
        "slot_f1": _ratio(slot_f1),
    }


def undecided_by(answers: list[Answer]) -> str | None:
    """The model that answered an item without deciding its intent (``out_of_scope`` null: a model that only
    finds entities, see ``parse_answer``), or ``None`` when every answered item was decided."""
    for answer in answers:
        if answer.result is not None and answer.result.get("out_of_scope") is None:
            return str(answer.result.get("model", ""))
    return None


def answering_model(answers: list[Answer]) -> tuple[str, str | None]:
    """The model (name, id) that answered most items ("" when none answered)."""
    seen = Counter((a.result.get("model", ""), a.result.get("modelId")) for a in answers if a.result is not None)
    return seen.most_common(1)[0][0] if seen else ("", None)


def item_report(answers: list[Answer]) -> list[dict[str, Any]]:
    """The per-item report stored with the run."""
    rows = []
    for answer in answers:
        result = answer.result or {}
        got = result.get("displayText", result.get("intent"))
        if "decision" in result:
            got = ";".join(result["decision"])
        rows.append({"id": answer.id, "expected": answer.expected, "answer": got,
                     "latency": round(answer.latency, 4), "error": answer.error})  # fmt: skip
    return rows
