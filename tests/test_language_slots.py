"""Slots from a handful of annotations (issue 12): the value lookup beside the recognizer, no early stopping
on a tiny dev split, and the warning and ``--gate`` failure for a label the model cannot learn."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tunefork.cli.main import app
from tunefork.engines.card import read_card
from tunefork.engines.contract import TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.kinds import get_kind
from tunefork.kinds.language import weak_label_failure
from tunefork.kinds.options import training_parameters
from tunefork.language.base import Entity
from tunefork.language.crf_slots import MODEL_FILE, CrfTagger, biluo_tags, decode
from tunefork.language.data import AnnotatedText, LanguageTrainingData
from tunefork.language.model import hyphenated_whole
from tunefork.language.rules import EntityRules
from tunefork.language.slot_cv import MIN_HELD_OUT_TEXTS, check_method, held_out_split, unchecked_reason
from tunefork.language.trainer import load, train
from tunefork.language.value_lookup import ValueLookup, _plain, within_distance
from tunefork.progress import no_progress
from tunefork.workflows import datasets, projects, training
from tunefork.workspace import Workspace

PRODUCTS = ("standing desk", "docking station", "ergonomic chair", "laptop stand", "monitor arm")
ORDER = ("order a [{p}](product) for the new hire", "we need another [{p}](product) on floor two",
         "please buy a [{p}](product) for me")  # fmt: skip
BROKEN = ("my [{p}](product) stopped working", "the [{p}](product) in room 4 is broken",
          "the [{p}](product) arrived damaged")  # fmt: skip
MYSTERY_WORDS = ("quickly", "today", "again", "honestly", "maybe")


def _nlu(path: Path, opener: str, mystery: bool) -> Path:
    """Rasa NLU YAML: 20 distinct product annotations over two intents (plus 5 unlearnable ``mystery`` ones)."""
    blocks: dict[str, list[str]] = {"order_item": [], "report_broken": []}
    for index in range(20):
        intent, templates = ("order_item", ORDER) if index % 2 else ("report_broken", BROKEN)
        text = opener + templates[(index // 2) % len(templates)].format(p=PRODUCTS[index % len(PRODUCTS)])
        if mystery and index < len(MYSTERY_WORDS):
            text += f" [{MYSTERY_WORDS[index]}](mystery)"
        blocks[intent].append(text)
    lines = ["version: '3.1'", "nlu:"]
    for intent, texts in blocks.items():
        lines += [f"- intent: {intent}", "  examples: |", *[f"    - {t}" for t in texts]]
    lines += ["- synonym: ergonomic chair", "  examples: |", "    - office chair"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_value_lookup_is_case_plural_and_typo_tolerant() -> None:
    text = "Order a Laptop Stand and an office chair"
    items = [AnnotatedText(text, [(8, 20, "product")]), AnnotatedText("ship order 12345", [(11, 16, "order")])]
    lookup = ValueLookup.from_annotations([*items, AnnotatedText("an ergonomic chair", [(3, 18, "product")])],
                                          {"office chair": "ergonomic chair"})  # fmt: skip
    found = lookup.match("two laptop stands, an OFFICE CHAIR and a laptp stand; order 12345 at night")
    assert [(label, value) for _, _, label, value in found] == [
        ("product", "Laptop Stand"),
        ("product", "ergonomic chair"),
        ("product", "Laptop Stand"),
    ]  # digits-only values are left to the tagger; "night" is no "light"
    assert within_distance("ibuprofin", "ibuprofen", 1) and not within_distance("night", "light", 0)
    passes = ValueLookup.from_annotations([AnnotatedText("a day pass please", [(2, 10, "ticket")])], {})
    assert [value for *_, value in passes.match("buy 3 day passes and a day pass")] == ["day pass", "day pass"]
    assert [_plain(w) for w in ("glass", "glasses", "course", "courses", "box", "boxes")] == [
        "glass", "glass", "course", "course", "box", "box"
    ]  # fmt: skip


def test_slot_label_found_from_20_annotations_and_unlearnable_label_warns_and_fails_the_gate(
    tmp_path: Path, workspace: Workspace
) -> None:
    projects.create_project(workspace, "desk", "language")
    datasets.upload_dataset(workspace, "desk", _nlu(tmp_path / "train.yml", "", mystery=True), "utterances", "train")
    datasets.upload_dataset(workspace, "desk", _nlu(tmp_path / "test.yml", "hi, ", mystery=False), "utterances", "test")
    runner = CliRunner()
    result = runner.invoke(app, ["--home", str(workspace.home), "model", "train", "desk", "--name", "slots",
                                 "--base", "en-core-web-sm", "--dataset", "train", "--test-dataset", "test",
                                 "--intent-classifier", "tfidf", "--slot-tagger", "auto", "--gate"])  # fmt: skip
    output = " ".join(result.output.split())  # Rich wraps long lines
    assert result.exit_code == 1, output
    assert "WARNING" in output and "'mystery'" in output and "from 5 annotated examples" in output
    assert "gate: the model cannot learn these labels from its data: mystery" in output
    model = training.list_models(workspace, "desk")[0]
    card = read_card(workspace.model_dir(model["id"]))
    check = card["contributions"]["entities"]["label_check"]
    assert check["weak"] == ["mystery"] and check["per_label"]["product"]["f1"] >= 0.9
    assert "slot_tagger" not in model["parameters"]["options"]  # auto is the default: not stored
    assert set(check["candidates"]) == {"spacy", "crf"}  # both slot taggers cross-validated, the best kept
    assert check["candidates"][check["tagger"]] == max(check["candidates"].values())
    assert card["contributions"]["entities"]["tagger"] == card["engine_config"]["tagger"] == check["tagger"]
    assert check["per_label"]["product"]["examples"] == 20 and card["warnings"]
    assert card["contributions"]["entities"]["dev_texts"] == 0  # never early-stopped on a tiny dev split
    parser = load(workspace.model_dir(model["id"]), card)
    train_texts = [
        line.strip()[2:] for line in (tmp_path / "train.yml").read_text().splitlines() if "](product)" in line
    ]
    for marked in train_texts:
        start = marked.index("[")
        value = marked[start + 1 : marked.index("]")]
        plain = marked.replace(f"[{value}](product)", value).split(" [")[0]
        found = {(e.text, e.label) for e in parser.parse(plain).entities}
        assert (value, "product") in found, (plain, found)
    synonym = parser.parse("the office chair in room 9 is broken")
    assert [(e.text, e.label, e.value) for e in synonym.entities if e.label == "product"] == [
        ("office chair", "product", "ergonomic chair")
    ]


def _slot_data(texts: int = 20) -> LanguageTrainingData:
    """Order and repair requests (slots only, no intents) whose product slots a CRF learns from context; distinct
    texts (the same text in the data is trained on once)."""
    data = LanguageTrainingData()
    for index in range(texts):
        text = (ORDER + BROKEN)[index % 6].replace("[{p}](product)", PRODUCTS[index % len(PRODUCTS)])
        text += f", ticket {index}" if index >= 6 * len(PRODUCTS) else ""
        start = text.index(PRODUCTS[index % len(PRODUCTS)])
        span = {"start": start, "end": start + len(PRODUCTS[index % len(PRODUCTS)]), "label": "product"}
        data.add_record("annotated-text", {"text": text, "spans": [span]})
    return data


def test_crf_slot_tagger_trains_saves_and_finds_slots(tmp_path: Path) -> None:
    options = {"rehearsal": False, "base_labels_in_output": False, "slot_tagger": "crf", "label_check": False}
    components = train("en-core-web-sm", _slot_data(), TrainingParameters(options=options), tmp_path, no_progress)
    assert components.engine_config["tagger"] == "crf" and (tmp_path / "crf" / MODEL_FILE).is_file()
    assert not (tmp_path / "ner").exists() and components.contributions["entities"]["labels"] == ["product"]
    model = load(tmp_path, {"name": "crf", "engine_config": components.engine_config})
    # a product never annotated, found from its context ("order a ... for"), and a text without slots
    parses = model.parse_batch(["order a filing cabinet for the new hire", "good morning"])
    assert [(e.text, e.label) for e in parses[0].entities] == [("filing cabinet", "product")]
    assert parses[1].entities == []


@pytest.mark.parametrize("tagger", ["spacy", "crf"])
def test_slot_tagger_option_trains_the_tagger_asked_for(tmp_path: Path, tagger: str) -> None:
    parameters = training_parameters(get_kind("language"), {"slot_tagger": tagger, "epochs": 2})
    assert parameters.options["slot_tagger"] == tagger and parameters.options["base_labels_in_output"] is False
    components = train("en-core-web-sm", _slot_data(), parameters, tmp_path, no_progress)
    entities = components.contributions["entities"]
    assert components.engine_config["tagger"] == entities["tagger"] == tagger
    assert list(entities["label_check"]["candidates"]) == [tagger]  # only its labels are checked, no race
    assert (tmp_path / ("crf" if tagger == "crf" else "ner")).is_dir()
    assert not (tmp_path / ("ner" if tagger == "crf" else "crf")).exists()


def test_held_out_split_and_when_each_check_runs() -> None:
    items = [AnnotatedText(f"text {i}", [(0, 4, "common")] + ([(5, 6, "rare")] if i < 3 else [])) for i in range(300)]
    split = held_out_split(items, seed=0)
    assert split == held_out_split(items, seed=0) and sum(split) == 60  # a fifth of 300
    assert sum(split[:3]) == 1  # a fifth of the rare label's 3 texts, at least one
    assert sum(held_out_split(items[:120], seed=1)) == MIN_HELD_OUT_TEXTS
    common = [AnnotatedText(f"text {i}", [(0, 4, "common")]) for i in range(600)]
    assert [check_method(common[:n], ("spacy", "crf")) for n in (100, 101, 500, 501)] == [
        "cv", "held-out", "held-out", None]  # fmt: skip
    assert [check_method(common[:n], ("spacy",)) for n in (100, 101)] == ["cv", None]  # every label common: no check
    assert "every label in 30 or more" in unchecked_reason(common[:101])
    # a label in fewer than 30 texts is worth one spaCy training more (it passed --gate unchecked in a review)
    assert [check_method(items[:n], ("spacy",)) for n in (101, 300)] == ["held-out", "held-out"]


def test_crf_on_more_than_100_texts_is_checked_on_a_held_out_split(tmp_path: Path) -> None:
    data = _slot_data(110)
    data.add_record("annotated-text", {"text": "see you soon", "spans": [{"start": 4, "end": 7, "label": "mystery"}]})
    options = {"rehearsal": False, "base_labels_in_output": False, "slot_tagger": "crf"}
    components = train("en-core-web-sm", data, TrainingParameters(options=options), tmp_path, no_progress)
    check = components.contributions["entities"]["label_check"]
    assert check["folds"] == 1 and check["held_out"] == 50 and check["candidates"]["crf"] > 0.9
    assert check["weak"] == ["mystery"]  # its one text was held out
    assert components.warnings == [
        "entity label 'mystery' reaches a held-out F1 of 0.00 from 1 annotated examples (under 0.5): the model will "
        "miss it; annotate more examples of it, or add a lookup, synonyms or a regex for it."
    ]
    failure = weak_label_failure({"contributions": components.contributions})
    assert failure == "gate: the model cannot learn these labels from its data: mystery (held-out F1 0.00, 1 examples)"


def test_the_label_check_counts_the_users_regex_as_the_served_model_does(tmp_path: Path) -> None:
    options = {"rehearsal": False, "base_labels_in_output": False, "slot_tagger": "crf"}
    checks = {}
    for with_regex in (False, True):
        data = _slot_data()
        data.add_record("annotated-text", {"text": "ticket ZX-9041 please", "spans": [{"start": 7, "end": 14,
                                                                                     "label": "ticket"}]})  # fmt: skip
        if with_regex:
            data.add_record("utterances", {"type": "regex", "name": "ticket", "pattern": r"ZX-\d{4}"})
        parameters = TrainingParameters(options=options)
        components = train("en-core-web-sm", data, parameters, tmp_path / str(with_regex), no_progress)
        checks[with_regex] = components.contributions["entities"]["label_check"]
    assert checks[False]["weak"] == ["ticket"]  # its one text held out: the CRF alone never finds it
    assert checks[True]["weak"] == [] and checks[True]["per_label"]["ticket"]["f1"] == 1.0  # the regex does


def test_slot_tagger_option_refused_clearly(cli) -> None:
    for name, kind in (("nlu", "language"), ("ner", "entities")):
        cli("project", "create", name, "--kind", kind)
    command = ["model", "train", "--name", "m", "--base", "en-core-web-sm", "--dataset", "d"]
    wrong = cli(*command[:2], "nlu", *command[2:], "--slot-tagger", "hmm", expect=1)
    assert "--slot-tagger takes one of auto, spacy, crf (got 'hmm')" in " ".join(wrong.output.split())
    foreign = cli(*command[:2], "ner", *command[2:], "--slot-tagger", "crf", expect=1)
    assert "--slot-tagger (slotTagger) apply to language models only" in " ".join(foreign.output.split())


def test_slot_tagger_bad_inputs_get_clear_reasons(tmp_path: Path) -> None:
    data = _slot_data()
    for options, reason in (
        ({"slot_tagger": "crf"}, "needs base labels left out of the output"),
        ({"slot_tagger": "hmm", "base_labels_in_output": False}, "unknown slot tagger 'hmm'"),
    ):
        with pytest.raises(TuneforkError, match=reason):
            train("en-core-web-sm", data, TrainingParameters(options=options), tmp_path, no_progress)
    with pytest.raises(TuneforkError, match="no entity spans to train the CRF"):
        CrfTagger.train([AnnotatedText("nothing to tag here")], tmp_path / "empty")
    # a span inside a token is widened to the token; overlapping spans keep the longest
    words, tags = biluo_tags(AnnotatedText("buy a docking-station now", [(6, 13, "product"), (6, 21, "product")]))
    assert words == ["buy", "a", "docking", "-", "station", "now"]
    assert tags == ["O", "O", "B-product", "I-product", "L-product", "O"]
    assert decode([(0, 3), (4, 5), (6, 9)], ["I-x", "L-y", "U-x"]) == [(0, 3, "x"), (4, 5, "y"), (6, 9, "x")]


def test_a_tagged_slot_takes_the_canonical_value_of_the_known_value_it_is() -> None:
    annotated = [
        AnnotatedText("sail to belfast", [(8, 15, "port")]),
        AnnotatedText("from dun laoghaire", [(5, 18, "port")]),
    ]
    synonyms = {"dun laoghaire": "dublin"}
    rules = EntityRules(synonyms=synonyms, values=ValueLookup.from_annotations(annotated, synonyms).entries)
    found = [Entity(0, 7, "port", "Belfast", "Belfast"), Entity(0, 6, "port", "Belfst", "Belfst"),
             Entity(0, 13, "port", "Dun Laoghaire", "Dun Laoghaire"), Entity(0, 7, "date", "Belfast", "Belfast"),
             Entity(0, 5, "port", "Derry", "Derry")]  # fmt: skip
    assert [entity.value for entity in rules.resolve(found)] == ["belfast", "belfast", "dublin", "Belfast", "Derry"]


def test_value_lookup_forgives_swapped_letters_and_stops_at_punctuation() -> None:
    lookup = ValueLookup.from_annotations(
        [AnnotatedText("install AutoCAD on my laptop", [(8, 15, "software"), (22, 28, "device")]),
         AnnotatedText("my insurer is UnitedHealthcare", [(14, 30, "insurer")])], {}
    )  # fmt: skip
    text = "AutoACD on my lapotp, and UnitedHealthcare, please"
    assert [(text[s:e], label) for s, e, label, _ in lookup.match(text)] == [
        ("AutoACD", "software"),  # two letters swapped: one typo, not two
        ("lapotp", "device"),
        ("UnitedHealthcare", "insurer"),  # not "UnitedHealthcare," (a comma is no typo)
    ]
    assert within_distance("lapotp", "laptop", 1) and not within_distance("lpatop", "laptop", 0)
    assert not within_distance("abcdef", "badcfe", 2) and within_distance("abcdef", "badcfe", 3)
    assert lookup.match("AutoACD on my lapotp", typos=False) == []


class _FixedTagger:
    """A recognizer that always finds the same spans (what a tagger trained on a handful of texts might do)."""

    def __init__(self, spans: list[tuple[int, int, str]]) -> None:
        self.spans, self.labels = spans, ["phone", "plan", "room"]

    def predict(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [self.spans for _ in texts]


def test_a_known_value_wins_over_a_recognizer_span_that_disagrees_with_it() -> None:
    from tunefork.language.model import SpacyLanguageModel
    from tunefork.language.rules import EntityRules

    items = [AnnotatedText("switch me to Go 15", [(13, 18, "plan")]),
             AnnotatedText("book the junior suite", [(9, 21, "room")]),
             AnnotatedText("a Galaxy S23", [(2, 12, "phone")])]  # fmt: skip
    rules = EntityRules(values=ValueLookup.from_annotations(items, {"s23": "Galaxy S23"}).entries)
    text = "move my new S23 to Go 15, and a junior suite"
    spans = [(8, 15, "phone"), (19, 24, "phone"), (39, 44, "room")]  # a word too many, wrong label, a word short
    model = SpacyLanguageModel(
        "m", recognizer=_FixedTagger(spans), rules=rules, output_labels=["phone", "plan", "room"]
    )
    assert [(e.text, e.label, e.value) for e in model.parse(text).entities] == [
        ("S23", "phone", "Galaxy S23"),
        ("Go 15", "plan", "Go 15"),
        ("junior suite", "room", "junior suite"),
    ]
    # where the recognizer agrees with the known value, or finds something else, its spans stay
    other = "order Pixel 9 on Go 15"
    model = SpacyLanguageModel("m", recognizer=_FixedTagger([(6, 13, "phone"), (17, 22, "plan")]), rules=rules)
    assert [(e.text, e.label, e.source) for e in model.parse(other).entities] == [
        ("Pixel 9", "phone", "model"),
        ("Go 15", "plan", "model"),
    ]


def test_a_lookup_element_wins_over_a_shorter_recognizer_span_too() -> None:
    """'I'd like a quattro formaggi' answered 'quattro' as a size although the lookup lists 'quattro formaggi' as a
    pizza (a formats review: a Lex slot type's values are facts about the project, as annotated values are)."""
    from tunefork.language.model import SpacyLanguageModel

    rules = EntityRules(lookups={"pizza_type": ["quattro formaggi", "margherita"]})
    text = "I'd like a Quattro Formaggi"
    model = SpacyLanguageModel("m", recognizer=_FixedTagger([(11, 18, "size")]), rules=rules)
    assert [(e.text, e.label, e.source) for e in model.parse(text).entities] == [
        ("Quattro Formaggi", "pizza_type", "lookup")
    ]


def test_a_known_value_is_written_as_most_annotations_write_it() -> None:
    """One 'Amoxicillin' among lower-case annotations made every answer 'Amoxicillin' (an entities review)."""
    from tunefork.language.value_lookup import ValueLookup

    items = [AnnotatedText(f"{drug} please", [(0, len(drug), "DRUG")])
             for drug in ("Amoxicillin", "amoxicillin", "amoxicillin")]  # fmt: skip
    [(_, _, label, value)] = ValueLookup.from_annotations(items, {}).match("AMOXICILLIN now")
    assert (label, value) == ("DRUG", "amoxicillin")


def test_against_a_base_without_intents_the_gate_asks_for_more_than_the_commonest_intent() -> None:
    """A model trained on shuffled labels (25% on 28 items) passed --gate: 'not worse' than a base with no intents
    passes anything (a review)."""
    from tunefork.evaluation.language_scoring import LanguageEvaluationResult, ModelScores
    from tunefork.kinds import ResolvedModel
    from tunefork.kinds.language import LANGUAGE_GATE
    from tunefork.kinds.registry import GateContext

    def judged(accuracy: float) -> str | None:
        per_label = {"order": {"support": 8}, "cancel": {"support": 6}, "menu": {"support": 6},
                     "out_of_scope": {"support": 8}}  # fmt: skip
        models = [ModelScores("en-core-web-sm", None, None, None),
                  ModelScores("v1", "1", {"accuracy": accuracy, "per_label": per_label}, None)]  # fmt: skip
        result = LanguageEvaluationResult("test", "utterances", 28, models)
        base, custom = ResolvedModel(name="en-core-web-sm"), ResolvedModel(name="v1", model_id="1")
        return LANGUAGE_GATE.judge(result, GateContext(base, custom, 0.0, Path("."), no_progress)).failure

    assert judged(0.25) == (
        "gate: v1 does not beat chance with 95% confidence: intent accuracy 25.0% on 28 items, at least 14.2% "
        "(one-sided 95% bound), against 28.6% for answering 'order' to every item (en-core-web-sm decides no "
        "intents to compare it with)"
    )
    assert judged(0.4) is not None and judged(0.9) is None  # 40% on 28 items could still be chance; 90% is not


@pytest.mark.parametrize(
    ("text", "predicted", "whole"),
    [
        ("ship via Fed-Ex today", "Fed-", "Fed-Ex"),  # an entities review: carriers came back as "Fed-", "Royal-"
        ("ship via Fed-Ex today", "-Ex", "Fed-Ex"),
        ("book CMA-CGM-Line now", "CMA-", "CMA-CGM-Line"),
        ("a Paris-based firm", "Paris", "Paris"),  # ends at the word's hyphen: a place, rightly
        ("send by Royal- mail", "Royal-", "Royal"),  # a dangling hyphen is dropped
        ("code SKU-12345 please", "SKU-12345", "SKU-12345"),
    ],
)
def test_a_recognized_span_never_ends_inside_a_hyphenated_word(text: str, predicted: str, whole: str) -> None:
    start = text.index(predicted)
    begin, end, label = hyphenated_whole(text, start, start + len(predicted), "CARRIER")
    assert (text[begin:end], label) == (whole, "CARRIER")


class _FixedSpans:
    """A recognizer answering given spans (the protocol's two members), to test what the model does with them."""

    def __init__(self, spans: list[tuple[int, int, str]]) -> None:
        self.spans = spans
        self.labels = ["CARRIER", "GPE", "PRODUCT"]

    def predict(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [self.spans for _ in texts]


def test_only_the_users_labels_grow_over_a_hyphen_and_never_into_another_span() -> None:
    """'Paris-' (the base model's GPE) grew into 'Paris-based', and a grown span could run into the next (a code
    review)."""
    from tunefork.language.model import SpacyLanguageModel

    text = "a Paris-based firm ships via Fed-Ex"
    model = SpacyLanguageModel("m", recognizer=_FixedSpans([(2, 8, "GPE"), (29, 33, "CARRIER")]), base_labels={"GPE"})
    assert [(e.text, e.label) for e in model.parse(text).entities] == [("Paris", "GPE"), ("Fed-Ex", "CARRIER")]
    clash = "order AB-CD"  # "AB-" would grow over the next span
    model = SpacyLanguageModel("m", recognizer=_FixedSpans([(6, 9, "PRODUCT"), (9, 11, "CARRIER")]))
    assert [e.text for e in model.parse(clash).entities] == ["AB-", "CD"]


def test_a_typo_is_allowed_word_by_word_and_never_turns_one_known_value_into_another() -> None:
    """A marina review's 'pontoon A' came back as the value 'pontoon C' and 'next thursday' as 'next tuesday': the
    whole window's letters allowed one typo, spent on a one-letter word."""
    lookup = ValueLookup({"pontoon c": ("berth", "pontoon C"), "next tuesday": ("date", "next tuesday"),
                          "bilge pump": ("product", "bilge pump"), "boat hook": ("product", "boat hook")})  # fmt: skip
    assert lookup.match("book pontoon A for next thursday") == []
    assert [value for *_, value in lookup.match("need a new bildge pump and a boathook")] == ["bilge pump", "boat hook"]
    assert [value for *_, value in lookup.match("pontoon c next tusday pls")] == ["pontoon C", "next tuesday"]
