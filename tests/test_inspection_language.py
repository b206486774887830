"""Inspection reports of language datasets (utterances, annotated text, patterns) with known numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tunefork.config import UploadLimits
from tunefork.datasets.importer import import_dataset
from tunefork.datasets.inspection import inspect_dataset
from tunefork.datasets.language_inspection import (
    MAX_NEAR_DUPLICATE_PAIRS,
    forgetting_risk,
    near_duplicates,
    normalize_for_duplicates,
)
from tunefork.language.pipelines import base_ner_labels
from tunefork.workflows.datasets import inspect, upload_dataset
from tunefork.workflows.projects import create_project

BASE_LABELS = ("PERSON", "DATE", "ORG")


def imported(tmp_path: Path, name: str, content: str, kind: str) -> Path:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    dest = tmp_path / "datasets" / kind
    import_dataset(source, kind, dest, UploadLimits())
    return dest


def jsonl(*values: object) -> str:
    return "".join(json.dumps(v) + "\n" for v in values)


GREETINGS = ["hello there", "Hello there!", "there hello"] + [f"greet variant w{i}" for i in range(19)]
NLU = (
    'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n'
    + "".join(f"    - {text}\n" for text in GREETINGS)
    + "- intent: bye\n  examples: |\n    - [bob](person) says bye\n    - see you [monday](DATE)\n"
    "- synonym: monday\n  examples: |\n    - mon\n"
    "- regex: zipcode\n  examples: |\n    - \\d{5}\n"
    "- lookup: city\n  examples: |\n    - Paris\n"
)


@pytest.fixture
def utterances_set(tmp_path) -> Path:
    return imported(tmp_path, "nlu.yml", NLU, "utterances")


def test_utterances_report_numbers(utterances_set):
    report = inspect_dataset(utterances_set, "utterances", base_labels=BASE_LABELS)
    json.dumps(report)  # plain JSON-able data
    assert (report["items"], report["accepted"], report["rejected"]) == (27, 27, 0)
    counts = [report[key] for key in ("examples", "entities", "synonyms", "regexes", "lookups")]
    assert counts == [24, 2, 1, 1, 1]
    assert report["label_counts"] == {"intents": {"greet": 22, "bye": 2}, "entities": {"DATE": 1, "person": 1}}
    assert report["imbalance"] == {
        "intents": {"ratio": 11.0, "max": {"label": "greet", "count": 22}, "min": {"label": "bye", "count": 2}},
        "entities": {"ratio": 1.0, "max": {"label": "person", "count": 1}, "min": {"label": "DATE", "count": 1}},
    }
    assert report["few_examples"] == {
        "intents": [{"label": "bye", "count": 2}],
        "entities": [{"label": "DATE", "count": 1}, {"label": "person", "count": 1}],
    }
    duplicates = report["near_duplicates"]
    assert duplicates["count"] == 3
    assert [(p["texts"], p["similarity"], p["reason"]) for p in duplicates["pairs"]] == [
        (["hello there", "Hello there!"], 1.0, "same text ignoring case and punctuation"),
        (["hello there", "there hello"], 1.0, "100% of their words shared"),
        (["Hello there!", "there hello"], 1.0, "100% of their words shared"),
    ]
    assert duplicates["pairs"][0]["ids"] == ["line-5", "line-6"]
    risk = report["forgetting_risk"]
    assert risk["missing_labels"] == ["ORG"]
    assert "ORG" in risk["explanation"] and "forget them without rehearsal (--no-rehearsal)" in risk["explanation"]
    by_item = {}
    for warning in report["warnings"]:
        by_item.setdefault(warning["item"], []).append(warning["reason"])
    assert by_item["intents"] == [
        "Intent 'greet' has 22 examples but 'bye' only 2 (11 times fewer); a model trained on it will favour the "
        "frequent ones",
        "1 intent(s) have fewer than 10 examples: bye (2) (to train on; a test set needs no minimum)",
    ]
    assert by_item["entities"] == [
        "2 entity label(s) have fewer than 10 examples: DATE (1), person (1) (to train on; a test set needs no minimum)"
    ]
    assert by_item["near-duplicates"][0].startswith("3 pair(s) of near-duplicate examples (e.g. line 5 and line 6)")
    assert by_item["forgetting"] == [risk["explanation"]]


def test_annotated_text_report_numbers(tmp_path):
    records = [{"text": f"I bought a Pixel {i}", "spans": [{"start": 11, "end": 11 + len(f"Pixel {i}"),
                "label": "GADGET"}]} for i in range(1, 13)]  # fmt: skip
    records += [{"text": "Google makes phones", "spans": [{"start": 0, "end": 6, "label": "ORG"}]}]
    records += [{"text": "nothing to see", "spans": []}]
    folder = imported(tmp_path, "ner.jsonl", jsonl(*records), "annotated-text")
    report = inspect_dataset(folder, "annotated-text", base_labels=BASE_LABELS)
    assert (report["records"], report["spans"], report["records_without_spans"]) == (14, 13, 1)
    assert report["label_counts"] == {"spans": {"GADGET": 12, "ORG": 1}}
    assert report["imbalance"]["spans"]["ratio"] == 12.0
    assert report["few_examples"] == {"spans": [{"label": "ORG", "count": 1}]}
    assert report["near_duplicates"] == {"count": 0, "pairs": []}
    assert report["forgetting_risk"]["missing_labels"] == ["PERSON", "DATE"]
    assert [w["item"] for w in report["warnings"]] == ["spans", "spans", "forgetting"]
    assert report["warnings"][0]["reason"].startswith("Span label 'GADGET' has 12 examples but 'ORG' only 1")


def test_patterns_report(tmp_path):
    patterns = jsonl(
        {"label": "GADGET", "pattern": [{"LOWER": "pixel"}]},
        {"label": "GADGET", "pattern": "iPhone"},
        {"label": "ORG", "pattern": "Google"},
    )
    report = inspect_dataset(imported(tmp_path, "p.jsonl", patterns, "patterns"), "patterns")
    assert (report["patterns"], report["token_patterns"], report["phrase_patterns"]) == (3, 1, 2)
    assert report["label_counts"] == {"patterns": {"GADGET": 2, "ORG": 1}}
    assert report["imbalance"]["patterns"]["ratio"] == 2.0
    assert "near_duplicates" not in report and "forgetting_risk" not in report
    assert report["warnings"] == []


def test_near_duplicates_by_jaccard():
    ten = "book me a flight to paris on monday morning please"
    items = [
        ("a", ten),
        ("b", ten.removesuffix(" please")),  # 9 of 10 words: Jaccard 0.9
        ("c", ten.removesuffix(" morning please")),  # 8 of 10 words: 0.8 against a, 8/9 against b
        ("d", "something else entirely"),
    ]
    result = near_duplicates(items)
    assert result["count"] == 1
    assert result["pairs"] == [
        {"ids": ["a", "b"], "texts": [ten, items[1][1]], "similarity": 0.9, "reason": "90% of their words shared"}
    ]
    assert normalize_for_duplicates("  Hello,   WORLD!! ") == "hello world"


def test_near_duplicates_are_capped_and_fast_on_5000_items():
    items = [(f"x{i}", f"please book table {i} for {i % 7} people at place {i * 31 % 997}") for i in range(5000)]
    items += [(f"dup{i}", "Call my mother" + "!" * i) for i in range(30)]  # 435 pairs of one text
    started = time.perf_counter()
    result = near_duplicates(items)
    assert time.perf_counter() - started < 5.0
    assert result["count"] == 30 * 29 // 2
    assert len(result["pairs"]) == MAX_NEAR_DUPLICATE_PAIRS


def test_forgetting_risk_is_none_without_base_labels():
    assert forgetting_risk(["ORG"], None) is None
    assert forgetting_risk(["org", "person"], ["ORG", "PERSON"]) == {"missing_labels": [], "explanation": None}


def test_workflow_inspect_language_dataset_uses_bundled_labels(workspace, tmp_path):
    create_project(workspace, "bot", "language")
    source = tmp_path / "nlu.yml"
    source.write_text(NLU, encoding="utf-8")
    upload_dataset(workspace, "bot", source, "utterances", name="nlu")
    report = inspect(workspace, "nlu", "bot")["report"]
    assert report["examples"] == 24
    # computed once: the studio page of a 5M-line dataset took 10 minutes at every view (a security review)
    [cached] = workspace.inspections_cache_dir.iterdir()
    cached.write_text(json.dumps({**report, "examples": 25}), encoding="utf-8")
    assert inspect(workspace, "nlu", "bot")["report"]["examples"] == 25
    from tunefork.workflows.projects import delete_project

    delete_project(workspace, "bot")  # the report quotes the texts: it goes with the project (a code review)
    assert not cached.exists()
    assert report["forgetting_risk"] is None  # a language project's model outputs only its own slots
    create_project(workspace, "ner", "entities")
    spans = tmp_path / "spans.jsonl"
    spans.write_text(jsonl({"text": "Ada met Bob", "spans": [{"start": 0, "end": 3, "label": "PERSON"}]}))
    upload_dataset(workspace, "ner", spans, "annotated-text", name="spans")
    missing = inspect(workspace, "spans", "ner")["report"]["forgetting_risk"]["missing_labels"]
    assert "ORG" in missing and "PERSON" not in missing
    assert set(missing) == set(base_ner_labels()) - {"PERSON"}


def test_out_of_scope_examples_are_not_an_intent_to_balance(tmp_path):
    rows = [f"hello number {i},greet" for i in range(12)] + [f"bye number {i},bye" for i in range(10)]
    rows += ["tell me a joke,out_of_scope", "what is the weather,out_of_scope", "play music,oos"]
    report = inspect_dataset(imported(tmp_path, "nlu.csv", "text,intent\n" + "\n".join(rows) + "\n", "utterances"),
                             "utterances")  # fmt: skip
    assert report["label_counts"]["intents"] == {"greet": 12, "bye": 10, "out_of_scope": 2, "oos": 1}
    assert report["learned_labels"]["intents"] == 2  # the studio counted 4 "Intents"
    assert report["imbalance"]["intents"]["min"] == {"label": "bye", "count": 10}
    assert report["few_examples"]["intents"] == []
    assert not [w for w in report["warnings"] if w["item"] == "intents"]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        (["hi,greet", "hello,greet"], "Only one intent"),
        (["hi,greet", "hello,greet", "tell me a joke,out_of_scope"], "Only one intent besides out-of-scope examples"),
        (["tell me a joke,out_of_scope", "play music,oos"], "No intent besides out-of-scope examples"),
    ],
)
def test_out_of_scope_examples_are_not_a_second_intent(tmp_path, rows: list[str], reason: str) -> None:
    """Training sets out-of-scope examples apart and refuses fewer than two intents besides them; so does this."""
    report = inspect_dataset(imported(tmp_path, "nlu.csv", "text,intent\n" + "\n".join(rows) + "\n", "utterances"),
                             "utterances")  # fmt: skip
    warned = [w["reason"] for w in report["warnings"] if w["item"] == "intents" and "classifier" in w["reason"]]
    assert warned == [
        f"{reason}; an intent classifier needs at least two, from this dataset or the others it trains with"
    ]
