"""Language dataset importers: utterances (Rasa YAML, Lex JSON, CSV), annotated text and rule patterns."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from upload_files import reasons, write

from tunefork.config import UploadLimits
from tunefork.datasets.dialogflow import agent_folders_read_once, is_dialogflow_file
from tunefork.datasets.importer import import_dataset
from tunefork.datasets.inspection import load_manifest
from tunefork.datasets.kinds import ALL_KINDS, check_kind
from tunefork.datasets.utterance_formats import parse_rasa_example, rasa_markup
from tunefork.errors import TuneforkError, UploadRejectedError
from tunefork.kinds import get_kind
from tunefork.kinds.language import write_parsed_utterances
from tunefork.kinds.registry import LoggedRequest
from tunefork.language.pipelines import blank_english
from tunefork.workflows.datasets import list_datasets, upload_dataset
from tunefork.workflows.projects import create_project


def jsonl(*values: object) -> str:
    return "".join((v if isinstance(v, str) else json.dumps(v)) + "\n" for v in values)


# --- Rasa NLU YAML ---------------------------------------------------------------------------------------

RASA = """\
version: "3.1"
nlu:
- intent: buy_phone
  examples: |
    - I want a [Pixel 8](device)
    - order a [pixel](device:Pixel 8) please
    - get me [two]{"entity": "count", "value": "2", "role": "buyer", "group": "1"} [iPhones](device)

    - buy a phone
- intent: greet
  examples: |
    - hello there
- synonym: Pixel 8
  examples: |
    - pixel eight
    - p8
    - p8
- regex: zipcode
  examples: |
    - \\d{5}
- lookup: city
  examples: |
    - Paris
    - New  York
stories:
- story: ignored
"""


def test_rasa_yaml_examples_synonyms_regexes_lookups(dest, tmp_path):
    result = import_dataset(write(tmp_path / "nlu.yml", RASA), "utterances", dest, UploadLimits())
    assert (result.source_format, result.accepted, result.rejections) == ("rasa-nlu-yaml", 8, [])
    assert [w.reason.split(";")[0] for w in result.warnings] == [
        "nlu.yml line 25: ignored section 'stories'",
        "nlu.yml line 7: entity roles and groups are not learned (count: 1, buyer)",
    ]
    assert load_manifest(dest) == [
        {
            "id": "line-5", "type": "example", "text": "I want a Pixel 8", "intent": "buy_phone",
            "entities": [{"start": 9, "end": 16, "label": "device", "value": "Pixel 8"}], "line": 5,
        },
        {
            "id": "line-6", "type": "example", "text": "order a pixel please", "intent": "buy_phone",
            "entities": [{"start": 8, "end": 13, "label": "device", "value": "Pixel 8"}], "line": 6,
        },
        {
            "id": "line-7", "type": "example", "text": "get me two iPhones", "intent": "buy_phone",
            "entities": [
                {"start": 7, "end": 10, "label": "count", "value": "2"},
                {"start": 11, "end": 18, "label": "device", "value": "iPhones"},
            ],
            "line": 7,
        },
        {"id": "line-9", "type": "example", "text": "buy a phone", "intent": "buy_phone", "entities": [], "line": 9},
        {"id": "line-12", "type": "example", "text": "hello there", "intent": "greet", "entities": [], "line": 12},
        {"id": "line-13", "type": "synonym", "value": "Pixel 8", "synonyms": ["pixel eight", "p8"], "line": 13},
        {"id": "line-20", "type": "regex", "name": "zipcode", "pattern": "\\d{5}", "line": 20},
        {"id": "line-21", "type": "lookup", "name": "city", "elements": ["Paris", "New York"], "line": 21},
    ]  # fmt: skip


def test_parse_rasa_example_offsets_index_the_cleaned_text():
    text, entities = parse_rasa_example('fly from [Paris](city) to [NYC]{"entity": "city", "value": "New York"}')
    assert text == "fly from Paris to NYC"
    assert [(text[e["start"] : e["end"]], e["value"]) for e in entities] == [("Paris", "Paris"), ("NYC", "New York")]
    _, [two] = parse_rasa_example('[two]{"entity": "number", "value": 2} tickets')  # a number: rejected before
    assert two["value"] == "2"


def rasa_intent(*examples: str, intent: str = "order") -> str:
    lines = "".join(f"    - {e}\n" for e in examples)
    return f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{lines}'


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("buy a [Pixel 8(device)", "malformed annotation brackets in 'buy a [Pixel 8(device)'"),
        ("buy a Pixel 8](device)", "malformed annotation brackets"),
        ("buy a [Pixel 8] now", "malformed annotation brackets in 'buy a [Pixel 8] now'"),
        ("buy a [Pixel 8]()", "missing entity in '[Pixel 8]()'"),
        ("buy a [Pixel 8](my device)", "entity in '[Pixel 8](my device)' must be a non-empty string without spaces"),
        ('buy a [Pixel 8]{"value": "p8"}', "missing entity in"),
        (
            'buy a [Pixel 8]{"entity": "device", "colour": "red"}',
            """annotation '[Pixel 8]{"entity": "device", "colour": "red"}' has unknown keys: colour""",
        ),
        ('buy a [Pixel 8]{"entity": device}', """annotation '[Pixel 8]{"entity": device}' is not valid JSON"""),
        ("buy a [](device)", "empty annotated text in '[](device)'"),
        ("buy a [Pix](device)el 8", "span 6-9 'Pix' does not start and end on token boundaries"),
        ("buy [a]()", "missing entity in '[a]()'"),
        (
            'any [two berth](boat_class){"entity": "boat_class", "value": "2-berth"} left',
            "'[two berth](boat_class)' is followed by a second annotation",
        ),  # was "not on token boundaries"
    ],
)
def test_rasa_malformed_examples_are_rejected_by_line(dest, tmp_path, example, expected):
    source = write(tmp_path / "nlu.yml", rasa_intent("buy a phone", example))
    result = import_dataset(source, "utterances", dest, UploadLimits())
    assert result.accepted == 1
    assert reasons(result).startswith(f"nlu.yml|6|nlu.yml line 6: {expected}")


def test_rasa_roles_and_groups_are_read_as_their_entity_with_a_warning(dest, tmp_path):
    """Roles were dropped without a word: a bot relying on origin/destination lost the split unknowingly."""
    source = write(tmp_path / "nlu.yml", """nlu:
- intent: fly
  examples: |
    - from [London]{"entity": "city", "role": "origin"} to [Rome]{"entity": "city", "role": "destination"}
    - a [large]{"entity": "size", "group": "1"} pizza
    - to [Paris](city)
""")  # fmt: skip
    result = import_dataset(source, "utterances", dest, UploadLimits())
    assert result.accepted == 3 and [e["label"] for e in load_manifest(dest)[0]["entities"]] == ["city", "city"]
    [warning] = [w.reason for w in result.warnings]
    assert warning.startswith("nlu.yml line 4: entity roles and groups are not learned (city: destination, origin; "
                              "size: 1); each annotation was read as its entity alone")  # fmt: skip


def test_rasa_bad_blocks_names_and_regexes(dest, tmp_path):
    source = write(
        tmp_path / "nlu.yml",
        'version: "3.1"\nnlu:\n- intent: book flight\n  examples: |\n    - book it\n'
        "- intent: empty\n- response: x\n  examples: |\n    - y\n"
        "- intent: ok\n  examples: |\n    - fine\n    not a list item\n"
        "- regex: zip\n  examples: |\n    - [0-9\n",
    )
    result = import_dataset(source, "utterances", dest, UploadLimits())
    assert [r["text"] for r in load_manifest(dest)] == ["fine"]
    text = reasons(result)
    assert "nlu.yml|3|nlu.yml line 3: intent name must be a non-empty string without spaces" in text
    assert "nlu.yml|6|nlu.yml line 6: intent 'empty' has no examples" in text
    assert "nlu.yml|7|nlu.yml line 7: expected '- intent:', '- synonym:', '- regex:' or '- lookup:'" in text
    assert "nlu.yml|13|nlu.yml line 13: expected a '- example' line, got 'not a list item'" in text
    assert "nlu.yml|16|nlu.yml line 16: invalid regular expression '[0-9'" in text


def test_rasa_duplicates_and_conflicts_name_the_earlier_line(dest, tmp_path):
    source = write(
        tmp_path / "nlu.yml",
        rasa_intent("I want a [Pixel 8](device)", "i  want a [pixel 8](device)", "I want a Pixel 8")
        + "- intent: greet\n  examples: |\n    - I WANT A PIXEL 8\n",
    )
    result = import_dataset(source, "utterances", dest, UploadLimits())
    assert [r["id"] for r in load_manifest(dest)] == ["line-5"]
    assert reasons(result).splitlines() == [
        "nlu.yml|6|nlu.yml line 6: duplicate of line 5",
        "nlu.yml|7|nlu.yml line 7: same text as line 5 but different entities; line 5 is kept: keep the right one",
        "nlu.yml|10|nlu.yml line 10: same text as line 5 but a different intent ('order' there, 'greet' here); line 5 "
        "is kept: keep the right one",
    ]


def test_invalid_yaml_and_missing_nlu_refuse_the_upload(dest, tmp_path):
    with pytest.raises(UploadRejectedError, match=r"bad\.yml line 3: not valid YAML"):
        import_dataset(write(tmp_path / "bad.yml", "nlu:\n- intent: a\n  examples: [unclosed\n"), "utterances", dest,
                       UploadLimits())  # fmt: skip
    with pytest.raises(UploadRejectedError, match=r"other\.yml line 1: not a Rasa NLU file"):
        import_dataset(write(tmp_path / "other.yml", "greetings: []\n"), "utterances", dest, UploadLimits())
    with pytest.raises(UploadRejectedError, match=r"rules\.yml: the upload holds no utterances items: ignored rules"):
        import_dataset(write(tmp_path / "rules.yml", "rules: []\n"), "utterances", dest, UploadLimits())
    assert list(dest.iterdir()) == []


def test_duplicates_across_files_of_a_zip_name_the_file(dest, tmp_path):
    upload = tmp_path / "bot.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("bot/a.yml", rasa_intent("hello", intent="greet"))
        archive.writestr("bot/b.csv", "text,intent\nHello,greet\nbye,farewell\n")
    result = import_dataset(upload, "utterances", dest, UploadLimits())
    assert result.source_format == "rasa-nlu-yaml+utterances-csv (zip)"
    assert [r["id"] for r in load_manifest(dest)] == ["a-line-5", "b-line-3"]
    assert reasons(result) == "b.csv|2|b.csv line 2: duplicate of a.yml line 5"


# --- Lex slot types --------------------------------------------------------------------------------------


def test_lex_v1_slot_type(dest, tmp_path):
    slot = {
        "name": "Device",
        "enumerationValues": [{"value": "Pixel 8", "synonyms": ["pixel eight", "p8", "Pixel 8"]}, {"value": "iPhone"}],
    }
    result = import_dataset(write(tmp_path / "device.json", json.dumps(slot)), "utterances", dest, UploadLimits())
    assert (result.source_format, result.accepted) == ("lex-slot-types-json", 2)
    assert load_manifest(dest) == [
        {"id": "slot-1", "type": "lookup", "name": "Device", "elements": ["Pixel 8", "pixel eight", "p8", "iPhone"],
         "line": 1},
        {"id": "slot-1-value-1", "type": "synonym", "value": "Pixel 8", "synonyms": ["pixel eight", "p8"], "line": 1},
    ]  # fmt: skip


def test_lex_v2_slot_types_list_with_bad_entries(dest, tmp_path):
    data = {
        "slotTypes": [
            {
                "slotTypeName": "City",
                "slotTypeValues": [
                    {"sampleValue": {"value": "New York"}, "synonyms": [{"value": "NYC"}, {"value": "big apple"}]},
                    {"sampleValue": {"value": "Paris"}},
                ],
            },
            {"slotTypeName": "bad name", "slotTypeValues": [{"sampleValue": {"value": "x"}}]},
            {"slotTypeName": "Empty"},
            {"slotTypeName": "Blank", "slotTypeValues": [{"sampleValue": {"value": " "}}]},
        ]
    }
    result = import_dataset(write(tmp_path / "types.json", json.dumps(data)), "utterances", dest, UploadLimits())
    assert load_manifest(dest) == [
        {"id": "slot-1", "type": "lookup", "name": "City", "elements": ["New York", "NYC", "big apple", "Paris"],
         "line": 1},
        {"id": "slot-1-value-1", "type": "synonym", "value": "New York", "synonyms": ["NYC", "big apple"], "line": 1},
    ]  # fmt: skip
    assert reasons(result).splitlines() == [
        "types.json|2|types.json slot type 2: slot type name ('name' or 'slotTypeName') must be a non-empty "
        'string without spaces (got "bad name")',
        "types.json|3|types.json slot type 3: expected 'enumerationValues' (V1) or 'slotTypeValues' (V2): "
        "a non-empty list of value objects",
        "types.json|4|types.json slot type 4: no usable value: value 1 skipped: a value must be a non-empty string "
        '(got " ")',
    ]


def test_lex_v1_console_export_and_a_blank_value_among_good_ones(dest, tmp_path):
    export = {
        "metadata": {"schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON"},
        "resource": {
            "name": "MovieName",
            "version": "1",
            "enumerationValues": [{"value": "Gladiator"}, {"value": ""}, {"value": "Barbie", "synonyms": ["barbie"]}],
        },
    }
    result = import_dataset(write(tmp_path / "lex_v1.json", json.dumps(export)), "utterances", dest, UploadLimits())
    assert (result.accepted, result.rejections) == (2, [])  # the lookup and Barbie's synonym
    assert load_manifest(dest)[0]["elements"] == ["Gladiator", "Barbie", "barbie"]
    assert [w.reason for w in result.warnings] == [
        "lex_v1.json slot type 1: slot type 'MovieName': value 2 skipped: a value must be a non-empty string (got \"\")"
    ]


def test_a_lex_bot_export_reads_its_slot_types_and_names_each_intent_it_does_not_read(dest, tmp_path):
    """A Lex V1 bot export was accepted as '1 item' (its slot type): its intents were dropped without a word."""
    bot = {
        "metadata": {"schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON"},
        "resource": {
            "name": "PizzaBot",
            "intents": [{"name": "OrderPizza", "sampleUtterances": ["I want a {size} pizza", "a {size} one"]},
                        {"name": "Greet", "sampleUtterances": ["hello"]}],
            "slotTypes": [{"name": "PizzaSize", "enumerationValues": [{"value": "large"}, {"value": "small"}]}],
        },
    }  # fmt: skip
    result = import_dataset(write(tmp_path / "bot.json", json.dumps(bot)), "utterances", dest, UploadLimits())
    assert result.accepted == 1 and load_manifest(dest)[0]["elements"] == ["large", "small"]
    first, second = (issue.reason for issue in result.rejections)
    assert first.startswith("bot.json intent 1: Lex intent 'OrderPizza' (2 sample utterances) not read:")
    assert second.startswith("bot.json intent 2: Lex intent 'Greet' (1 sample utterance) not read:")
    v2_intent = {"intentName": "OrderPizza", "sampleUtterances": [{"utterance": "a {size} pizza"}]}
    with pytest.raises(UploadRejectedError, match=r"Lex intent 'OrderPizza' .* not read"):
        import_dataset(write(tmp_path / "Intent.json", json.dumps(v2_intent)), "utterances", tmp_path / "v2",
                       UploadLimits())  # fmt: skip


def test_luis_and_clu_exports_are_read_with_their_entities(dest, tmp_path):
    """A LUIS app or CLU project was refused as a broken Lex slot type ('missing slot type name')."""
    luis = {"luis_schema_version": "7.0.0", "intents": [{"name": "BookFlight"}, {"name": "None"}], "utterances": [
        {"text": "fly to paris", "intent": "BookFlight", "entities": [{"entity": "city", "startPos": 7,
                                                                       "endPos": 11}]},
        {"text": "what is love", "intent": "None", "entities": []},
        {"text": "fly to rome", "intent": "BookFlight", "entities": [{"entity": "city", "startPos": 7, "endPos": 20}]},
    ]}  # fmt: skip
    result = import_dataset(write(tmp_path / "app.json", json.dumps(luis)), "utterances", dest, UploadLimits())
    assert result.source_format == "luis-clu-json"
    first, second = load_manifest(dest)
    [city] = first["entities"]
    assert (first["text"][city["start"] : city["end"]], city["label"], second["intent"]) == ("paris", "city", "None")
    assert reasons(result).startswith("app.json|3|app.json utterance 3: span from 7 to 21 is outside the text")
    clu = {"projectFileVersion": "2022-10-01", "assets": {"projectKind": "Conversation", "utterances": [
        {"text": "book a table for 4", "intent": "Book", "entities": [{"category": "size", "offset": 17,
                                                                       "length": 1}]}]}}  # fmt: skip
    import_dataset(write(tmp_path / "clu.json", json.dumps(clu)), "utterances", tmp_path / "clu", UploadLimits())
    [record] = load_manifest(tmp_path / "clu")
    assert (record["intent"], record["entities"][0]["start"], record["entities"][0]["end"]) == ("Book", 17, 18)


def phrase(*parts: tuple[str, str | None, str | None], template: bool = False) -> dict:
    """A Dialogflow training phrase of ``(text, meta, alias)`` parts."""
    data = [{"text": text, **({"meta": meta} if meta else {}), **({"alias": alias} if alias else {}),
             "userDefined": bool(meta)} for text, meta, alias in parts]  # fmt: skip
    return {"id": "x", "data": data, "isTemplate": template, "count": 0}


def agent_zip(path: Path, files: dict[str, object]) -> Path:
    """A Dialogflow agent's zip of ``files`` (name -> JSON value, or the file's text as a string)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in files.items():
            archive.writestr(name, value if isinstance(value, str) else json.dumps(value, indent=2))
    return path


def test_a_dialogflow_agent_zip_is_read_with_its_entities_and_synonyms(dest, tmp_path):
    """A Dialogflow ES agent's agent.json read as a broken Lex file and its phrases were not read (a formats review)."""
    upload = tmp_path / "agent.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("agent/agent.json", json.dumps({"language": "en", "supportedLanguages": [], "webhook": {}}))
        archive.writestr("agent/package.json", json.dumps({"version": "1.0.0"}))
        archive.writestr("agent/intents/Book car.json", json.dumps({"name": "Book car", "responses": [],
                                                                    "webhookUsed": False}))  # fmt: skip
        archive.writestr("agent/intents/Book car_usersays_en.json", json.dumps([
            phrase(("book an ", None, None), ("suv", "@car_type", "car_type"), (" for ", None, None),
                   ("tomorrow", "@sys.date", "date")),
            phrase(("i need a car", None, None)),
            phrase(("@car_type:car_type", "@car_type", "car_type"), (" please", None, None), template=True),
            phrase(("hire a ", None, None), ("van ", "@car_type", "car_type"), ("now", "@sys.ignore", None)),
        ]))  # fmt: skip
        archive.writestr("agent/intents/Default Fallback Intent_usersays_en.json",
                         json.dumps([phrase(("what's the weather", None, None))]))  # fmt: skip
        archive.writestr("agent/entities/car_type.json", json.dumps({"name": "car_type", "isEnum": False,
                                                                     "automatedExpansion": False}))  # fmt: skip
        archive.writestr(
            "agent/entities/car_type_entries_en.json",
            json.dumps([{"value": "suv", "synonyms": ["suv", "4x4", "jeep"]}, {"value": "van", "synonyms": ["van"]}]),
        )
        archive.writestr("agent/entities/order_entries_en.json",  # a composite entity: names entities, no values
                         json.dumps([{"value": "@sys.color:color @car_type:car_type", "synonyms": []}]))  # fmt: skip
        archive.writestr("agent/entities/plate.json", json.dumps({"name": "plate", "isEnum": False,
                                                                  "isRegexp": True}))  # fmt: skip
        archive.writestr("agent/entities/plate_entries_en.json",  # a regexp entity: patterns, not values to look up
                         json.dumps([{"value": "[A-Z]{2}[0-9]{2} ?[A-Z]{3}", "synonyms": []},
                                     {"value": "([a-z]+", "synonyms": []}]))  # fmt: skip
    result = import_dataset(upload, "utterances", dest, UploadLimits())
    assert result.source_format == "dialogflow-es (zip)"
    records = load_manifest(dest)
    phrases = [r for r in records if r["type"] == "example"]
    examples = [(r["text"], r["intent"]) for r in phrases]
    assert examples == [("book an suv for tomorrow", "Book_car"), ("i need a car", "Book_car"),
                        ("hire a van now", "Book_car"), ("what's the weather", "none")]  # fmt: skip
    first = phrases[0]
    assert [(first["text"][e["start"] : e["end"]], e["label"]) for e in first["entities"]] == [
        ("suv", "car_type"), ("tomorrow", "date")]  # fmt: skip
    assert [(e["start"], e["end"]) for e in phrases[2]["entities"]] == [(7, 10)]  # "van ", the space left out
    lookup = next(r for r in records if r["type"] == "lookup")
    synonym = next(r for r in records if r["type"] == "synonym")
    assert (lookup["name"], lookup["elements"]) == ("car_type", ["suv", "4x4", "jeep", "van"])
    assert [(r["name"], r["pattern"]) for r in records if r["type"] == "regex"] == [
        ("plate", "[A-Z]{2}[0-9]{2} ?[A-Z]{3}")]  # fmt: skip
    assert not any(r.get("name") == "plate" for r in records if r["type"] == "lookup")  # read as literal text before
    assert (synonym["value"], synonym["synonyms"]) == ("suv", ["4x4", "jeep"])
    pattern, template = sorted(issue.reason for issue in result.rejections)
    assert template == ("intents/Book car_usersays_en.json phrase 3: template phrase not read: it holds "
                        "@entity:parameter placeholders, not values; write it as an example with a value")  # fmt: skip
    assert pattern.startswith("entities/plate_entries_en.json entry 2: entity 'plate': ")
    warned = " ".join(issue.reason for issue in result.warnings)
    assert "intent 'Book car' is read as 'Book_car'" in warned
    assert "ignored entities/order_entries_en.json: entity 'order' is a composite entity" in warned
    assert "a Dialogflow agent's settings" not in warned  # one warning each for its 5 other files, before
    assert ("Dialogflow agent: read the training phrases of 2 intents and the entries of 2 entities; its 5 other files "
            "(agent settings, intents' definitions with their responses) are not used, but for an entity's isRegexp "
            "setting") in warned  # fmt: skip


def test_every_json_file_of_a_dialogflow_agent_is_read_as_part_of_it(dest, tmp_path):
    """An agent.json without the keys the format detector looked for, and a bare intent file, were read as Lex slot
    types and rejected ('missing slot type name'): --max-rejected 0 failed on a clean export (a new user's review)."""
    upload = agent_zip(tmp_path / "agent.zip", {
        "agent.json": {"description": "bot", "language": "en", "defaultTimezone": "Europe/London",
                       "webhook": {"available": False}},
        "intents/greet.json": {"id": "1", "name": "greet", "auto": True, "responses": []},
        "intents/greet_usersays_en.json": [phrase(("hello", None, None))],
        "entities/size.json": {"id": "2", "name": "size"},
        "entities/size_entries_en.json": [{"value": "small", "synonyms": ["small", "tiny"]}],
    })  # fmt: skip
    result = import_dataset(upload, "utterances", dest, UploadLimits())
    assert (result.source_format, result.rejections) == ("dialogflow-es (zip)", [])
    assert sorted(r["type"] for r in load_manifest(dest)) == ["example", "lookup", "synonym"]


def test_json_files_are_told_from_an_agents_with_each_folder_listed_once_per_import(tmp_path):
    """Each JSON file's folder was listed again to tell whether it is in an agent (3,000 plain JSON files in one
    folder took 9.7 s): one import lists each folder once; the next lists them afresh."""
    plain, agent = tmp_path / "plain", tmp_path / "agent"
    plain.mkdir()
    (agent / "intents").mkdir(parents=True)
    for name in ("slot-a.json", "slot-b.json", "slot-c.json"):
        (plain / name).write_text("{}")
    for name in ("agent.json", "intents/greet.json", "intents/greet_usersays_en.json"):
        (agent / name).write_text("{}")
    with agent_folders_read_once():
        assert not any(is_dialogflow_file(path, "{}") for path in plain.iterdir())
        assert all(is_dialogflow_file(agent / name, "{}") for name in ("agent.json", "intents/greet.json"))
        (plain / "intents").mkdir()
        (plain / "intents" / "greet_usersays_en.json").write_text("[]")
    with agent_folders_read_once():  # a later import
        assert is_dialogflow_file(plain / "slot-a.json", "{}")


def test_each_dialogflow_intent_left_without_phrases_is_named(dest, tmp_path):
    """An intent whose _usersays_ list was empty, or which had none, was dropped without a word; an annotated part with
    no text ("hours at " + ""@branch) was read as "hours at", its entity dropped (a new user's review)."""
    definition = {"id": "1", "name": "x", "auto": True, "responses": []}
    upload = agent_zip(tmp_path / "agent.zip", {
        "agent.json": {"language": "en"},
        "intents/greet.json": definition,
        "intents/greet_usersays_en.json": [phrase(("hello", None, None)), phrase(("hi there", None, None))],
        "intents/track_parcel.json": definition,
        "intents/track_parcel_usersays_en.json": [],
        "intents/refer friend.json": definition,
        "intents/Default Fallback Intent.json": definition,
        "intents/opening_hours_usersays_en.json": [phrase(("hours at ", None, None), ("", "@branch", "branch"))],
    })  # fmt: skip
    result = import_dataset(upload, "utterances", dest, UploadLimits())
    assert [issue.reason for issue in result.rejections] == [
        "intents/opening_hours_usersays_en.json phrase 1: a part annotated @branch has no text: give it the entity's "
        "value, or remove the part"]  # fmt: skip
    said = [issue.reason for issue in result.warnings if "has no training phrases" in issue.reason]
    assert said == [
        "intents/opening_hours_usersays_en.json: intent 'opening_hours' has no training phrases (all its phrases in "
        "intents/opening_hours_usersays_en.json were rejected): it is not learned; add phrases to it, or delete it",
        "intents/refer friend.json: intent 'refer_friend' has no training phrases (no refer friend_usersays_<language>"
        ".json file beside intents/refer friend.json): it is not learned; add phrases to it, or delete it",
        "intents/track_parcel_usersays_en.json: intent 'track_parcel' has no training phrases (its file "
        "intents/track_parcel_usersays_en.json holds none): it is not learned; add phrases to it, or delete it",
    ]  # the fallback intent, which has no phrases in most agents, is not named


def test_repeated_dialogflow_phrases_are_named_by_their_phrase_numbers(dest, tmp_path):
    """'intents/get_quote_usersays_en.json line 16: duplicate of line 1' named phrases as lines of a file that was one
    line, beside 'phrase 11: empty text' (a new user's review)."""
    hello, hi = phrase(("hello", None, None)), phrase(("hi there", None, None))
    upload = agent_zip(tmp_path / "agent.zip", {
        "agent.json": {"language": "en"},
        "intents/greet_usersays_en.json": [hello, hi, hello],
        "intents/leave_usersays_en.json": [hi, phrase(("bye", None, None))],
    })  # fmt: skip
    result = import_dataset(upload, "utterances", dest, UploadLimits())
    assert [issue.reason for issue in result.rejections] == [
        "intents/greet_usersays_en.json phrase 3: duplicate of phrase 1",
        "intents/leave_usersays_en.json phrase 1: same text as intents/greet_usersays_en.json phrase 2 but a different "
        "intent ('greet' there, 'leave' here); intents/greet_usersays_en.json phrase 2 is kept: keep the right one",
    ]


@pytest.mark.parametrize("broken", ["[\n" + json.dumps(phrase(("a quote", None, None))) + ",\n]", '{"data": []}'])
def test_an_unreadable_dialogflow_phrases_file_refuses_the_upload_naming_its_intent(dest, tmp_path, broken):
    """A trailing comma in one _usersays_ file dropped the intent's 15 phrases as ONE rejected item: 'accepted: 107
    rejected: 1', and --max-rejected 0.1 passed (a new user's review)."""
    upload = agent_zip(tmp_path / "agent.zip", {
        "package.json": {"version": "1.0.0"},
        "intents/greet_usersays_en.json": [phrase(("hello", None, None)), phrase(("hi there", None, None))],
        "intents/get_quote_usersays_en.json": broken,
    })  # fmt: skip
    with pytest.raises(UploadRejectedError) as refused:
        import_dataset(upload, "utterances", dest, UploadLimits())
    said = str(refused.value)
    assert said.startswith("intents/get_quote_usersays_en.json line ")
    assert "the training phrases of intent 'get_quote' cannot be read, so the upload was refused" in said
    assert [issue.item for issue in refused.value.rejections] == ["intents/get_quote_usersays_en.json"]


def test_json_lines_of_texts_and_intents_doccano_classification_included(dest, tmp_path):
    """Doccano's text classification export was 'line 2: not valid JSON (Extra data ...)' (a formats review)."""
    lines = jsonl({"text": "hi  there", "label": ["greet"]}, {"text": "bye", "intent": "leave"},
                  {"text": "hm", "label": ["greet", "leave"]}, {"text": "x", "label": [[0, 1, "ORG"]]})  # fmt: skip
    result = import_dataset(write(tmp_path / "doccano.jsonl", lines), "utterances", dest, UploadLimits())
    assert result.source_format == "utterances-jsonl"
    assert [(r["text"], r["intent"]) for r in load_manifest(dest)] == [("hi there", "greet"), ("bye", "leave")]
    assert [issue.reason.split(":")[1].strip() for issue in result.rejections] == [
        'label ["greet", "leave"]', 'label [[0, 1, "ORG"]]'
    ]  # fmt: skip


def test_lex_invalid_json_names_the_line(dest, tmp_path):
    with pytest.raises(UploadRejectedError, match=r"slot\.json line 2: not valid JSON"):
        import_dataset(write(tmp_path / "slot.json", '{"name": "A",\n  "enumerationValues": [}\n'), "utterances",
                       dest, UploadLimits())  # fmt: skip


# --- CSV -------------------------------------------------------------------------------------------------


def test_csv_with_quotes_multiline_fields_and_bad_rows(dest, tmp_path):
    source = write(
        tmp_path / "utterances.csv",
        'text,intent\nhello there,greet\n"book a flight, please",book\n"multi\nline",book\n'
        ",greet\nhi,bad intent\nonly one field\nHELLO THERE,book\nhi, how are you,greet\n",
    )
    result = import_dataset(source, "utterances", dest, UploadLimits())
    assert result.source_format == "utterances-csv"
    assert load_manifest(dest) == [
        {"id": "line-2", "type": "example", "text": "hello there", "intent": "greet", "entities": [], "line": 2},
        {"id": "line-3", "type": "example", "text": "book a flight, please", "intent": "book", "entities": [],
         "line": 3},
        {"id": "line-4", "type": "example", "text": "multi line", "intent": "book", "entities": [], "line": 4},
    ]  # fmt: skip
    assert reasons(result).splitlines() == [
        "utterances.csv|6|utterances.csv line 6: empty text",
        'utterances.csv|7|utterances.csv line 7: intent must be a non-empty string without spaces (got "bad intent")',
        "utterances.csv|8|utterances.csv line 8: expected 2 fields, got 1",
        "utterances.csv|9|utterances.csv line 9: same text as line 2 but a different intent ('greet' there, "
        "'book' here); line 2 is kept: keep the right one",
        "utterances.csv|10|utterances.csv line 10: expected 2 fields, got 3; quote a text that holds a comma: "
        '"hi, how are you",greet',
    ]  # in line order (the repeats, checked across files, came last: a review)


def test_csv_quote_left_open_names_the_lines_it_swallowed(dest, tmp_path):
    source = write(tmp_path / "open.csv", 'text,intent\nhello,greet\n"say hi,greet\nbye,leave\nok then,leave\n')
    result = import_dataset(source, "utterances", dest, UploadLimits())
    assert [r["text"] for r in load_manifest(dest)] == ["hello"]
    assert reasons(result) == (
        'open.csv|3|open.csv line 3: expected 2 fields, got 1; a quote (") opened on this line is not closed, so the '
        '2 line(s) after it were read into this field: close it, or write a quote inside a text twice ("")'
    )


def test_csv_repeated_header_and_slot_markup_are_explained(dest, tmp_path):
    source = write(
        tmp_path / "cars.csv",
        "Text,Intent\nbook a car,book\nText,Intent\nbook a [suv](car_type) now,book\ncancel it,cancel\n",
    )
    result = import_dataset(source, "utterances", dest, UploadLimits())
    assert [(r["text"], r["intent"]) for r in load_manifest(dest)] == [
        ("book a car", "book"), ("book a suv now", "book"), ("cancel it", "cancel"),
    ]  # fmt: skip
    assert reasons(result) == "cars.csv|3|cars.csv line 3: the header line again (files joined?), not an example"
    assert [w.reason for w in result.warnings] == [
        "cars.csv line 4: slot markup [suv](car_type) read as plain text ('book a suv now'): CSV carries no slots; "
        "to train slots, upload the examples as Rasa NLU YAML (- book a [suv](car_type) now)"
    ]


@pytest.mark.parametrize(("name", "content", "words"), [
    ("x.csv", "text;intent\nhi;greet\n", "semicolons (';')"),
    ("x.csv", "Text\tIntent\nhi\tgreet\n", "tabs"),
    ("x.tsv", "Text\tIntent\nhi\tgreet\n", "tabs"),
    ("excel.txt", "text\tintent\nhi\tgreet\n", "tabs"),
])  # fmt: skip
def test_csv_with_another_delimiter_names_it(dest, tmp_path, name, content, words):
    """A .tsv, or Excel's tab-separated 'Unicode Text', was 'not a recognised utterances file' (a formats review)."""
    with pytest.raises(UploadRejectedError) as refused:
        import_dataset(write(tmp_path / name, content), "utterances", dest, UploadLimits())
    message = " ".join(str(refused.value).split())
    assert "expected a header line 'text,intent' (or 'text,label'), found '" in message
    assert f"; this file is separated by {words}" in message


def test_a_spreadsheet_workbook_is_refused_with_what_to_save_it_as(dest, tmp_path):
    """An .xlsx (a zip) was unpacked and each XML part rejected as 'not a recognised utterances file'."""
    with zipfile.ZipFile(tmp_path / "intents.xlsx", "w") as workbook:
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UploadRejectedError, match=r"intents\.xlsx: a spreadsheet workbook, .* save the sheet as CSV"):
        import_dataset(tmp_path / "intents.xlsx", "utterances", dest, UploadLimits())


def test_csv_text_label_header_is_recognised_without_extension(dest, tmp_path):
    result = import_dataset(write(tmp_path / "data", "Label,Text\ngreet,hi\n"), "utterances", dest, UploadLimits())
    assert result.source_format == "utterances-csv"
    assert load_manifest(dest)[0]["intent"] == "greet" and load_manifest(dest)[0]["text"] == "hi"


def test_excels_sep_line_and_rows_of_empty_cells_are_skipped(dest, tmp_path):
    """Excel's trailing ',,' rows were rejected items ('empty text') that failed --max-rejected, and its 'sep=,'
    line refused the file (a formats review)."""
    source = write(tmp_path / "excel.csv", "sep=,\r\ntext,intent,notes\r\nhi there,greet,\r\n,,\r\n,,\r\n")
    result = import_dataset(source, "utterances", dest, UploadLimits())
    assert (result.accepted, result.rejections) == (1, []) and load_manifest(dest)[0]["line"] == 3
    # a column besides the text and the intent is named as not read (an "entities" column vanished without a word)
    assert [w.reason for w in result.warnings] == [
        "excel.csv line 2: column(s) 'notes' not read: only 'text' and 'intent' are; to train slots, upload the "
        "examples as Rasa NLU YAML (- book a [suv](car_type) now)"
    ]


def test_unknown_utterances_file_and_wrong_csv_header(dest, tmp_path):
    with pytest.raises(UploadRejectedError, match=r"notes\.txt: not a recognised utterances file"):
        import_dataset(write(tmp_path / "notes.txt", "just some words\n"), "utterances", dest, UploadLimits())
    with pytest.raises(UploadRejectedError, match=r"x\.csv line 1: expected a header line 'text,intent'") as refused:
        import_dataset(
            write(tmp_path / "x.csv", "phrase,intent\nhi,greet\nbye,goodbye\n"), "utterances", dest, UploadLimits()
        )
    assert str(refused.value).startswith("x.csv: no item could be used: x.csv line 1:")  # not "all 1 were rejected"
    assert "found 'phrase,intent'" in str(refused.value)
    # the text column's common other names are read (`utterance,intent` was refused: a formats review)
    result = import_dataset(write(tmp_path / "u.csv", "utterance,intent\nhi,greet\n"), "utterances", tmp_path / "u",
                            UploadLimits())  # fmt: skip
    assert (result.accepted, load_manifest(tmp_path / "u")[0]["text"]) == (1, "hi")


# --- annotated text --------------------------------------------------------------------------------------


def test_annotated_jsonl_both_span_styles(dest, tmp_path):
    source = write(
        tmp_path / "ner.jsonl",
        jsonl(
            {"text": "Sundar Pichai runs Google", "spans": [{"start": 19, "end": 25, "label": "ORG"},
                                                        {"start": 0, "end": 13, "label": "PERSON"}]},
            {"text": "nothing to see here", "spans": []},
            "",
            {"text": "I bought a Pixel 8", "entities": [[11, 18, "GADGET"]]},
            ["Paris is nice", {"entities": [[0, 5, "GPE"]]}],
            {"id": 7, "text": "My Kindle broke", "label": [[3, 9, "GADGET"]]},
            {"text": "Rome at night", "labels": [[0, 4, "GPE"]], "meta": {"source": "doccano"}},
        ),
    )  # fmt: skip
    result = import_dataset(source, "annotated-text", dest, UploadLimits())
    assert (result.source_format, result.rejections) == ("spans-jsonl", [])
    assert load_manifest(dest) == [
        {"id": "line-1", "text": "Sundar Pichai runs Google",
         "spans": [{"start": 0, "end": 13, "label": "PERSON"}, {"start": 19, "end": 25, "label": "ORG"}], "line": 1},
        {"id": "line-2", "text": "nothing to see here", "spans": [], "line": 2},
        {"id": "line-4", "text": "I bought a Pixel 8", "spans": [{"start": 11, "end": 18, "label": "GADGET"}],
         "line": 4},
        {"id": "line-5", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "GPE"}], "line": 5},
        {"id": "line-6", "text": "My Kindle broke", "spans": [{"start": 3, "end": 9, "label": "GADGET"}], "line": 6},
        {"id": "line-7", "text": "Rome at night", "spans": [{"start": 0, "end": 4, "label": "GPE"}], "line": 7},
    ]  # fmt: skip


def test_label_studio_exports_are_read(dest, tmp_path):
    """Label Studio's export (after the refusal's own `jq -c '.[]'` advice) gave 'missing "text"' on every line, and
    its JSON-MIN shape '"label" must be a list of triples' (a formats review)."""
    region = {"start": 0, "end": 5, "text": "Pixel", "labels": ["GADGET"]}
    full = {"id": 1, "data": {"text": "Pixel is here"}, "annotations": [
        {"was_cancelled": False, "result": [{"type": "labels", "value": region, "from_name": "label"}]},
        {"was_cancelled": True, "result": []}]}  # fmt: skip
    minimal = {"text": "my Pixel", "id": 2, "label": [{**region, "start": 3, "end": 8}]}
    two = {"text": "an Apple", "label": [{"start": 3, "end": 8, "labels": ["ORG", "GADGET"]}]}
    result = import_dataset(write(tmp_path / "ls.jsonl", jsonl(full, minimal, two)), "annotated-text", dest,
                            UploadLimits())  # fmt: skip
    assert [(r["text"], r["spans"]) for r in load_manifest(dest)] == [
        ("Pixel is here", [{"start": 0, "end": 5, "label": "GADGET"}]),
        ("my Pixel", [{"start": 3, "end": 8, "label": "GADGET"}]),
    ]
    assert (
        reasons(result)
        == 'ls.jsonl|3|ls.jsonl line 3: region 3-8 has labels ["ORG", "GADGET"]: an entity takes one label'
    )


def test_doccano_exports_case_variants_and_a_line_with_two_span_keys(dest, tmp_path):
    source = write(
        tmp_path / "doccano.jsonl",
        jsonl(
            {"id": 1, "data": "refill Zoloft please", "label": [[7, 13, "DRUG"]]},  # Doccano 1.x
            {"id": 2, "text": "refill zoloft please", "relations": [],
             "entities": [{"id": 9, "label": "DRUG", "start_offset": 7, "end_offset": 13}]},  # relation export
            {"text": "take Zoloft", "spans": [{"start": 5, "end": 11, "label": "DRUG"}],
             "entities": [[0, 4, "X"]]},
        ),
    )  # fmt: skip
    result = import_dataset(source, "annotated-text", dest, UploadLimits())
    assert [r["spans"] for r in load_manifest(dest)] == [[{"start": 7, "end": 13, "label": "DRUG"}]] * 2
    assert reasons(result) == (
        "doccano.jsonl|3|doccano.jsonl line 3: both 'spans' and 'entities': keep the spans in one of them"
    )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('[\n {"text": "a", "spans": []}\n]\n', "is a JSON array, not JSON lines"),
        ('[{"text": "a", "label": []}, {"text": "b", "label": []}]\n', "is a JSON array, not JSON lines"),  # one line
        ('[["a b", {"entities": [[0, 1, "X"]]}]]\n', "is a JSON array, not JSON lines"),  # spaCy v2, one line
        ('{\n  "text": "a",\n  "spans": []\n}\n', "is pretty-printed JSON, not JSON lines"),
        ("refill my aspirin\ntake ibuprofen\n", "is plain text, not JSON lines"),
    ],
)
def test_a_json_lines_file_laid_out_otherwise_is_refused_whole(dest, tmp_path, content, said):
    with pytest.raises(UploadRejectedError, match=said):
        import_dataset(write(tmp_path / "ner.json", content), "annotated-text", dest, UploadLimits())


def ought(*spans: tuple[object, object, object]) -> dict[str, object]:
    """A line of text 'I ought to' with the given ``(start, end, label)`` spans (None leaves a key out)."""
    keys = ("start", "end", "label")
    dicts = [{k: v for k, v in zip(keys, span, strict=True) if v is not None} for span in spans]
    return {"text": "I ought to", "spans": dicts}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
        ('{"text": "oops', "not valid JSON (Unterminated string starting at column 10)"),  # was "at at"
        (
            {"text": "late 😤 via DHL", "spans": [{"start": 12, "end": 15, "label": "CARRIER"}]},  # UTF-16 offsets
            "span from 12 to 15 is outside the text (characters 0 to 14); offsets count characters (Unicode code "
            "points), and this text holds 1 character (an emoji...) that JavaScript tools count as two: convert "
            "their offsets",
        ),
        ('"just a string"', 'expected a JSON object {"text": ..., "spans": [...]}'),
        ({"spans": []}, 'missing "text" (a string)'),
        ({"text": "   ", "spans": []}, "empty text"),
        ({"text": "I ought to", "spans": "none"}, '"spans" must be a list of {"start", "end", "label"} objects'),
        ({"text": "I ought to", "entities": [[0, 1]]}, '"entities" must be a list of [start, end, label] triples'),
        ({"text": "I ought to", "label": ["positive"]}, '"label" must be a list of [start, end, label] triples'),
        (
            {"text": "I ought to", "annotations": [{"start": 2, "end": 7}]},
            'no "spans" or "entities": "annotations" is not read; '
            'write the spans as "spans": [{"start", "end", "label"}]',
        ),
        (ought(("2", 7, "X")), 'span offsets must be integers (got start and end ["2", 7])'),
        (ought((2.0, 7, "X")), "span offsets must be integers (got start and end [2.0, 7])"),
        (ought((2, 70, "X")), "span from 2 to 70 is outside the text (characters 0 to 10)"),
        (ought((-3, 8, "X")), "span from -3 to 8 is outside the text (characters 0 to 10)"),
        (ought((7, 2, "X")), "span 7-2: start must be before end"),
        (ought((2, 7, "A B")), 'span 2-7 label must be a non-empty string without spaces (got "A B")'),
        (ought((2, 7, 3)), "span 2-7 label must be a non-empty string without spaces (got 3)"),
        (ought((2, 7, None)), "missing span 2-7 label"),
        (ought((3, 7, "X")), "span 3-7 'ught' does not start and end on token boundaries"),
        (
            {"text": "I bought it", "spans": [{"start": 3, "end": 8, "label": "X"}]},
            "span 3-8 'ought' does not start and end on token boundaries",
        ),
        (ought((0, 7, "A"), (2, 10, "B")), "spans 0-7 'I ought' and 2-10 'ought to' overlap"),
        ({"text": "hello  world", "spans": [{"start": 7, "end": 12, "label": "X"}]}, "duplicate of line 1"),
        (
            {"text": "hello world", "spans": []},
            "same text as line 1 but different spans; line 1 is kept: keep the right one",
        ),
        (
            {"text": "Kevin dropped it", "spans": [{"start": 0, "end": 5, "label": "X"}], "answer": "reject"},
            'Prodigy answer "reject": not an accepted annotation (only "accept" answers are read)',
        ),  # a Prodigy db-out: the annotator's turned-down suggestions were trained on (a formats review)
    ],
)
def test_annotated_jsonl_rejections(dest, tmp_path, line, expected):
    source = write(
        tmp_path / "ner.jsonl", jsonl({"text": "hello world", "spans": [{"start": 6, "end": 11, "label": "X"}]}, line)
    )
    result = import_dataset(source, "annotated-text", dest, UploadLimits())
    assert result.accepted == 1
    assert reasons(result) == f"ner.jsonl|2|ner.jsonl line 2: {expected}"


def docbin_file(path: Path, docs: list[tuple[str, list[tuple[int, int, str]]]]) -> Path:
    nlp, doc_bin = blank_english(), DocBin()
    for text, ents in docs:
        doc = nlp(text)
        doc.ents = [doc.char_span(start, end, label) for start, end, label in ents]
        doc_bin.add(doc)
    doc_bin.to_disk(path)
    return path


def test_docbin_round_trip(dest, tmp_path):
    docs = [
        ("Sundar Pichai runs Google", [(0, 13, "PERSON"), (19, 25, "ORG")]),
        ("no entities here", []),
        ("Sundar Pichai runs Google", [(0, 13, "PERSON"), (19, 25, "ORG")]),
    ]
    source = docbin_file(tmp_path / "train.spacy", docs)
    result = import_dataset(source, "annotated-text", dest, UploadLimits())
    assert (result.source_format, result.accepted) == ("spacy-docbin", 2)
    assert reasons(result) == "train.spacy|3|train.spacy doc 3: duplicate of doc 1"
    records = load_manifest(dest)
    assert records[0] == {
        "id": "doc-1",
        "text": "Sundar Pichai runs Google",
        "spans": [{"start": 0, "end": 13, "label": "PERSON"}, {"start": 19, "end": 25, "label": "ORG"}],
        "line": 1,
    }
    assert records[1] == {"id": "doc-2", "text": "no entities here", "spans": [], "line": 2}
    # and back: the canonical spans rebuild the same entities
    doc = blank_english()(records[0]["text"])
    rebuilt = [doc.char_span(s["start"], s["end"], s["label"]) for s in records[0]["spans"]]
    assert [(e.text, e.label_) for e in rebuilt] == [("Sundar Pichai", "PERSON"), ("Google", "ORG")]


def test_docbin_and_jsonl_in_one_zip(dest, tmp_path):
    upload = tmp_path / "ner.zip"
    docbin = docbin_file(tmp_path / "dev.spacy", [("Paris is nice", [(0, 5, "GPE")])])
    with zipfile.ZipFile(upload, "w") as archive:
        archive.write(docbin, "data/dev.spacy")
        archive.writestr("data/more.jsonl", jsonl({"text": "Paris  is nice", "spans": []}, {"text": "ok", "spans": []}))
    result = import_dataset(upload, "annotated-text", dest, UploadLimits())
    assert result.source_format == "spacy-docbin+spans-jsonl (zip)"
    assert [r["id"] for r in load_manifest(dest)] == ["dev-doc-1", "more-line-2"]
    assert reasons(result) == (
        "more.jsonl|1|more.jsonl line 1: same text as dev.spacy doc 1 but different spans; dev.spacy doc 1 is kept: "
        "keep the right one"
    )


def test_docbin_doc_without_entity_annotation_is_refused(dest, tmp_path):
    nlp, doc_bin = blank_english(), DocBin()
    annotated = nlp("Sundar Pichai runs Google")
    annotated.ents = [annotated.char_span(0, 13, "PERSON")]
    unknown = nlp("The Echo Dot is fine")  # never annotated: spaCy reads its entities as unknown, not absent
    partly = nlp("Paris and the Surface Pro")
    partly.set_ents([partly.char_span(0, 5, "GPE")], default="missing")
    for doc in (annotated, unknown, partly):
        doc_bin.add(doc)
    doc_bin.to_disk(tmp_path / "train.spacy")
    result = import_dataset(tmp_path / "train.spacy", "annotated-text", dest, UploadLimits())
    assert result.accepted == 1
    advice = (
        "(spaCy's 'unknown', not 'no entity'): annotate them, "
        "or set the others to 'O' with doc.set_ents(..., default='outside')"
    )
    assert reasons(result) == (
        f"train.spacy|2|train.spacy doc 2: entity annotation missing on 5 of 5 tokens {advice}\n"
        f"train.spacy|3|train.spacy doc 3: entity annotation missing on 4 of 5 tokens {advice}"
    )


def test_unreadable_docbin_is_rejected(dest, tmp_path):
    with pytest.raises(UploadRejectedError, match=r"broken\.spacy doc 1: not a readable spaCy DocBin file"):
        import_dataset(write(tmp_path / "broken.spacy", b"\x00\x01garbage"), "annotated-text", dest, UploadLimits())


# --- patterns --------------------------------------------------------------------------------------------


def test_patterns_token_and_phrase(dest, tmp_path):
    source = write(
        tmp_path / "patterns.jsonl",
        jsonl(
            {"label": "GADGET", "pattern": [{"LOWER": "pixel"}, {"IS_DIGIT": True}], "id": "pixel"},
            {"label": "GADGET", "pattern": "iPhone 15"},
            {"label": "ORG", "pattern": [{"LOWER": {"IN": ["google", "alphabet"]}}, {"OP": "?"}]},
        ),
    )
    result = import_dataset(source, "patterns", dest, UploadLimits())
    assert (result.source_format, result.accepted, result.rejections) == ("spacy-patterns-jsonl", 3, [])
    assert load_manifest(dest) == [
        {"id": "line-1", "label": "GADGET", "pattern": [{"LOWER": "pixel"}, {"IS_DIGIT": True}], "pattern_id": "pixel",
         "line": 1},
        {"id": "line-2", "label": "GADGET", "pattern": "iPhone 15", "line": 2},
        {"id": "line-3", "label": "ORG", "pattern": [{"LOWER": {"IN": ["google", "alphabet"]}}, {"OP": "?"}],
         "line": 3},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[1, 2", "not valid JSON"),
        ({"pattern": "x"}, "missing label"),
        ({"label": "MY GADGET", "pattern": "x"}, 'label must be a non-empty string without spaces (got "MY GADGET")'),
        ({"label": "X"}, 'missing "pattern": a phrase (string) or a token pattern (list of objects)'),
        ({"label": "X", "pattern": "  "}, "empty phrase pattern"),
        ({"label": "X", "pattern": []}, "empty token pattern"),
        ({"label": "X", "pattern": ["pixel"]}, "a token pattern must be a list of JSON objects, one per token"),
        ({"label": "X", "pattern": [{"LOWERR": "pixel"}]},
         "invalid token pattern: [token 0 -> LOWERR] Extra inputs are not permitted"),
        ({"label": "X", "pattern": [{"LOWER": 3}]}, "invalid token pattern: [token 0 -> LOWER"),
        ({"label": "X", "pattern": "x", "id": 7}, '"id" must be a non-empty string'),
        ({"label": "X", "pattern": [{"LOWER": "the"}, {"POS": "PROPN"}]},
         "[token 1] POS needs a tagger, parser or recognizer"),  # accepted, then E155 at training (a review)
        ({"label": "X", "pattern": [{"lemma": "phone"}]}, "[token 0] LEMMA needs a tagger"),
        ({"label": "GADGET", "pattern": "Pixel 8"}, "duplicate of line 1"),
        ({"label": "PRODUCT", "pattern": "Pixel 8"},
         "same pattern as line 1 but a different label ('GADGET' there, 'PRODUCT' here); line 1 is kept"),
        ({"label": "GADGET", "pattern": "Pixel 8", "id": "p8"}, "same pattern as line 1 but a different id"),
    ],
)  # fmt: skip
def test_pattern_rejections(dest, tmp_path, line, expected):
    source = write(tmp_path / "patterns.jsonl", jsonl({"label": "GADGET", "pattern": "Pixel 8"}, line))
    result = import_dataset(source, "patterns", dest, UploadLimits())
    assert result.accepted == 1
    assert reasons(result).startswith(f"patterns.jsonl|2|patterns.jsonl line 2: {expected}")


# --- kinds and projects ----------------------------------------------------------------------------------


def test_kind_lists_and_check_kind():
    assert get_kind("language").upload_kinds == ("utterances", "patterns")
    assert get_kind("entities").upload_kinds == ("annotated-text", "patterns")
    for kind in ALL_KINDS:
        check_kind(kind)
    with pytest.raises(UploadRejectedError, match=r"choose one of acoustic, .*utterances, patterns, annotated-text"):
        check_kind("intents")


def test_projects_take_only_their_kinds(workspace, tmp_path):
    create_project(workspace, "calls", "speech")
    create_project(workspace, "bot", "language")
    create_project(workspace, "ner", "entities")
    source = write(tmp_path / "u.csv", "text,intent\nhello,greet\nbye,farewell\n")
    with pytest.raises(TuneforkError, match=r"A speech project takes dataset kinds: acoustic.*\(got 'utterances'\)"):
        upload_dataset(workspace, "calls", source, "utterances")
    with pytest.raises(TuneforkError, match=r"An entities project takes dataset kinds: annotated-text, patterns") as no:
        upload_dataset(workspace, "ner", source, "utterances")
    assert str(no.value).endswith(  # it said "Did you mean 'patterns'?" by the spelling (an entities review)
        "'utterances' datasets belong to language projects; an entities project's labelled examples are "
        "'annotated-text' datasets."
    )
    created = upload_dataset(workspace, "bot", source, "utterances")
    assert (created["kind"], created["accepted"], created["sourceFormat"]) == ("utterances", 2, "utterances-csv")
    assert [d["name"] for d in list_datasets(workspace, "bot")] == ["u"]
    assert list_datasets(workspace, "calls") == []


def test_rasa_markup_is_read_back_as_written() -> None:
    text = "book Spin on tuesday eve"
    entities = [{"start": 5, "end": 9, "label": "class_type", "value": "spin"},
                {"start": 13, "end": 20, "label": "day"}, {"start": 15, "end": 18, "label": "overlap"}]  # fmt: skip
    written = rasa_markup(text, entities)
    assert written == 'book [Spin]{"entity": "class_type", "value": "spin"} on [tuesday](day) eve'
    clean, found = parse_rasa_example(written)
    assert clean == text
    assert [(e["start"], e["end"], e["label"], e["value"]) for e in found] == [
        (5, 9, "class_type", "spin"), (13, 20, "day", "tuesday")
    ]  # fmt: skip


def test_logged_parses_export_as_rasa_yaml_with_their_entities(dest, tmp_path) -> None:
    logs = [
        LoggedRequest("a", {"text": "can i book spin on\ntuesday", "intent": "book_class", "entities": [
            {"start": 11, "end": 15, "label": "class_type"}, {"start": 19, "end": 26, "label": "day"}]}),
        LoggedRequest("b", {"text": "", "intent": None, "entities": []}),  # silence heard by a voice endpoint
        LoggedRequest("c", {"text": "what's the weather", "intent": "out_of_scope", "entities": []}),
        LoggedRequest("d", {"text": "=HYPERLINK(\"http://x\") spin", "intent": "book_class", "entities": []}),
        # Answered by a model without intents (a base model), with its own entity labels: not "out of scope".
        LoggedRequest("e", {"text": "block my card for Ada Lovelace", "intent": None, "entities": [
            {"start": 18, "end": 30, "label": "PERSON"}]}),
        LoggedRequest("f", {"text": "book yoga: friday", "intent": "book_class", "entities": []}),
    ]  # fmt: skip
    folder = tmp_path / "export"
    folder.mkdir()
    write_parsed_utterances(folder, logs, for_review=True)
    result = import_dataset(folder / "utterances.yml", "utterances", dest, UploadLimits())
    assert (result.accepted, result.rejections) == (4, [])
    records = {r["text"]: r for r in load_manifest(dest)}
    booked = records["can i book spin on tuesday"]
    assert [(e["label"], booked["text"][e["start"] : e["end"]]) for e in booked["entities"]] == [
        ("class_type", "spin"), ("day", "tuesday")
    ]  # fmt: skip
    assert records["what's the weather"]["intent"] == "out_of_scope"
    assert "block my card for Ada Lovelace" not in records
    # Each example on its own line of the file, and its id says which (the studio review found ids shared).
    lines = (folder / "utterances.yml").read_text(encoding="utf-8").splitlines()
    for record in records.values():
        assert record["text"].split()[0] in lines[record["line"] - 1]
    assert len({r["id"] for r in records.values()}) == 4
    with pytest.raises(TuneforkError, match="none of the 1 logged requests was answered with an intent"):
        write_parsed_utterances(folder, logs[4:5], for_review=False)


def test_a_rasa_project_zip_skips_its_domain_config_and_stories_with_a_warning(dest, tmp_path):
    """domain.yml, config.yml and stories.yml of a Rasa project zip were rejected items (--max-rejected failed)."""
    upload = tmp_path / "bot.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("bot/data/nlu.yml", rasa_intent("order a pizza", "a large one please"))
        domain = "version: '3.1'\nintents:\n  - order\nresponses:\n  utter_ok:\n  - text: ok\n"
        archive.writestr("bot/domain.yml", domain)
        archive.writestr("bot/config.yml", "recipe: default.v1\npipeline:\n  - name: WhitespaceTokenizer\n")
        archive.writestr("bot/data/stories.yml", "stories:\n- story: s\n  steps:\n  - intent: order\n")
    result = import_dataset(upload, "utterances", dest, UploadLimits())
    assert (result.accepted, result.rejections) == (2, [])
    assert sorted(w.reason for w in result.warnings) == [
        "ignored config.yml: a Rasa file without an 'nlu:' section (pipeline, recipe)",
        "ignored data/stories.yml: a Rasa file without an 'nlu:' section (stories)",
        "ignored domain.yml: a Rasa file without an 'nlu:' section (intents, responses)",
    ]
