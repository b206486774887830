"""Quality report of language datasets (utterances, annotated text, rule patterns): plain JSON-able data.

:func:`language_report` adds to the common report of :func:`tunefork.datasets.inspection.inspect_dataset`:

- counts: ``examples``, ``entities``, ``synonyms``, ``regexes``, ``lookups`` (utterances); ``records``,
  ``spans``, ``records_without_spans`` (annotated text); ``patterns``, ``token_patterns``,
  ``phrase_patterns`` (patterns);
- ``label_counts``: per label family (``intents`` and ``entities``; ``spans``; ``patterns``), label ->
  count, most frequent first; ``learned_labels``: per family, how many labels a model learns (intents without
  the out-of-scope examples' label: the studio counted it among "Intents");
- ``imbalance``: per family ``{"ratio", "max": {"label", "count"}, "min": {"label", "count"}}`` (None
  with fewer than two labels); a warning when the ratio is over :data:`IMBALANCE_WARNING_RATIO`;
- ``near_duplicates`` (text kinds): ``{"count", "pairs": [{"ids", "texts", "similarity", "reason"}]}``,
  pairs whose texts are equal ignoring case, punctuation and spacing, or whose word sets have a
  Jaccard similarity of at least :data:`NEAR_DUPLICATE_JACCARD`; at most :data:`MAX_NEAR_DUPLICATE_PAIRS`
  pairs are listed, ``count`` counts them all;
- ``few_examples`` (text kinds): per family, labels with fewer than :data:`MIN_EXAMPLES_PER_LABEL`
  examples as ``[{"label", "count"}]``;
- ``forgetting_risk`` (text kinds): ``{"missing_labels", "explanation"}``, the base model's entity labels
  the data never shows (None when the base model's labels are unknown);
- ``warnings``: ``[{"item", "reason"}]`` sentences summarising the problems above.

``imbalance``, ``few_examples`` and the at-least-two-intents warning leave out the out-of-scope examples
(``out_of_scope``, ``oos``...): they are not an intent to learn but "none of these" examples, to which training
adds general sentences of its own.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

from tunefork.evaluation.labels import OUT_OF_SCOPE_NAMES, label_variants, tag_prefix_warning
from tunefork.wording import item_name

MIN_EXAMPLES_PER_LABEL = 10
"""Labels (intents, entity labels) with fewer examples than this are flagged."""
IMBALANCE_WARNING_RATIO = 10.0
"""A label family whose most frequent label has more than this many times the examples of the rarest is flagged."""
NEAR_DUPLICATE_JACCARD = 0.9
"""Texts whose word sets overlap at least this much (intersection over union) are near duplicates."""
MAX_NEAR_DUPLICATE_PAIRS = 100
"""Most near-duplicate pairs listed in a report (all are counted)."""

_PUNCTUATION = re.compile(r"[^\w\s]+")
_NOUNS = {"intents": "intent", "entities": "entity label", "spans": "span label", "patterns": "pattern label"}


def normalize_for_duplicates(text: str) -> str:
    """``text`` lower-cased, punctuation removed and whitespace collapsed."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def _sorted_counts(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


# --- labels --------------------------------------------------------------------------------------------


def label_counts(records: list[dict[str, Any]], kind: str) -> dict[str, dict[str, int]]:
    """Label -> count per label family of ``kind``, most frequent first."""
    if kind == "utterances":
        examples = [r for r in records if r.get("type") == "example"]
        intents = Counter(r["intent"] for r in examples if r["intent"])
        entities = Counter(e["label"] for r in examples for e in r["entities"])
        return {"intents": _sorted_counts(intents), "entities": _sorted_counts(entities)}
    if kind == "annotated-text":
        return {"spans": _sorted_counts(Counter(s["label"] for r in records for s in r["spans"]))}
    return {"patterns": _sorted_counts(Counter(r["label"] for r in records))}


def imbalance(counts: dict[str, int]) -> dict[str, Any] | None:
    """Most over least frequent label of one family, or None with fewer than two labels."""
    if len(counts) < 2:
        return None
    most = max(counts.items(), key=lambda item: (item[1], item[0]))
    least = min(counts.items(), key=lambda item: (item[1], item[0]))
    return {
        "ratio": round(most[1] / least[1], 2),
        "max": {"label": most[0], "count": most[1]},
        "min": {"label": least[0], "count": least[1]},
    }


def few_examples(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Labels with fewer than :data:`MIN_EXAMPLES_PER_LABEL` examples, rarest first."""
    few = [{"label": label, "count": n} for label, n in counts.items() if n < MIN_EXAMPLES_PER_LABEL]
    return sorted(few, key=lambda item: (item["count"], item["label"]))


def case_variant_warnings(item: str, noun: str, labels: Iterable[str]) -> list[dict[str, str]]:
    """One warning per group of labels written two ways (:func:`~tunefork.evaluation.labels.label_variants`) among
    ``labels`` (``noun``: what a label is)."""
    return [
        {"item": item, "reason": f"{noun}s {' / '.join(repr(label) for label in group)} differ only in {what}: "
                                 "a model learns them apart; write them one way"}
        for group, what in label_variants(labels)
    ]  # fmt: skip


def forgetting_risk(data_labels: Iterable[str], base_labels: Sequence[str] | None) -> dict[str, Any] | None:
    """The base model's entity labels absent from ``data_labels`` (compared case-insensitively), explained."""
    if base_labels is None:
        return None
    present = {label.upper() for label in data_labels}
    missing = [label for label in base_labels if label.upper() not in present]
    explanation = None
    if missing:
        explanation = (
            f"The base model recognises {len(missing)} entity label(s) this data never shows "
            f"({', '.join(missing)}); training keeps them by rehearsal (the default: the base model's own "
            "predictions of those labels are mixed in), and would make the model forget them without rehearsal "
            "(--no-rehearsal)."
        )
    return {"missing_labels": missing, "explanation": explanation}


# --- near duplicates -----------------------------------------------------------------------------------


def _pair(a: tuple[str, str], b: tuple[str, str], similarity: float, same_text: bool) -> dict[str, Any]:
    reason = "same text ignoring case and punctuation" if same_text else f"{similarity:.0%} of their words shared"
    return {"ids": [a[0], b[0]], "texts": [a[1], b[1]], "similarity": round(similarity, 3), "reason": reason}


def _prefix_length(size: int, threshold: Fraction) -> int:
    """``size - ceil(threshold * size) + 1``, in exact arithmetic."""
    return size - math.ceil(size * threshold) + 1


def _similar_groups(token_sets: list[frozenset[str]]) -> list[tuple[int, int, float]]:
    """``(i, j, jaccard)`` for distinct sets ``i < j`` with Jaccard >= the threshold (prefix filtering).

    Tokens are ordered rarest first; two sets reaching the threshold must share a token among the first
    ``|x| - ceil(t * |x|) + 1`` of either, so only sets sharing such a prefix token are compared.
    """
    threshold = Fraction(NEAR_DUPLICATE_JACCARD).limit_denominator(1000)
    frequency = Counter(token for tokens in token_sets for token in tokens)
    index: dict[str, list[int]] = defaultdict(list)
    found = []
    for i, tokens in enumerate(token_sets):
        ordered = sorted(tokens, key=lambda t: (frequency[t], t))
        prefix = ordered[: _prefix_length(len(ordered), threshold)]
        candidates = {j for token in prefix for j in index[token]}
        for j in sorted(candidates):
            other = token_sets[j]
            shared = len(tokens & other)
            union = len(tokens) + len(other) - shared
            if shared * threshold.denominator >= threshold.numerator * union:
                found.append((j, i, shared / union))
        for token in prefix:
            index[token].append(i)
    return sorted(found)


def near_duplicates(items: list[tuple[str, str]]) -> dict[str, Any]:
    """Near-duplicate pairs among ``(id, text)`` items: ``{"count", "pairs"}`` (pairs capped, in item order).

    Items with the same word set are grouped first, so many copies of one text stay cheap to count.
    """
    groups: dict[frozenset[str], list[tuple[str, str]]] = defaultdict(list)
    for item_id, text in items:
        if tokens := frozenset(normalize_for_duplicates(text).split()):
            groups[tokens].append((item_id, text))
    keys = list(groups)
    count, pairs = 0, []
    similar = [(groups[k], groups[k], 1.0) for k in keys] + [
        (groups[keys[i]], groups[keys[j]], score) for i, j, score in _similar_groups(keys)
    ]
    for first, second, score in similar:
        combos = itertools.combinations(first, 2) if first is second else itertools.product(first, second)
        for a, b in combos:
            count += 1
            if len(pairs) < MAX_NEAR_DUPLICATE_PAIRS:
                same = normalize_for_duplicates(a[1]) == normalize_for_duplicates(b[1])
                pairs.append(_pair(a, b, score, same))
    return {"count": count, "pairs": pairs}


# --- report --------------------------------------------------------------------------------------------


def _counts(records: list[dict[str, Any]], kind: str) -> dict[str, int]:
    if kind == "utterances":
        types = Counter(r.get("type") for r in records)
        entities = sum(len(r["entities"]) for r in records if r.get("type") == "example")
        return {
            "examples": types["example"], "entities": entities, "synonyms": types["synonym"],
            "regexes": types["regex"], "lookups": types["lookup"],
        }  # fmt: skip
    if kind == "annotated-text":
        spans = sum(len(r["spans"]) for r in records)
        return {"records": len(records), "spans": spans, "records_without_spans": sum(not r["spans"] for r in records)}
    phrases = sum(isinstance(r["pattern"], str) for r in records)
    return {"patterns": len(records), "token_patterns": len(records) - phrases, "phrase_patterns": phrases}


def _learned(family: str, counts: dict[str, int]) -> dict[str, int]:
    """The labels of ``family`` a model learns: intents without the out-of-scope examples."""
    if family != "intents":
        return counts
    return {label: count for label, count in counts.items() if label.lower() not in OUT_OF_SCOPE_NAMES}


def _texts(records: list[dict[str, Any]], kind: str) -> list[tuple[str, str]]:
    if kind == "utterances":
        return [(r["id"], r["text"]) for r in records if r.get("type") == "example"]
    return [(r["id"], r["text"]) for r in records]


def _label_warnings(families: dict[str, dict[str, int]], report: dict[str, Any]) -> list[dict[str, str]]:
    warnings = []
    for family, shape in (report.get("imbalance") or {}).items():
        if shape and shape["ratio"] > IMBALANCE_WARNING_RATIO:
            reason = (
                f"{_NOUNS[family]} '{shape['max']['label']}' has {shape['max']['count']} examples but "
                f"'{shape['min']['label']}' only {shape['min']['count']} ({shape['ratio']:g} times fewer); "
                "a model trained on it will favour the frequent ones"
            )
            warnings.append({"item": family, "reason": reason[0].upper() + reason[1:]})
    for family, few in (report.get("few_examples") or {}).items():
        if few:
            listed = ", ".join(f"{f['label']} ({f['count']})" for f in few[:10])
            more = f" and {len(few) - 10} more" if len(few) > 10 else ""
            few_said = f"{len(few)} {_NOUNS[family]}(s) have fewer than {MIN_EXAMPLES_PER_LABEL} examples"
            reason = f"{few_said}: {listed}{more} (to train on; a test set needs no minimum)"
            warnings.append({"item": family, "reason": reason})
    for family, counts in families.items():
        warnings += case_variant_warnings(family, _NOUNS[family], counts)
        tagged = tag_prefix_warning(counts) if family != "intents" else None  # entity, span and pattern labels
        warnings += [{"item": family, "reason": tagged}] if tagged else []
    intents = families.get("intents") or {}
    learned = len(_learned("intents", intents))
    if intents and learned < 2:  # training sets the out-of-scope examples apart and needs two intents besides
        count = "Only one intent" if learned else "No intent"
        besides = " besides out-of-scope examples" if len(intents) > learned else ""
        needs = "an intent classifier needs at least two, from this dataset or the others it trains with"
        warnings.append({"item": "intents", "reason": f"{count}{besides}; {needs}"})  # datasets add up (a review)
    return warnings


def _other_warnings(report: dict[str, Any], noun: str) -> list[dict[str, str]]:
    warnings = []
    duplicates = report.get("near_duplicates")
    if duplicates and duplicates["count"]:
        first = duplicates["pairs"][0]["ids"]
        reason = (
            f"{duplicates['count']} pair(s) of near-duplicate {noun} (e.g. {item_name(first[0])} and "
            f"{item_name(first[1])}); they add little and can leak between training and test splits"
        )
        warnings.append({"item": "near-duplicates", "reason": reason})
    risk = report.get("forgetting_risk")
    if risk and risk["missing_labels"]:
        warnings.append({"item": "forgetting", "reason": risk["explanation"]})
    return warnings


def language_report(
    records: list[dict[str, Any]], kind: str, base_labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """The language part of a dataset report (see the module docs); ``warnings`` lists its problems.

    ``base_labels`` are the base model's entity labels for ``forgetting_risk`` (None: not reported).
    """
    families = label_counts(records, kind)
    report: dict[str, Any] = {**_counts(records, kind), "label_counts": families}
    learned = {family: _learned(family, counts) for family, counts in families.items()}
    report["learned_labels"] = {family: len(counts) for family, counts in learned.items()}  # out of scope aside
    report["imbalance"] = {family: imbalance(counts) for family, counts in learned.items()}
    noun = "patterns"
    if kind in ("utterances", "annotated-text"):
        noun = "examples" if kind == "utterances" else "texts"
        report["near_duplicates"] = near_duplicates(_texts(records, kind))
        report["few_examples"] = {family: few_examples(counts) for family, counts in learned.items()}
        entity_family = families["entities" if kind == "utterances" else "spans"]
        report["forgetting_risk"] = forgetting_risk(entity_family, base_labels)
    report["warnings"] = _label_warnings(families, report) + _other_warnings(report, noun)
    return report
