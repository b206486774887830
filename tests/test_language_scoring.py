"""Language evaluation scoring: the forgetting check's warnings (new-user QA)."""

from __future__ import annotations

import json

from tunefork.evaluation.language_scoring import (
    GoldItem,
    LanguageEvaluationResult,
    ModelScores,
    Prediction,
    forgetting_check,
    score_models,
)


def _prediction(spans: list[tuple[int, int, str]]) -> Prediction:
    return Prediction(intent="book", top_intent="book", confidence=0.9, out_of_scope=False, threshold=None, spans=spans)


def _scored(kind: str):
    items = [GoldItem("1", "book an suv", "book" if kind == "utterances" else None, [(8, 11, "car_type")])]
    parses = [_prediction([(8, 11, "car_type")])]
    return score_models("test", kind, items, [("before", None, parses), ("after", None, parses)])


def test_intents_test_data_gets_no_base_label_warning() -> None:
    result = _scored("utterances")
    assert forgetting_check(result, ["car_type"], [[]], [[]]) is not None
    result = _scored("utterances")
    forgetting_check(result, [], [[(0, 5, "ORG")]], [[(0, 5, "ORG")]])
    assert not any("base-model label" in warning for warning in result.warnings)


def test_entities_test_data_without_base_labels_is_warned() -> None:
    result = _scored("annotated-text")
    forgetting_check(result, ["ORG"], [[(0, 5, "ORG")]], [[(0, 5, "ORG")]])
    assert any("annotates no base-model label" in warning for warning in result.warnings)


def test_predicted_labels_the_test_data_never_annotates_are_named() -> None:
    items = [GoldItem("1", "Sarah replaced the headset", None, [(19, 26, "PART")])]
    parses = [_prediction([(0, 5, "PERSON"), (19, 26, "PART")])]
    result = score_models("test", "annotated-text", items, [("ner-v1", None, parses)])
    # the overall figures judge the labels annotated: a model that forgot PERSON would otherwise score higher
    assert result.models[0].entities["precision"] == 1.0 and result.models[0].entities["per_label"]["PERSON"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 1}  # fmt: skip
    (warning,) = result.warnings
    assert warning.startswith("Model 'ner-v1': 1 of its predicted entities have labels the test data never annotates")
    assert "(PERSON 1); the overall entity scores leave them out" in warning
    wrong = score_models("test", "annotated-text", items, [("ner-v1", None, [_prediction([(19, 26, "TOOL")])])])
    assert "- Sarah replaced the headset: missed headset (PART)" in wrong.markdown_details()  # and on the CLI
    assert _scored("annotated-text").warnings == []  # every predicted label is annotated
    # beside a language model's slots, a base model's DATE or PERSON is no label to annotate (a language review)
    slots = [GoldItem("1", "Sarah replaced the headset", "repair", [(19, 26, "PART")])]
    base_and_custom = score_models("test", "utterances", slots, [("en-core-web-sm", None, parses),
                                                                 ("kit-v1", "1", parses)])  # fmt: skip
    assert [w.split(":")[0] for w in base_and_custom.warnings] == ["Model 'kit-v1'"]


def test_an_intent_accuracy_difference_says_whether_it_is_significant() -> None:
    def scores(name: str, correct: list[int]) -> ModelScores:
        return ModelScores(name, None, {"accuracy": sum(correct) / len(correct), "item_correct": correct}, None)

    one_item = LanguageEvaluationResult("test", "utterances", 52, [scores("v1", [1] * 45 + [0] * 7),
                                                                  scores("v2", [1] * 46 + [0] * 6)])  # fmt: skip
    said = one_item.verdict()
    assert said.startswith("No significant difference in intent accuracy between v1 and v2 on 52 items (v2 minus v1: ")
    assert one_item.winner() is None  # the studio said "Deploy v2" on a difference within the noise (a review)
    assert "v1: intent accuracy 86.5% on 52 items, 95% interval 74.7% to 93.3% (Wilson)." in one_item.table().notes
    difference = one_item.to_json()["difference"]  # --json and REST had no comparison (a review)
    assert (difference["delta"], difference["significant"], difference["winner"]) == (0.0192, False, None)
    assert difference["ci95"][0] <= 0 < difference["ci95"][1]
    many = LanguageEvaluationResult("test", "utterances", 100, [scores("v1", [1] * 60 + [0] * 40),
                                                                scores("v2", [1] * 95 + [0] * 5)])  # fmt: skip
    assert "better by 35.0 points of intent accuracy on 100 items (significant; v2 minus v1: +" in many.verdict()
    assert many.winner() == 1 and many.to_json()["difference"]["winner"] == "v2"
    earlier = [ModelScores("a", None, {"accuracy": 0.8}, None), ModelScores("b", None, {"accuracy": 0.9}, None)]
    stored = LanguageEvaluationResult("test", "utterances", 52, earlier)
    assert stored.verdict() == "b is better by 10.0 points of intent accuracy on 52 items."  # stored before: no test


def test_a_misclassified_out_of_scope_decision_shows_its_own_confidence() -> None:
    items = [GoldItem("1", "has anyone handed in a blue scarf", "lost_property", [])]
    flagged = Prediction(intent="out_of_scope", top_intent="lost_property", confidence=0.128, out_of_scope=True,
                         threshold=0.3, spans=[])  # fmt: skip
    result = score_models("test", "utterances", items, [("nlu-v1", None, [flagged])])
    [row] = result.models[0].intents["misclassified"]
    assert (row["predicted"], row["confidence"]) == ("out_of_scope", 0.872)  # as /parse answers it: 1 - 0.128
    # the intent the threshold turned down is named too (it was only in predict's predictions.jsonl: a review)
    assert (row["top_intent"], row["top_confidence"]) == ("lost_property", 0.128)
    assert "lost_property -> out_of_scope (87.2%; top: lost_property 12.8%)" in "\n".join(result.markdown_details())
    # closed-set accuracy counts the in-scope items only, and its row says how many (read as all items: a review)
    assert "Closed-set accuracy (1 in-scope item)" in [row for row, _ in result.table().rows]


def test_base_labels_lost_on_general_text_are_warned_about_and_custom_labels_are_not_followed() -> None:
    result = _scored("annotated-text")
    check = forgetting_check(result, ["DATE"], [[(0, 6, "DATE")], [(3, 9, "DATE")]], [[], [(3, 9, "DATE")]])
    assert check["general"]["DATE"]["retained"] == 0.6667 and result.concerns() == []  # not yet stored
    result.forgetting = check
    assert result.concerns() == ["DATE (general)"]
    (warning,) = [w for w in result.warnings if "kept less than" in w]
    assert warning.startswith("Model 'after' kept less than 90% of the F1 of 'before' on base labels: DATE (general "
                              "text, F1 100% -> 67%).")  # fmt: skip


def test_the_gate_fails_a_model_that_forgot_base_labels(tmp_path) -> None:
    from tunefork.kinds import ResolvedModel
    from tunefork.kinds.language import LANGUAGE_GATE
    from tunefork.kinds.registry import GateContext

    result = _scored("annotated-text")
    result.forgetting = forgetting_check(result, ["DATE"], [[(0, 6, "DATE")]], [[]])
    context = GateContext(ResolvedModel("en-core-web-sm"), ResolvedModel("ner-v2"), 1.0, tmp_path, lambda *_: None)
    assert LANGUAGE_GATE.judge(result, context).failure == (
        "gate: ner-v2 forgot base labels en-core-web-sm finds: DATE (general); 1 test items are too few to judge "
        "ner-v2 against en-core-web-sm: at least 6 are needed"
    )
    card = {"contributions": {"entities": {"label_check": {"weak": ["CARRIER"], "held_out": False, "per_label": {
        "CARRIER": {"f1": 0.31, "examples": 4}}}}}}  # fmt: skip
    (tmp_path / "model.json").write_text(json.dumps(card), encoding="utf-8")
    weak = GateContext(ResolvedModel("en-core-web-sm"), ResolvedModel("ner-v2", artifact_dir=tmp_path), 1.0, tmp_path,
                       lambda *_: None)  # fmt: skip
    assert LANGUAGE_GATE.judge(result, weak).failure == (  # both named, the gravest first (an entities review)
        "gate: ner-v2 forgot base labels en-core-web-sm finds: DATE (general); the model cannot learn these labels "
        "from its data: CARRIER (cross-validated F1 0.31, 4 examples); 1 test items are too few to judge ner-v2 "
        "against en-core-web-sm: at least 6 are needed"
    )


def test_an_entities_log_export_leaves_the_base_models_spans_out(tmp_path) -> None:
    from tunefork.kinds.language import write_parsed_spans
    from tunefork.kinds.registry import LoggedRequest

    entities = [{"start": 0, "end": 7, "label": "DRUG", "source": "model"},
                {"start": 11, "end": 17, "label": "DATE", "source": "base"}]  # fmt: skip
    write_parsed_spans(tmp_path, [LoggedRequest("1", {"text": "aspirin on Friday", "entities": entities})], True)
    assert (tmp_path / "spans.jsonl").read_text() == (
        '{"text": "aspirin on Friday", "spans": [{"start": 0, "end": 7, "label": "DRUG"}]}\n'
    )


def test_a_model_called_better_on_its_labels_is_said_to_have_forgotten_base_labels() -> None:
    """'ner-norh is better by 45.0 points of entity F1' while it had lost every base label (an entities review)."""
    items = [GoldItem("1", "book an suv", None, [(8, 11, "car_type")])]
    runs = [("base", None, [_prediction([])]), ("custom", None, [_prediction([(8, 11, "car_type")])])]
    result = score_models("test", "annotated-text", items, runs)
    assert result.verdict() == (
        "custom is better by 100.0 points of entity F1 on 1 item (no significance test: spans are not paired items)."
    )
    result.forgetting = forgetting_check(result, ["DATE"], [[(0, 6, "DATE")]], [[]])
    assert result.verdict() == (
        "custom is better by 100.0 points of entity F1 on 1 item (no significance test: spans are not paired items), "
        "but it forgot base labels base finds: DATE (general) (see the warning)."
    )


def test_entity_errors_say_when_all_of_them_are_shown() -> None:
    """'(first 1 texts; more in errors.jsonl)' was said of the only text with errors (an entities review)."""
    from tunefork.evaluation.language_report import DETAIL_ROWS, entity_error_lines

    row = {"text": "via fedex", "missed": [{"text": "fedex", "label": "CARRIER"}], "spurious": [], "wrong_label": []}
    assert entity_error_lines("m", [row])[0] == "Entity errors of m (1 text, also in errors.jsonl):"
    many = entity_error_lines("m", [row] * (DETAIL_ROWS + 1))[0]
    assert many == f"Entity errors of m (first {DETAIL_ROWS} of {DETAIL_ROWS + 1} texts; all in errors.jsonl):"


def test_the_forgetting_check_words_gains_and_labels_the_base_never_finds() -> None:
    """'ORG F1 26.1% -> 75.0% kept 287.5%' and a silent 'n/a' for MONEY 0% -> 0% (an entities review)."""
    result = _scored("annotated-text")
    result.forgetting = {"test": {
        "ORG": {"f1_before": 0.261, "f1_after": 0.75, "retained": 2.875, "support": 3},
        "MONEY": {"f1_before": 0.0, "f1_after": 0.0, "retained": None, "support": 4},
    }}  # fmt: skip
    notes = " ".join(result.table().notes)
    assert "ORG        F1 26.1% -> 75.0%  kept more (F1 rose)  (3 spans)" in notes
    assert "kept n/a: the base finds none of these spans as marked (check how the test set marks them)" in notes


def test_five_items_are_too_few_to_judge_a_model_or_call_it_better() -> None:
    """Under 6 paired items the gate passed any model its base was not significantly better than (a code review)."""
    from pathlib import Path

    from tunefork.kinds import ResolvedModel
    from tunefork.kinds.language import LANGUAGE_GATE
    from tunefork.kinds.registry import GateContext

    items = [GoldItem(str(k), f"book an suv {k}", "book", []) for k in range(5)]
    wrong = Prediction(intent="cancel", top_intent="cancel", confidence=0.9, out_of_scope=False, threshold=None,
                       spans=[])  # fmt: skip
    runs = [("base", None, [wrong] * 5), ("custom", None, [_prediction([])] * 5)]
    result = score_models("test", "utterances", items, runs)
    assert result.verdict() == "Too few items (5) to call the difference significant: at least 6."
    context = GateContext(ResolvedModel("base"), ResolvedModel("custom"), 1.0, Path("."), lambda *_: None)
    assert LANGUAGE_GATE.judge(result, context).failure == (
        "gate: 5 test items are too few to judge custom against base: at least 6 are needed"
    )


def test_a_value_written_over_what_was_said_is_listed_to_check() -> None:
    """A marina review's 'pontoon A' came back as the value 'pontoon C', which span scores cannot see."""
    from tunefork.evaluation.language_report import value_change_lines

    text = "book pontoon A for a 4x4 and a van"
    items = [GoldItem("line-1", text, "book", [(5, 14, "berth"), (21, 24, "car"), (31, 34, "car")],
                      {(21, 24, "car"): "suv"})]  # fmt: skip
    parse = Prediction(intent="book", top_intent="book", confidence=0.9, out_of_scope=False, threshold=None,
                       spans=[(5, 14, "berth"), (21, 24, "car"), (31, 34, "car")],
                       values=["pontoon C", "suv", "van"])  # fmt: skip
    result = score_models("test", "utterances", items, [("base", None, [parse]), ("m", None, [parse])])
    changes = result.models[1].entities["value_changes"]
    assert changes == [{"id": "line-1", "text": text, "span": "pontoon A", "label": "berth", "value": "pontoon C"}]
    assert value_change_lines("m", changes)[1] == f"- pontoon A (berth) as pontoon C, in: {text}"
    assert result.models[1].entities["f1"] == 1.0  # the spans are right: only the value is not


def test_a_base_model_beside_slots_shows_no_precision_of_nothing_nor_rows_of_its_own_labels() -> None:
    """The base model beside a language model's slots showed slot precision '0.0%' where it was 0/0 (it predicts
    none of the project's labels), and the per-label table listed its CARDINAL, DATE... with support 0 and 0.0%
    everywhere (a new user's review)."""
    items = [GoldItem("1", "book 2 units at leeds", "book", [(15, 20, "branch")])]
    base = [_prediction([(5, 6, "CARDINAL"), (15, 20, "GPE")])]
    custom = [_prediction([(15, 20, "branch")])]
    result = score_models("test", "utterances", items, [("en-core-web-sm", None, base), ("kit-v1", "1", custom)])
    rows = dict(result.table().rows)
    assert rows["Slot entity precision"] == ["n/a", "100.0%"] and rows["Slot entity recall"] == ["0.0%", "100.0%"]
    details = result.markdown_details()
    table = details[details.index("## Entities per label") :]
    assert [line.split(" | ")[0] for line in table if line.startswith("| ") and "---" not in line][1:] == ["| branch"]
    assert "| branch | n/a | 0.0% | 0.0% | 100.0% | 100.0% | 100.0% | 1 |" in table
    assert ("Not in the table, nor in the overall scores: labels the test data never annotates, predicted CARDINAL "
            "(en-core-web-sm 1); GPE (en-core-web-sm 1).") in table  # fmt: skip


def test_an_intent_never_predicted_shows_no_precision_of_nothing() -> None:
    """The per-intent table showed precision '0.0%' for an intent the model never answered (0/0), which reads as
    every answer wrong."""
    items = [GoldItem("1", "book an suv", "book", []), GoldItem("2", "cancel it", "cancel", [])]
    both_book = [_prediction([]), _prediction([])]
    result = score_models("test", "utterances", items, [("nlu-v1", None, both_book)])
    details = result.markdown_details()
    assert "| cancel | n/a | 0.0% | 0.0% | 1 |" in details and "| book | 50.0% | 100.0% | 66.7% | 1 |" in details
