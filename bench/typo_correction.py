"""Intent accuracy on requests as typed and with their typos corrected, by the same trained models (issue 12).

``train_intents`` corrects unknown words toward the training vocabulary before its classifier reads a request
(:mod:`tunefork.language.spelling`); its ``classifier`` reads them as typed. For each domain this trains the
default classifier once (saved under ``--cache``, reused by later runs), scores the test requests and the
out-of-scope requests both ways, and prints accuracy with the out-of-scope decision, closed-set accuracy, out-of-scope
recall and in-scope kept, then each test request the corrector changed with both answers.

Domains: those of ``bench/small_messy_data.py`` (requests as ``bench/small_messy_intents.py`` builds them),
``marina`` (``bench/data/marina/``) and ``stowaway`` (``bench/data/stowaway/``).

    .venv/bin/python bench/typo_correction.py --domains marina,stowaway,plumber --cache /tmp/typo-models
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from small_messy_data import named_domains
from small_messy_intents import domain_requests

from tunefork.datasets.utterance_formats import parse_rasa_example, parse_rasa_yaml
from tunefork.language.intent_calibration import out_of_scope_flags
from tunefork.language.intents import load_intent_model, train_intents

DATA = Path(__file__).resolve().parent / "data"
OUT_OF_SCOPE = ("out_of_scope", "Default Fallback Intent")
Project = tuple[str, list[dict], list[dict], list[str]]


def _marina() -> Project:
    train = [r for r in parse_rasa_yaml(DATA / "marina" / "nlu.yml", "nlu").records if r.get("intent")]
    test = parse_rasa_yaml(DATA / "marina" / "test.yml", "test").records
    in_scope = [r for r in test if r.get("intent") and r["intent"] not in OUT_OF_SCOPE]
    return "marina", train, in_scope, [r["text"] for r in test if r not in in_scope]


def _source_phrases(path: Path) -> list[dict]:
    """The phrases of a ``make_agent.py`` source file (``## intent`` headings, Rasa-style annotations)."""
    rows, intent = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            intent = line[3:].strip()
        elif line.strip():
            rows.append({"text": parse_rasa_example(line.strip())[0], "intent": intent})
    return rows


def _stowaway() -> Project:
    test = _source_phrases(DATA / "stowaway" / "test.src.txt")
    in_scope = [r for r in test if not r["intent"].startswith("OOS")]
    return "stowaway", _source_phrases(DATA / "stowaway" / "train.src.txt"), in_scope, [
        r["text"] for r in test if r["intent"].startswith("OOS")
    ]  # fmt: skip


def project(name: str) -> Project:
    """A domain's name, training requests, in-scope test requests and out-of-scope requests."""
    if name == "marina":
        return _marina()
    if name == "stowaway":
        return _stowaway()
    domains = named_domains(name)
    if not domains:
        raise SystemExit(f"unknown domain {name!r}")
    train, test = domain_requests(domains[0])
    return name, train, test, list(domains[0].out_of_scope)


def _scores(probabilities: np.ndarray, labels: list[str], threshold: float, test: list[dict]) -> dict:
    flags = out_of_scope_flags(probabilities, threshold)
    top = np.array(labels)[probabilities.argmax(axis=1)]
    n = len(test)
    right = sum(top[i] == r["intent"] and not flags[i] for i, r in enumerate(test))
    return {
        "accuracy": (right + int(flags[n:].sum())) / len(probabilities),
        "closed_set": float(np.mean([top[i] == r["intent"] for i, r in enumerate(test)])),
        "oos_recall": float(flags[n:].mean()) if len(probabilities) > n else None,
        "kept": 1 - float(flags[:n].mean()),
        "answers": [f"{t}{' (flagged)' if f else ''}" for t, f in zip(top, flags, strict=True)],
    }


def run(name: str, cache: Path) -> dict:
    """Train (or load) ``name``'s model and score its requests as typed and corrected."""
    _, train, test, out_of_scope = project(name)
    folder = cache / name
    if (folder / "intents.json").is_file():
        model = load_intent_model(folder)
    else:
        model, _ = train_intents([(r["text"], r["intent"]) for r in train])
        model.save(folder)
    texts = [r["text"] for r in test] + out_of_scope
    typed = _scores(model.classifier.probabilities(texts), model.labels, model.threshold, test)
    corrected = _scores(model.probabilities(texts), model.labels, model.threshold, test)
    changes = []
    for i, text in enumerate(texts):
        fixed = model.corrector.correct(text)
        if fixed != text:
            gold = test[i]["intent"] if i < len(test) else "out of scope"
            changes.append(f"[{gold}] {text!r} -> {fixed!r}: {typed['answers'][i]} -> {corrected['answers'][i]}")
    for scores in (typed, corrected):
        del scores["answers"]
    return {"domain": name, "typed": typed, "corrected": corrected, "changes": changes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", required=True, help="comma-separated domain names")
    parser.add_argument("--cache", type=Path, required=True, help="folder for the trained models (reused)")
    args = parser.parse_args()
    rows = [run(name, args.cache) for name in args.domains.split(",")]
    keys = ("accuracy", "closed_set", "oos_recall", "kept")
    print("| domain | requests changed | as typed: accuracy / closed-set / OOS recall / kept | corrected |")
    print("|---|---:|---|---|")

    def cells(scores: dict) -> str:
        return " / ".join("n/a" if scores[k] is None else f"{100 * scores[k]:.1f}" for k in keys)

    for row in rows:
        print(f"| {row['domain']} | {len(row['changes'])} | {cells(row['typed'])} | {cells(row['corrected'])} |")
    means = {side: {k: statistics.mean(r[side][k] for r in rows if r[side][k] is not None) for k in keys}
             for side in ("typed", "corrected")}  # fmt: skip
    print(f"| mean | | {cells(means['typed'])} | {cells(means['corrected'])} |")
    for row in rows:
        print(f"\n{row['domain']}:", *row["changes"], sep="\n  ")
    print(json.dumps(means), file=sys.stderr)


if __name__ == "__main__":
    main()
