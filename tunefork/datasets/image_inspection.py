"""Quality report of an ``images`` dataset: concepts, imbalance, duplicates, sizes and aspect ratios.

Exact duplicates share the file's SHA-256; near duplicates are pairs whose perceptual hashes differ in at
most :data:`NEAR_DUPLICATE_BITS` of 64 bits (the same picture resized, recompressed or slightly edited).
Everything returned is plain JSON-able data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from tunefork.datasets.language_inspection import (
    IMBALANCE_WARNING_RATIO,
    case_variant_warnings,
    few_examples,
    imbalance,
)
from tunefork.wording import plural

NEAR_DUPLICATE_BITS = 6
"""Perceptual hashes this close (Hamming distance out of 64) mark near duplicates."""
MAX_PAIRS = 50
"""Near-duplicate pairs listed at most (all are counted)."""
_BLOCK = 512


def hash_pairs(first: list[str], second: list[str], max_bits: int, same: bool = False) -> list[tuple[int, int, int]]:
    """``(i, j, distance)`` for hashes ``first[i]``, ``second[j]`` at most ``max_bits`` apart (``same``: i < j)."""
    if not first or not second:
        return []
    a = np.array([int(h, 16) for h in first], dtype=np.uint64)
    b = np.array([int(h, 16) for h in second], dtype=np.uint64)
    found: list[tuple[int, int, int]] = []
    for start in range(0, len(a), _BLOCK):
        distances = np.bitwise_count(a[start : start + _BLOCK, None] ^ b[None, :])
        for i, j in zip(*np.nonzero(distances <= max_bits), strict=True):
            if not same or start + i < j:
                found.append((int(start + i), int(j), int(distances[i, j])))
    return found


def _distribution(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    quantiles = np.percentile(values, [0, 5, 50, 95, 100])
    return {name: round(float(q), 3) for name, q in zip(("min", "p5", "median", "p95", "max"), quantiles, strict=True)}


def _duplicates(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    by_hash: dict[str, list[str]] = defaultdict(list)
    for record in records:
        by_hash[record["sha256"]].append(record["id"])
    exact = [{"ids": ids} for ids in by_hash.values() if len(ids) > 1]
    firsts = [r for r in records if by_hash[r["sha256"]][0] == r["id"]]
    pairs = hash_pairs([r["phash"] for r in firsts], [r["phash"] for r in firsts], NEAR_DUPLICATE_BITS, same=True)
    near = [
        {"ids": [firsts[i]["id"], firsts[j]["id"]], "distance": distance,
         "labels": [firsts[i]["labels"], firsts[j]["labels"]]}
        for i, j, distance in pairs
    ]  # fmt: skip
    return exact, {"count": len(near), "pairs": near[:MAX_PAIRS]}


def image_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Concept counts, imbalance, rare concepts, duplicates, size and aspect distributions, with warnings."""
    concepts = Counter(label for r in records for label in r["labels"])
    counts = dict(sorted(concepts.items(), key=lambda item: (-item[1], item[0])))
    exact, near = _duplicates(records)
    report: dict[str, Any] = {
        "concepts": counts,
        "labelled": sum(1 for r in records if r["labels"]),
        "negatives": sum(1 for r in records if r.get("negative")),
        "unlabeled": sum(1 for r in records if not r["labels"] and not r.get("negative")),
        "multi_label": sum(1 for r in records if len(r["labels"]) > 1),
        "imbalance": imbalance(counts),
        "few_examples": few_examples(counts),
        "exact_duplicates": exact,
        "near_duplicates": near,
        "width": _distribution([r["width"] for r in records]),
        "height": _distribution([r["height"] for r in records]),
        "aspect": _distribution([r["width"] / r["height"] for r in records]),
        "formats": dict(Counter(r["format"] for r in records).most_common()),
    }
    warnings = []
    if report["imbalance"] and report["imbalance"]["ratio"] >= IMBALANCE_WARNING_RATIO:
        warnings.append({"item": "concepts", "reason": f"imbalanced concepts: {report['imbalance']['ratio']}x"})
    for few in report["few_examples"]:
        reason = f"concept {few['label']} has only {plural(few['count'], 'image')}"
        warnings.append({"item": few["label"], "reason": reason})
    warnings += case_variant_warnings("concepts", "concept", counts)
    if exact:
        warnings.append({"item": "duplicates", "reason": f"{len(exact)} group(s) of identical images"})
    warnings += _conflicting_labels(records, exact)
    if near["count"]:
        warnings.append({"item": "duplicates", "reason": f"{near['count']} pair(s) of near-duplicate images"})
    report["warnings"] = warnings
    return report


def _conflicting_labels(records: list[dict[str, Any]], exact: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A warning for each group of identical images labelled differently: one of them is wrong (or both), and
    training sees the same picture as two answers."""
    labels = {r["id"]: "negative" if r.get("negative") else ";".join(r["labels"]) or "unlabeled" for r in records}
    warnings = []
    for group in exact:
        if len({labels[i] for i in group["ids"]}) > 1:
            listed = ", ".join(f"{i} ({labels[i]})" for i in group["ids"])
            reason = f"identical images labelled differently: {listed}; correct the wrong label"
            warnings.append({"item": "duplicates", "reason": reason})
    return warnings
