"""Slots from a handful of annotations (issue 12): the value lookup beside the recognizer, no early stopping
on a tiny dev split, and the warning and ``--gate`` failure for a label the model cannot learn."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tunefork.cli.main import app
from tunefork.engines.card import read_card
from tunefork.language.data import AnnotatedText
from tunefork.language.trainer import load
from tunefork.language.value_lookup import ValueLookup, within_distance
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


def test_slot_label_found_from_20_annotations_and_unlearnable_label_warns_and_fails_the_gate(
    tmp_path: Path, workspace: Workspace
) -> None:
    projects.create_project(workspace, "desk", "language")
    datasets.upload_dataset(workspace, "desk", _nlu(tmp_path / "train.yml", "", mystery=True), "utterances", "train")
    datasets.upload_dataset(workspace, "desk", _nlu(tmp_path / "test.yml", "hi, ", mystery=False), "utterances", "test")
    runner = CliRunner()
    result = runner.invoke(app, ["--home", str(workspace.home), "model", "train", "desk", "--name", "slots",
                                 "--base", "en-core-web-sm", "--dataset", "train", "--test-dataset", "test",
                                 "--intent-classifier", "tfidf", "--gate"])  # fmt: skip
    output = " ".join(result.output.split())  # Rich wraps long lines
    assert result.exit_code == 1, output
    assert "WARNING" in output and "'mystery'" in output and "from 5 annotated examples" in output
    assert "gate: the model cannot learn these labels from its data: mystery" in output
    model = training.list_models(workspace, "desk")[0]
    card = read_card(workspace.model_dir(model["id"]))
    check = card["contributions"]["entities"]["label_check"]
    assert check["weak"] == ["mystery"] and check["per_label"]["product"]["f1"] >= 0.9
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
