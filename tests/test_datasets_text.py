"""Text dataset importers: related text, pronunciation files and Azure structured text."""

from __future__ import annotations

import codecs
import zipfile

import pytest
from upload_files import reasons, write

from tunefork.config import UploadLimits
from tunefork.datasets.importer import import_dataset
from tunefork.datasets.inspection import load_manifest
from tunefork.datasets.structured_text import MAX_EXPANSIONS
from tunefork.errors import UploadRejectedError

# --- related text --------------------------------------------------------------------------------------


def test_related_text_with_bom_crlf_and_blank_lines(dest, tmp_path):
    source = write(
        tmp_path / "related.txt", codecs.BOM_UTF8 + b"refill my prescription\r\n\r\n  take  two tablets \r\nthird\r\n"
    )
    result = import_dataset(source, "language", dest, UploadLimits())
    assert (result.accepted, result.rejections, result.source_format) == (3, [], "related-text")
    assert load_manifest(dest) == [
        {"id": "line-1", "text": "refill my prescription", "line": 1},
        {"id": "line-3", "text": "take two tablets", "line": 3},
        {"id": "line-4", "text": "third", "line": 4},
    ]


def test_related_text_line_with_url_is_rejected(dest, tmp_path):
    source = write(tmp_path / "related.txt", "see the site\nvisit https://example.com/x now\ngo to www.example.org\n")
    result = import_dataset(source, "language", dest, UploadLimits())
    assert result.accepted == 1
    assert "related.txt|2|related.txt line 2: contains a URL ('https://example.com/x')" in reasons(result)
    assert "related.txt|3|related.txt line 3: contains a URL" in reasons(result)


def test_related_text_non_utf8_line_is_rejected_by_line(dest, tmp_path):
    source = write(tmp_path / "related.txt", b"good line\ncaf\xe9 latte\nanother good line\n")
    result = import_dataset(source, "language", dest, UploadLimits())
    assert [r["text"] for r in load_manifest(dest)] == ["good line", "another good line"]
    assert reasons(result).startswith("related.txt|2|related.txt line 2: not valid UTF-8")


def test_related_text_utf16_with_bom(dest, tmp_path):
    source = write(tmp_path / "notepad.txt", "first line\r\nsecond line\r\n".encode("utf-16"))
    assert import_dataset(source, "language", dest, UploadLimits()).accepted == 2


def test_related_text_zip_with_several_files_prefixes_ids(dest, tmp_path):
    upload = tmp_path / "texts.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("corpus/a.txt", "one\ntwo\n")
        archive.writestr("corpus/b.txt", "three\n")
        archive.writestr("corpus/image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    result = import_dataset(upload, "language", dest, UploadLimits())
    assert result.source_format == "related-text (zip)"
    assert [r["id"] for r in load_manifest(dest)] == ["a-line-1", "a-line-2", "b-line-1"]
    assert [w.item for w in result.warnings] == ["image.png"]


MISFILED = {
    "nlu.yml": ('version: "3.1"\nnlu:\n- intent: refill\n  examples: |\n    - refill my [Lipitor](drug)\n',
                "Rasa NLU YAML (intents with examples), not related text (plain sentences, one per line): upload it "
                "with --kind utterances to a language project"),
    "intents.json": ('[{"data": [{"text": "refill my prescription"}], "isTemplate": false}]\n',
                     "a Dialogflow ES export (intents with training phrases), not related text (plain sentences, one "
                     "per line): upload the agent's zip with --kind utterances to a language project"),
    "flow.json": ('{"trainingPhrases": [{"parts": [{"text": "refill my prescription"}]}]}\n',
                  "tunefork does not read Dialogflow CX exports; write the training phrases as CSV"),
    "lex.json": ('{"name": "Drug", "enumerationValues": [{"value": "Lipitor"}]}', "Amazon Lex slot type JSON"),
    "export.json": ('{\n  "rasa_nlu_data": {}\n}\n', "JSON, not related text"),
    "data.csv": ("text,intent\nrefill my meds,refill\n", "CSV of labelled utterances ('text,intent' header)"),
    "lexicon.txt": ("Lipitor\tlip it or\nXarelto\tzah rel toe\n", "upload it with --kind pronunciation"),
    "commented.txt": ("# pharmacy lexicon\r\nLipitor\tlip it or\r\nXarelto\tzah rel toe\r\n",
                      "upload it with --kind pronunciation"),
    "trans.txt": ("a.wav\trefill my meds\n", "a transcript list ('name.wav<TAB>transcript' lines)"),
    "spans.jsonl": ('{"text": "hi", "spans": []}\n', "upload it with --kind annotated-text to an entities project"),
    "rules.jsonl": ('{"label": "DRUG", "pattern": "lipitor"}\n', "upload it with --kind patterns"),
    "lists.md": ("@ list drug =\n- Lipitor\n# Refill\n- refill my {@drug}\n", "upload it with --kind structured-text"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(MISFILED))
def test_another_format_uploaded_as_related_text_is_refused_naming_it(dest, tmp_path, name: str) -> None:
    content, expected = MISFILED[name]
    with pytest.raises(UploadRejectedError) as refused:
        import_dataset(write(tmp_path / name, content), "language", dest, UploadLimits())
    assert expected in str(refused.value) and str(refused.value).startswith(f"{name} is ")
    assert list(dest.iterdir()) == []


def test_plain_sentences_that_start_like_markup_are_still_related_text(dest, tmp_path):
    text = "[laughter] refill my Lipitor\n- take two tablets\nversion: the new dose\nname,text,intent noted\n"
    assert import_dataset(write(tmp_path / "related.txt", text), "language", dest, UploadLimits()).accepted == 4


def test_a_misfiled_file_in_a_zip_is_rejected_and_the_others_kept(dest, tmp_path):
    upload = tmp_path / "texts.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("corpus/a.txt", "one\ntwo\n")
        archive.writestr("corpus/nlu.yml", MISFILED["nlu.yml"][0])
    result = import_dataset(upload, "language", dest, UploadLimits())
    assert result.accepted == 2 and reasons(result).startswith("nlu.yml|None|nlu.yml is Rasa NLU YAML")


def test_old_mac_line_ends_a_stray_nul_and_too_many_lines(dest, tmp_path, monkeypatch):
    """A security review's CR-only file became one item, a two-line file with a NUL was "no text file found", and 5
    million short lines (within the byte limit) took 3 GB to import."""
    result = import_dataset(write(tmp_path / "mac.txt", b"line one\rline two\rline three\r"), "language", dest,
                            UploadLimits())  # fmt: skip
    assert [r["text"] for r in load_manifest(dest)] == ["line one", "line two", "line three"]
    result = import_dataset(write(tmp_path / "nul.txt", b"hello\nworld\x00\n"), "language", tmp_path / "nul",
                            UploadLimits())  # fmt: skip
    assert result.accepted == 1 and reasons(result).startswith("nul.txt|2|nul.txt line 2 holds a NUL byte")
    monkeypatch.setenv("TUNEFORK_MAX_TEXT_LINES", "3")
    with pytest.raises(UploadRejectedError, match=r"big\.txt: 4 lines, over the 3-line limit of a text file"):
        import_dataset(write(tmp_path / "big.txt", "a\nb\nc\nd\n"), "language", tmp_path / "big", UploadLimits())


def test_empty_and_blank_text_uploads_are_refused(dest, tmp_path):
    with pytest.raises(UploadRejectedError, match="empty"):
        import_dataset(write(tmp_path / "empty.txt", b""), "language", dest, UploadLimits())
    with pytest.raises(UploadRejectedError, match="no language items"):
        import_dataset(write(tmp_path / "blank.txt", "\n  \n\n"), "language", dest, UploadLimits())
    assert list(dest.iterdir()) == []


def test_binary_upload_as_text_is_unknown_format(dest, tmp_path):
    blob = write(tmp_path / "sound.wav", b"RIFF\x00\x00\x00\x00WAVEfmt \x00\x00\x00")
    with pytest.raises(
        UploadRejectedError, match=r"not a recognised pronunciation dataset \(a binary file, not text\)"
    ):
        import_dataset(blob, "pronunciation", dest, UploadLimits())


# --- pronunciation -------------------------------------------------------------------------------------


def test_pronunciation_file(dest, tmp_path):
    source = write(
        tmp_path / "pron.txt", "3CPO\tthree c p o\nCNTK\tc n t k\n\nIEEE\ti triple e\nAC DC\tay see dee see\n"
    )
    result = import_dataset(source, "pronunciation", dest, UploadLimits())
    assert result.accepted == 4 and result.rejections == []
    assert load_manifest(dest)[0] == {"id": "line-1", "display": "3CPO", "spoken": "three c p o", "line": 1}
    assert load_manifest(dest)[3]["display"] == "AC DC"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("CNTK c n t k", "no TAB between the display form and the spoken form"),
        ("CNTK\tc n t k\textra", "more than one TAB"),
        ("\tc n t k", "empty display form"),
        ("CNTK\t  ", "empty spoken form"),
        (
            "R2D2\tr 2 d 2",
            "spoken form 'r 2 d 2' may only hold letters, spaces and apostrophes (write numbers as "
            "they are said: 'b twelve', not 'b 12')",
        ),
        ("IEEE\ti triple e", "duplicate of line 1 ('IEEE')"),
    ],
)
def test_malformed_pronunciation_lines(dest, tmp_path, line, expected):
    source = write(tmp_path / "pron.txt", f"IEEE\ti triple e\n{line}\n")
    result = import_dataset(source, "pronunciation", dest, UploadLimits())
    assert result.accepted == 1
    assert reasons(result).startswith(f"pron.txt|2|pron.txt line 2: {expected}")


# --- structured text -----------------------------------------------------------------------------------

STRUCTURED = """\
> order lines for a pharmacy bot
@ list drug =
- ibuprofen
- paracetamol
- paracetamol

@ list size =
- small
- large

# Refills
- refill my {@drug}
- I need a {@size} pack of {@drug} please
- call the pharmacy

#Questions
is {@drug} safe
- what about {@unknown}
- broken {@drug reference

@ speech:phoneticlexicon
- ibuprofen/ay b y uw p r ow f ax n
- no slash here

@ ml entity
- ignored item
"""


def test_structured_text_lists_templates_and_lexicon(dest, tmp_path):
    source = write(tmp_path / "bot.md", STRUCTURED)
    result = import_dataset(source, "structured-text", dest, UploadLimits())
    records = load_manifest(dest)
    lists = {r["name"]: r["items"] for r in records if r["type"] == "list"}
    assert lists == {"drug": ["ibuprofen", "paracetamol"], "size": ["small", "large"]}
    sentences = [(r["section"], r["text"]) for r in records if r["type"] == "sentence"]
    assert sentences == [
        ("Refills", "refill my ibuprofen"),
        ("Refills", "refill my paracetamol"),
        ("Refills", "I need a small pack of ibuprofen please"),
        ("Refills", "I need a small pack of paracetamol please"),
        ("Refills", "I need a large pack of ibuprofen please"),
        ("Refills", "I need a large pack of paracetamol please"),
        ("Refills", "call the pharmacy"),
        ("Questions", "is ibuprofen safe"),
        ("Questions", "is paracetamol safe"),
    ]
    prons = [r for r in records if r["type"] == "pronunciation"]
    assert [(p["display"], p["spoken"], p["phones"]) for p in prons] == [
        ("ibuprofen", "ibuprofen", "ay b y uw p r ow f ax n")  # Azure's phones are kept, not read as words
    ]
    assert len({r["id"] for r in records}) == len(records)
    text = reasons(result)
    assert "bot.md|18|bot.md line 18: unknown or empty list 'unknown'" in text
    assert "bot.md|19|bot.md line 19: malformed reference" in text
    assert "bot.md|23|bot.md line 23: expected 'display/phones'" in text
    assert "bot.md|25|bot.md line 25: unsupported definition '@ ml entity'" in text
    assert len(result.rejections) == 4
    assert [w.line for w in result.warnings] == [5, 21]
    assert "phonetic lexicon's phones are not used" in result.warnings[1].reason


def test_structured_text_expansion_is_capped_deterministically(tmp_path):
    numbers = "".join(f"- n{i}\n" for i in range(12))
    source = write(
        tmp_path / "big.md", f"@ list a =\n{numbers}@ list b =\n{numbers}# S\n- {{@a}} to {{@b}} and {{@a}}\n"
    )
    first = import_dataset(source, "structured-text", tmp_path / "s1" / "d", UploadLimits())
    second = import_dataset(source, "structured-text", tmp_path / "s2" / "d", UploadLimits())
    sentences = [r for r in load_manifest(tmp_path / "s1" / "d") if r["type"] == "sentence"]
    assert len(sentences) == MAX_EXPANSIONS
    assert len({r["text"] for r in sentences}) == MAX_EXPANSIONS
    assert first.content_hash == second.content_hash
    assert [w.reason for w in first.warnings] == [
        f"big.md line 28: template expands to 1728 sentences; kept a deterministic sample of {MAX_EXPANSIONS}"
    ]


@pytest.mark.parametrize(("name", "content", "kind", "said"), [
    ("nlu.md", "## intent:greet\n- hey\n- hello there\n", "utterances",
     "nlu.md is Rasa 1 markdown training data (nlu.md), not utterances"),
    ("train.conll", "-DOCSTART- O\n\nEU B-ORG\nrejects O\nGerman B-MISC\ncall O\n", "annotated-text",
     "train.conll is CoNLL / BIO token tags (one token a line), not annotated text"),
])  # fmt: skip
def test_formats_of_other_tools_are_named_with_the_conversion(dest, tmp_path, name, content, kind, said):
    """Rasa 1 markdown and CoNLL files got "not a recognised utterances file" / "plain text, not JSON lines" (a
    formats review): they are named, with the command that converts them."""
    with pytest.raises(UploadRejectedError) as refused:
        import_dataset(write(tmp_path / name, content), kind, dest, UploadLimits())
    message = " ".join(str(refused.value).split())
    assert said in message and ("rasa data convert nlu" in message or "spacy convert" in message)


def test_rejections_are_listed_by_file_then_line_whatever_the_file_names() -> None:
    """Grouped by the reason's first word, 'intents/Book car...' and 'intents/Book flight...' interleaved (a code
    review)."""
    from tunefork.datasets.importer import in_line_order
    from tunefork.datasets.results import ItemIssue

    said = ["intents/Book flight_usersays_en.json phrase 5: x", "intents/Book car_usersays_en.json phrase 3: x",
            "intents/Book flight_usersays_en.json phrase 1: x", "my a.csv line 4: x", "my a.csv line 2: x",
            "train.csv line 2: x", "train.csv: refused"]  # fmt: skip
    issues = [ItemIssue("i", r, int(r.split(":")[0].rsplit(" ", 1)[1]) if r.split(":")[0][-1].isdigit() else None)
              for r in said]  # fmt: skip
    assert [issue.reason for issue in in_line_order(issues)] == [
        "intents/Book flight_usersays_en.json phrase 1: x", "intents/Book flight_usersays_en.json phrase 5: x",
        "intents/Book car_usersays_en.json phrase 3: x", "my a.csv line 2: x", "my a.csv line 4: x",
        "train.csv: refused", "train.csv line 2: x"]  # fmt: skip
