"""Generated language sample data (NER with a GADGET label, intents) and the ATIS benchmark's parsing helpers."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tunefork.language.pipelines import blank_english
from tunefork.language.sample_data import (
    BASE_LABELS,
    GADGET_LABEL,
    gadget_names,
    gadget_ner_examples,
    intent_examples,
    out_of_scope_examples,
)

ATIS_LINES = [
    "i:O want:O to:O fly:O from:O st.:B-fromloc.city_name louis:I-fromloc.city_name to:O dallas:B-toloc.city_name"
    " <=> atis_flight",
    "show:O fares:O round:B-round_trip trip:I-round_trip class:I-fare_basis_code a:B-x b:I-x <=> atis_airfare",
    "what:O is:O 10:30:B-depart_time.time am:I-depart_time.time <=> atis_flight;atis_airfare",
]


@pytest.fixture(scope="module")
def atis() -> ModuleType:
    """``bench/atis.py`` imported from its path (the bench folder is not a package)."""
    path = Path(__file__).parent.parent / "bench" / "atis.py"
    spec = importlib.util.spec_from_file_location("bench_atis", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ner_records() -> list[dict[str, Any]]:
    return gadget_ner_examples(200, seed=3) + gadget_ner_examples(200, seed=3, names="test")


def test_generators_are_deterministic_per_seed() -> None:
    assert gadget_ner_examples(50, seed=1) == gadget_ner_examples(50, seed=1)
    assert gadget_ner_examples(50, seed=1) != gadget_ner_examples(50, seed=2)
    assert intent_examples(10, seed=1) == intent_examples(10, seed=1)
    assert intent_examples(10, seed=1) != intent_examples(10, seed=2)
    assert out_of_scope_examples(30, seed=1) == out_of_scope_examples(30, seed=1)


def test_ner_spans_align_to_tokens_and_do_not_overlap() -> None:
    nlp = blank_english()
    for record in ner_records():
        doc = nlp(record["text"])
        spans = sorted((span["start"], span["end"]) for span in record["spans"])
        for start, end in spans:
            assert doc.char_span(start, end) is not None, (record["text"], start, end)
        assert all(previous[1] <= current[0] for previous, current in itertools.pairwise(spans))


def test_ner_records_mention_gadgets_and_base_labels() -> None:
    records = ner_records()
    labels = {span["label"] for record in records for span in record["spans"]}
    assert labels == {GADGET_LABEL, *BASE_LABELS}
    assert all(any(span["label"] == GADGET_LABEL for span in record["spans"]) for record in records)
    assert len({record["text"] for record in records}) > 0.9 * len(records)


def test_train_and_test_share_no_gadget_or_person() -> None:
    assert not set(gadget_names("train")) & set(gadget_names("test"))

    def values(names: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {GADGET_LABEL: set(), "PERSON": set()}
        for record in gadget_ner_examples(300, seed=5, names=names):
            for span in record["spans"]:
                if span["label"] in found:
                    found[span["label"]].add(record["text"][span["start"] : span["end"]])
        return found

    train, test = values("train"), values("test")
    assert train[GADGET_LABEL] and test[GADGET_LABEL]
    assert not train[GADGET_LABEL] & test[GADGET_LABEL]
    assert not train["PERSON"] & test["PERSON"]


def test_annotated_only_keeps_only_those_labels() -> None:
    full = gadget_ner_examples(60, seed=9)
    gadgets_only = gadget_ner_examples(60, seed=9, annotated_only=(GADGET_LABEL,))
    assert [record["text"] for record in gadgets_only] == [record["text"] for record in full]
    for partial, complete in zip(gadgets_only, full, strict=True):
        assert partial["spans"] == [span for span in complete["spans"] if span["label"] == GADGET_LABEL]


def test_intent_examples_have_aligned_entities_and_canonical_values() -> None:
    nlp = blank_english()
    records = intent_examples(30, seed=4)
    intents = {record["intent"] for record in records}
    assert len(intents) == 5
    assert all(sum(record["intent"] == intent for record in records) == 30 for intent in intents)
    assert len({record["text"].lower() for record in records}) == len(records)
    synonyms = set()
    for record in records:
        for entity in record["entities"]:
            assert nlp(record["text"]).char_span(entity["start"], entity["end"]) is not None
            surface = record["text"][entity["start"] : entity["end"]]
            if surface != entity["value"]:
                synonyms.add((surface, entity["value"]))
    assert ("Tylenol", "acetaminophen") in synonyms or ("Advil", "ibuprofen") in synonyms


def test_out_of_scope_sentences_are_distinct_and_not_requests() -> None:
    sentences = out_of_scope_examples(100, seed=2)
    assert len({sentence.lower() for sentence in sentences}) == 100
    requests = {record["text"].lower() for record in intent_examples(50, seed=2)}
    assert not requests & {sentence.lower() for sentence in sentences}


def test_atis_line_becomes_text_intent_and_character_slots(atis: ModuleType) -> None:
    first, second, third = (atis.parse_atis_line(line) for line in ATIS_LINES)
    assert first.text == "i want to fly from st. louis to dallas"
    assert first.intent == "atis_flight"
    assert [first.text[start:end] + "/" + label for start, end, label in first.slots] == [
        "st. louis/fromloc.city_name",
        "dallas/toloc.city_name",
    ]
    assert [second.text[start:end] + "/" + label for start, end, label in second.slots] == [
        "round trip/round_trip",
        "class/fare_basis_code",
        "a b/x",
    ]
    assert third.text == "what is 10:30 am"
    assert third.intent == "atis_flight;atis_airfare"
    assert third.slots == ((8, 16, "depart_time.time"),)


def test_atis_rejects_malformed_lines(atis: ModuleType) -> None:
    with pytest.raises(ValueError):
        atis.parse_atis_line("i:O want:O to:O fly:O")
    with pytest.raises(ValueError):
        atis.parse_atis_line("i want <=> atis_flight")


def test_atis_rasa_yaml_round_trips(atis: ModuleType, tmp_path: Path) -> None:
    utterances = [atis.parse_atis_line(line) for line in ATIS_LINES]
    path = tmp_path / "nlu.yml"
    atis.write_rasa_yaml(utterances, path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["version"] == "3.1"
    blocks = {block["intent"]: block["examples"].splitlines() for block in document["nlu"]}
    assert blocks["atis_flight"] == ["- i want to fly from [st. louis](fromloc.city_name) to [dallas](toloc.city_name)"]
    assert blocks["atis_flight;atis_airfare"] == ["- what is [10:30 am](depart_time.time)"]
    with pytest.raises(ValueError):
        atis.rasa_markup(atis.AtisUtterance("see [this]", "atis_flight", ()))


def test_atis_sample_per_intent_is_seeded_and_capped(atis: ModuleType) -> None:
    utterances = [atis.AtisUtterance(f"u{i}", "big" if i < 10 else "small", ()) for i in range(12)]
    sample = atis.sample_per_intent(utterances, 3, seed=0)
    assert sample == atis.sample_per_intent(utterances, 3, seed=0)
    assert [u.intent for u in sample].count("big") == 3
    assert [u.intent for u in sample].count("small") == 2
    assert sample == sorted(sample, key=utterances.index)


def test_atis_upload_order_unique_keeps_the_first_text_in_rasa_yaml_order(atis: ModuleType) -> None:
    utterances = [
        atis.AtisUtterance("a", "atis_flight", ()),
        atis.AtisUtterance("b", "atis_airfare", ()),
        atis.AtisUtterance("b", "atis_flight", ()),  # grouped under atis_flight, written before atis_airfare's
        atis.AtisUtterance("a", "atis_flight", ()),
    ]
    assert atis.upload_order_unique(utterances) == [utterances[0], utterances[2]]
