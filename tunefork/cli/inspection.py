"""`tunefork dataset inspect` in words: the inspection report summarised as the studio shows it.

Durations as a text histogram, conversions grouped, duplicates and out-of-vocabulary words with what they
are measured against, label counts as bars, warnings grouped by reason. Parts of a report this module does
not know (a new dataset kind's) are printed as plain key/value lines; ``--json`` prints everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tunefork.cli.common import console, visible
from tunefork.datasets.histogram import histogram_bins
from tunefork.wording import item_name, plural

BAR_WIDTH = 30
MAX_SHOWN = 10
"""Most ids, duplicates, words or labels listed on one line (``--json`` has all)."""
HEADER_KEYS = {"kind", "source_format", "items", "accepted", "rejected"}
"""Already in the dataset's header line."""


def _say(text: str) -> None:
    console.print(visible(text), highlight=False, markup=False, soft_wrap=True)  # texts from users, logs included


def _listed(items: list[str], limit: int = MAX_SHOWN) -> str:
    more = f", ... and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def text_histogram(values: list[float], fmt: Callable[[float], str], integer: bool = False) -> list[str]:
    """One line per bin: its range, a bar and its count (the bins of the studio's chart)."""
    bins = histogram_bins(values, bins=8, integer=integer)
    peak = max(bins.counts) or 1
    ranges = [f"{fmt(bins.edge(i))} to {fmt(bins.edge(i + 1))}" for i in range(len(bins.counts))]
    width = max(len(r) for r in ranges)
    return [
        f"  {shown:>{width}}  {'█' * round(BAR_WIDTH * n / peak):<{BAR_WIDTH}} {n}"
        for shown, n in zip(ranges, bins.counts, strict=True)
    ]


def bars(counts: dict[str, int]) -> list[str]:
    """One line per label: a bar as long as its count (the most frequent first, as given)."""
    shown = list(counts.items())[: MAX_SHOWN * 2]
    peak = max((n for _, n in shown), default=1) or 1
    width = max((len(label) for label, _ in shown), default=0)
    lines = [f"  {label:<{width}}  {'█' * max(1, round(BAR_WIDTH * n / peak))} {n}" for label, n in shown]
    if len(counts) > len(shown):
        lines.append(f"  ... and {len(counts) - len(shown)} more")
    return lines


def _audio(report: dict[str, Any]) -> None:
    spread = report.get("duration_s") or {}
    line = f"Audio: {report['total_duration_s']:g} s in all"
    if spread:
        line += f", {spread['min']:g} to {spread['max']:g} s per item (median {spread['median']:g} s)"
    _say(line)
    durations = [d["seconds"] for d in report.get("durations") or []]
    if len(durations) > 1:
        for row in text_histogram(durations, lambda v: f"{v:g} s"):
            _say(row)


def _conversions(report: dict[str, Any]) -> None:
    items = report.get("converted_items") or []
    if items:
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for item in items:
            groups[tuple(item["conversions"])].append(item_name(item["id"]))
        _say(f"Converted to 16 kHz mono WAV: {plural(len(items), 'item')}")
        for conversions, ids in sorted(groups.items(), key=lambda group: -len(group[1])):
            _say(f"  {'; '.join(conversions)}: {plural(len(ids), 'item')} ({_listed(ids, 5)})")
    elif report.get("conversions"):
        _say("Conversions: " + ", ".join(f"{name} {count}" for name, count in report["conversions"].items()))


def _texts(report: dict[str, Any]) -> set[str]:
    """Words, empty and duplicated texts; returns the keys it printed."""
    done = set()
    if "words" in report:
        _say(f"Words: {report['words']} ({report['distinct_words']} distinct)")
        done |= {"words", "distinct_words"}
    for key, value in report.items():
        noun = key.removeprefix("empty_").removeprefix("duplicate_")
        if key.startswith("empty_") and isinstance(value, list):
            if value:
                _say(f"Empty {noun}: {len(value)} ({_listed([item_name(i) for i in value])})")
            done.add(key)
        elif key.startswith("duplicate_") and isinstance(value, list):
            if value:
                shown = [f'"{d["text"]}" ({", ".join(map(item_name, d["ids"]))})' for d in value]
                _say(f"Duplicated {noun}: {len(value)}: {_listed(shown, 5)}")
            done.add(key)
    return done


def _oov(oov: dict[str, Any]) -> None:
    line = (
        f"Out of vocabulary: {oov['rate']:.1%} of the words ({plural(oov['tokens'], 'occurrence')}, "
        f"{oov['distinct']} distinct)"
    )
    if oov.get("against"):
        line += f", measured against {oov['against']}"
    _say(line)
    if oov["top"]:
        words = [f"{w['word']} ×{w['count']}" for w in oov["top"][:20]]
        unlisted = oov["distinct"] - len(words)  # the report keeps the most frequent only
        _say("  " + ", ".join(words) + (f", ... and {unlisted} more" if unlisted > 0 else ""))


def _oov_entries(entries: list[dict[str, Any]]) -> None:
    """Pronunciations whose spoken form holds words outside the dictionary, one readable item each."""
    shown = [f'{e["display"]} = "{e["spoken"]}" ({", ".join(e["oov_words"])})' for e in entries]
    _say(f"Spoken forms with words outside the dictionary: {len(entries)}: {_listed(shown, 5)}")


def _labels(report: dict[str, Any]) -> None:
    """Label counts as bars (language label families, image concepts), imbalance, near duplicates, forgetting."""
    families = dict(report.get("label_counts") or {})
    if isinstance(report.get("concepts"), dict):
        families["concepts"] = report["concepts"]
    for family, counts in families.items():
        if counts:
            learned = (report.get("learned_labels") or {}).get(family, len(counts))
            besides = " and out-of-scope examples" if learned < len(counts) else ""  # not an intent to learn
            _say(f"{family.capitalize()} ({learned}{besides}):")
            for line in bars(counts):
                _say(line)
    imbalances = report.get("imbalance") or {}
    if "ratio" in imbalances:  # one family (image concepts) rather than one per family
        imbalances = {"concepts": imbalances}
    for family, imbalance in imbalances.items():
        if imbalance:
            most, least = imbalance["max"], imbalance["min"]
            _say(
                f"Imbalance of {family}: {imbalance['ratio']:g}x ({most['label']} {most['count']}, "
                f"{least['label']} {least['count']})"
            )
    near = report.get("near_duplicates")
    if near and near.get("count"):
        pairs = [" / ".join(f'"{t}"' for t in pair["texts"]) if "texts" in pair
                 else " / ".join(map(item_name, pair["ids"])) for pair in near["pairs"]]  # fmt: skip
        images = "distance" in (near["pairs"] or [{}])[0]  # photos that only look alike are listed too (a review)
        look = " (alike to a perceptual hash: look at them before deleting any)" if images else ""
        _say(f"Near duplicates{look}: {near['count']}: {_listed(pairs, 5)}")


def _warnings(report: dict[str, Any]) -> None:
    """The inspection's warnings, one line per reason with the items it concerns, then the import's (whose
    reasons name their file and line already: printed as they are)."""
    inspected, imported = report.get("warnings") or [], report.get("import_warnings") or []
    if not inspected and not imported:
        return
    by_reason: dict[str, list[str]] = defaultdict(list)
    for warning in inspected:
        by_reason[warning["reason"]].append(item_name(warning["item"]))
    _say(f"Warnings ({len(inspected) + len(imported)}):")
    for reason, items in by_reason.items():
        _say(f"  {reason}: {_listed(items, 5)}" if len(items) > 1 else f"  {items[0]}: {reason}")
    for warning in imported:
        _say(f"  {warning['reason']}")


def _shared(report: dict[str, Any]) -> None:
    """What the dataset shares with the project's other datasets: a test set must share nothing with training."""
    for note in report.get("shared_with_other_datasets") or []:
        _say(f"Shared with another dataset: {note}")


KNOWN = HEADER_KEYS | {
    "words", "distinct_words", "total_duration_s", "duration_s", "durations", "conversions", "converted_items",
    "oov", "label_counts", "concepts", "imbalance", "near_duplicates", "forgetting_risk", "few_examples", "warnings",
    "import_warnings", "oov_entries", "everyday_entries", "shared_with_other_datasets",
}  # fmt: skip
"""Keys printed by their own section (``few_examples`` and ``everyday_entries`` are among the warnings)."""


ID_KEYS = ("id", "ids")
"""Keys of a report's records that hold item ids: named as a sentence names them (``line 42``), unlabelled."""


def _rest(report: dict[str, Any], prefix: str = "") -> None:
    """The parts of a report no section knows, as plain lines (``exact_duplicates`` reads ``exact duplicates``)."""
    for key, value in report.items():
        label = prefix + key.replace("_", " ")
        if isinstance(value, dict) and not any(isinstance(v, dict | list) for v in value.values()):
            shown = (f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
            _say(f"{label}: {', '.join(shown)}")
        elif isinstance(value, dict):
            _say(f"{label}:")
            _rest(value, prefix + "  ")
        elif isinstance(value, list):
            if value:
                _say(f"{label} ({len(value)}): {_listed([_item(v) for v in value], 5)}")
        elif value is not None:
            _say(f"{label}: {value}")


def _item(value: Any) -> str:
    """One listed item in words: a record names its items first (``line 2 / line 9``), then its other fields
    as ``key value`` pairs in brackets, rather than Python's repr of a dict."""
    if isinstance(value, dict):
        named = [_names(value[key]) for key in ID_KEYS if key in value]
        fields = [f"{k} {_item(v)}" for k, v in value.items() if k not in ID_KEYS]
        described = f"({', '.join(fields)})" if fields else ""
        return " ".join(part for part in (", ".join(named), described) if part)
    if isinstance(value, list):
        return " ".join(_item(v) for v in value)
    return str(value)


def _names(ids: Any) -> str:
    """An item id, or several (``line 2 / line 9``), as sentences name them."""
    return " / ".join(item_name(str(i)) for i in ids) if isinstance(ids, list) else item_name(str(ids))


def print_inspection(report: dict[str, Any]) -> None:
    """The inspection report of one dataset, summarised."""
    counts = {k: v for k, v in report.items() if k not in KNOWN and isinstance(v, int) and not isinstance(v, bool)}
    _say(f"Items: {report['items']}" + "".join(f", {key.replace('_', ' ')} {n}" for key, n in counts.items()))
    if "total_duration_s" in report:
        _audio(report)
    _conversions(report)
    printed = _texts(report)
    if report.get("oov"):
        _oov(report["oov"])
    if report.get("oov_entries"):
        _oov_entries(report["oov_entries"])
    _labels(report)
    _warnings(report)
    _shared(report)
    _rest({key: value for key, value in report.items() if key not in KNOWN | printed | set(counts)})
