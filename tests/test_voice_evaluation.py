"""End-to-end voice evaluation: the ASR/NLU blame on hand-made cases, and the whole run through the CLI.

The language model is the toy keyword classifier (tests/toy_kind.py): each intent is recognized by the
words only its training examples use, so which words were misheard decides the outcome exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from speech_samples import SENTENCES
from toy_kind import KIND, TOY, KeywordModel

from tunefork.evaluation.metrics import score_utterance
from tunefork.evaluation.voice_blame import Parse, VoiceItem, blame, score_voice
from tunefork.kinds import register, unregister

KEYWORDS = KeywordModel("kw", {"callback": ["call"], "leave": ["goodbye"], "order": ["refill"]})


def parse(text: str) -> Parse:
    """The toy model's decision as the blame reads it (no slots)."""
    return Parse(KEYWORDS.intent(text), frozenset())


def item(said: str, heard: str, intent: str, slots: frozenset = frozenset()) -> VoiceItem:
    return VoiceItem("u", said, heard, intent, slots, score_utterance("u", said, heard).alignment)


@pytest.mark.parametrize(
    ("said", "heard", "intent", "expected"),
    [
        # "call" misheard: right from text, wrong from audio -> the speech model, and the word that did it.
        ("please call me", "please fall me", "callback", [("asr", [{"said": "call", "heard": "fall"}])]),
        # Two misheard stretches; only repairing "call" gives the intent back, so only it is the culprit.
        (
            "please call me at noon",
            "please fall me at moon",
            "callback",
            [("asr", [{"said": "call", "heard": "fall"}])],
        ),
        # Misheard but harmless: the intent survives, no error at all.
        ("refill my prescription", "refill my subscription", "order", []),
        # Wrong even from the reference text: the language model.
        ("i want a refill", "i want a refill", "callback", [("nlu", [])]),
        # Wrong from text, and the audio is misheard too: still the language model's (lowest level that caused it).
        ("i want a refill", "i want a pill", "callback", [("nlu", [])]),
    ],
)
def test_intent_blame_on_hand_made_cases(said: str, heard: str, intent: str, expected: list) -> None:
    case = item(said, heard, intent)
    errors = blame(case, parse(said), parse(heard), parse)
    assert [(e["blame"], e["words"]) for e in errors] == expected


def test_slot_blame_missed_and_spurious() -> None:
    time_slot = ("time", "five o'clock")
    case = item("call me at five o'clock", "call me at fine o'clock", "callback", frozenset({time_slot}))
    both = Parse("callback", frozenset({time_slot, ("name", "me")}))
    heard = Parse("callback", frozenset({("name", "me"), ("drug", "fine")}))
    errors = blame(case, both, heard, parse)
    assert [(e["error"], e["slot"], e["blame"]) for e in errors] == [
        ("missed", ["time", "five o'clock"], "asr"),  # found from text, lost in the transcript
        ("spurious", ["drug", "fine"], "asr"),  # only the misheard word made it
        ("spurious", ["name", "me"], "nlu"),  # the language model finds it from the text too
    ]
    assert errors[0]["words"] == [{"said": "five", "heard": "fine"}] and errors[1]["words"] == []

    scores = score_voice(("asr", "nlu"), 0.2, [case], [both], [heard], parse)
    assert scores.blame == {"intent": {"asr": 0, "nlu": 0}, "slot": {"asr": 2, "nlu": 1}}
    assert (scores.intent_accuracy_audio, scores.intent_accuracy_text) == (1.0, 1.0)
    assert scores.slot_f1_text == pytest.approx(2 / 3, abs=1e-4) and scores.slot_f1_audio == 0.0


def test_slot_values_that_differ_only_in_how_numbers_are_written_are_one_value() -> None:
    said, heard = "book two seats at nine pm", "book 2 seats at 9 p.m."
    gold = Parse.of(said, {"intent": "book", "entities": [{"start": 18, "end": 25, "label": "time"}]}, "none")
    answer = {"intent": "book", "entities": [{"start": 16, "end": 22, "label": "time"}]}  # "9 p.m."
    from_audio = Parse.of(heard, answer, "none")
    case = item(said, heard, "book", gold.slots)
    assert from_audio.slots == gold.slots == frozenset({("time", "nine pm")})
    assert blame(case, gold, from_audio, parse) == []


def test_slots_compare_resolved_values_and_a_model_without_intents_scores_none() -> None:
    """A review's 'margarita' heard for 'margherita' counted a miss and a spurious slot blamed on speech, though the
    model's synonyms resolved it; a model of entities only was scored 3.9% intent accuracy."""
    said, heard = "two medium margherita", "to meet your margarita"
    gold = Parse.of(said, {"intent": "order", "entities": [{"start": 11, "end": 21, "label": "pizza"}]}, "none")
    answer = {"intent": "order", "entities": [{"start": 14, "end": 22, "label": "pizza", "value": "margherita"}]}
    case = item(said, heard, "order", gold.slots)
    assert blame(case, gold, Parse.of(heard, answer, "none"), parse) == []
    entities_only = Parse("none", gold.slots)
    scores = score_voice(("asr", "ner"), 0.5, [case], [entities_only], [entities_only], parse, intents=False)
    assert (scores.intent_accuracy_audio, scores.intent_accuracy_text, scores.blame["intent"]) == (
        None, None, {"asr": 0, "nlu": 0})  # fmt: skip


@pytest.fixture
def toy() -> Iterator[None]:
    register(TOY)
    yield
    unregister(KIND)


def test_cli_evaluates_a_voice_app_end_to_end(cli, toy: None, acoustic_zip: Path, tmp_path: Path) -> None:
    intents = ["medication", "callback", "weather"]
    sidecar = tmp_path / "voice-intents.csv"
    sidecar.write_text("text,intent\n" + "".join(f"{s},{i}\n" for s, i in zip(SENTENCES, intents, strict=True)))
    cli("project", "create", "calls")
    cli("dataset", "upload", "calls", str(acoustic_zip), "--kind", "acoustic", "--name", "voice-audio")
    cli("project", "create", "bot", "--kind", KIND)
    cli("dataset", "upload", "bot", str(sidecar), "--kind", "utterances", "--name", "voice-intents")
    cli("model", "train", "bot", "--base", "keyword-blank", "--dataset", "voice-intents", "--name", "kw")
    args = ["evaluate", "--dataset", "voice-audio", "--model", "sphinx-en-us", "--language-model", "kw"]
    missing = cli(*args, expect=1)
    assert "--utterances" in missing.output
    ignored = cli("evaluate", "--dataset", "voice-audio", "--model", "sphinx-en-us", "--utterances", "voice-intents",
                  expect=1)  # fmt: skip
    assert "add --language-model" in " ".join(ignored.output.split())  # it ran a speech evaluation without a word
    report = json.loads(cli(*args, "--utterances", "voice-intents", "--json").stdout)
    # kw was trained on the sidecar itself: the language evaluation's overlap warning, which a review missed here
    (warning,) = report["warnings"]
    assert report["items"] == 3 and warning.startswith("Model 'kw': ") and "also occur in training data" in warning
    [result] = report["results"]
    assert (result["speechModel"], result["languageModel"], result["intentAccuracyFromText"]) == (
        "sphinx-en-us",
        "kw",
        1.0,
    )
    wrong_from_audio = round(3 * (1 - result["intentAccuracyFromAudio"]))
    assert result["blame"]["intent"] == {"asr": wrong_from_audio, "nlu": 0}  # text is always right here
    assert all(e["blame"] == "asr" and e["words"] for e in result["errors"] if e["what"] == "intent")
    assert result["slotF1FromAudio"] is None and result["wer"] >= 0
    table = cli(*args, "--utterances", "voice-intents")
    assert "Intent accuracy from text" in table.output and "100.0%" in table.output
    assert "3 of 3 answers from the hypothesis cache" in " ".join(table.output.split())  # transcribed once
    errors = len(result["errors"])  # fewer than the 10 shown: the heading says how many there are
    assert (f"Errors of sphinx-en-us + kw ({errors}; all of them in the report):" in table.output) == (errors > 0)
    folder = Path(" ".join(table.output.split()).split("Report: ")[1].strip().replace(" ", ""))
    assert folder.parent.name == "reports" and "-voice-audio" in folder.name  # "-2" after one in the same second
    markdown = (folder / "report.md").read_text()
    assert (
        "| Intent accuracy from text | 100.0% |" in markdown
        and f"## Errors of sphinx-en-us + kw ({errors})" in markdown
    )
    assert len((folder / "errors.jsonl").read_text().splitlines()) == errors
    assert json.loads((folder / "evaluation.json").read_text())["results"] == report["results"]


def test_an_error_where_every_word_was_heard_right_is_the_language_models() -> None:
    """'four cheese' heard as '4 cheese': WER counts it right, the language model missed the slot from the digit,
    and the blame fell on speech with no misheard word to show (a voice review)."""
    said, heard = "a four cheese pizza", "a 4 cheese pizza"
    gold = Parse.of(said, {"intent": "order", "entities": [{"start": 2, "end": 13, "label": "pizza"}]}, "none")
    case = item(said, heard, "order", gold.slots)
    [error] = blame(case, gold, Parse("order", frozenset()), parse)
    assert (error["error"], error["blame"], error["writtenForm"]) == ("missed", "nlu", True)
