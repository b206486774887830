"""`tunefork dataset inspect` prints a summary in words, the way the studio shows the report (issue 15, item 3);
`dataset upload --max-rejected` lets scripts fail on an upload that rejects too much (item 9)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import soundfile
from image_samples import concept_folders

from tunefork.cli.inspection import text_histogram
from tunefork.wording import item_name, joined, plural

TRANSCRIPTS = ["take the metoprolol", "hello world", "hello world", "two tablets daily"]


def _stereo_44k_zip(folder: Path) -> Path:
    """An Azure zip of stereo 44.1 kHz tones (every item is downmixed and resampled on import)."""
    archive = folder / "calls.zip"
    with zipfile.ZipFile(archive, "w") as out:
        lines = []
        for index, text in enumerate(TRANSCRIPTS):
            seconds = 1.0 + index
            tone = 0.2 * np.sin(2 * np.pi * 300 * np.arange(int(44100 * seconds)) / 44100)
            wav = folder / f"u{index}.wav"
            soundfile.write(wav, np.stack([tone, tone], axis=1), 44100)
            out.write(wav, wav.name)
            lines.append(f"{wav.name}\t{text}\n")
        out.writestr("trans.txt", "".join(lines))
    return archive


def test_speech_inspection_is_a_summary_not_python_dicts(cli, tmp_path: Path) -> None:
    cli("project", "create", "calls", "--kind", "speech")
    cli("dataset", "upload", "calls", str(_stereo_44k_zip(tmp_path)), "--kind", "acoustic", "--name", "calls")
    out = cli("dataset", "inspect", "calls").output
    assert "{'" not in out and "[{" not in out  # no raw Python data
    assert "Items: 4" in out and "Audio: 10 s in all, 1 to 4 s per item (median 2.5 s)" in out
    assert "█" in out  # the durations histogram
    assert out.count("resampled 44100 Hz") == 1 and "4 items" in out  # identical conversions grouped on one line
    assert 'Duplicated transcripts: 1: "hello world" (u1, u2)' in out
    assert "Out of vocabulary:" in out and "measured against the CMU pronouncing dictionary" in out


def _inspected(cli, path: Path, text: str, project_kind: str, dataset_kind: str) -> str:
    """Upload ``text`` written to ``path`` as dataset ``path.stem`` of a new project; its inspection summary."""
    path.write_text(text, encoding="utf-8")
    cli("project", "create", "p", "--kind", project_kind)
    cli("dataset", "upload", "p", str(path), "--kind", dataset_kind)
    return cli("dataset", "inspect", path.stem).output


def test_language_inspection_shows_label_bars_and_grouped_warnings(cli, tmp_path: Path) -> None:
    rows = "text,intent\nhello there,greet\nhi,greet\nbye now,leave\nwhat time is it,out_of_scope\n"
    out = _inspected(cli, tmp_path / "utt.csv", rows, "language", "utterances")
    assert "{'" not in out
    assert "Intents (2 and out-of-scope examples):" in out and "greet" in out and "out_of_scope" in out
    assert "Imbalance of intents: 2x" in out
    assert "Warnings (" in out and "fewer than 10 examples" in out


def test_text_items_are_named_by_their_line(cli, tmp_path: Path) -> None:
    lines = "take two tablets daily\nApoquel twice a day\ntake two tablets daily\n"
    out = _inspected(cli, tmp_path / "related.txt", lines, "speech", "language")
    assert 'Duplicated lines: 1: "take two tablets daily" (line 1, line 3)' in out
    report = json.loads(cli("dataset", "inspect", "related", "--json").stdout)
    assert report["report"]["duplicate_lines"][0]["ids"] == ["line-1", "line-3"]  # JSON keeps the ids


def test_item_ids_read_as_lines() -> None:
    assert [item_name(i) for i in ("line-42", "calls-line-7", "u1", "intents", "line-x")] == [
        "line 42", "line 7 of calls", "u1", "intents", "line-x",
    ]  # fmt: skip


def test_text_histogram_uses_the_studio_bins() -> None:
    rows = text_histogram([1.0, 1.5, 2.2, 9.0], lambda v: f"{v:g} s")
    assert sum(int(row.split()[-1]) for row in rows) == 4
    assert rows[0].strip().startswith("0 s to 1 s") or rows[0].strip().startswith("1 s to 2 s")


def test_counts_are_worded_in_the_singular_and_the_plural() -> None:
    assert (plural(1, "item"), plural(0, "item"), plural(2, "item")) == ("1 item", "0 items", "2 items")


def test_max_rejected_fails_an_upload_that_rejects_too_much(cli, tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("RX\tar ex\nno tab here\nalso broken\n", encoding="utf-8")
    cli("project", "create", "calls", "--kind", "speech")
    args = ["dataset", "upload", "calls", str(lexicon), "--kind", "pronunciation"]
    cli(*args, "--name", "lenient", "--max-rejected", "0.7")  # 2 of 3 rejected: 67%, allowed
    strict = cli(*args, "--name", "strict", "--max-rejected", "0.5", expect=1)
    assert "2 of 3 items rejected (67%), over --max-rejected 0.5" in strict.output
    assert "accepted: 1  rejected: 2" in strict.output  # the summary is still printed, and the dataset kept


def test_image_inspection_shows_concept_bars_and_size_lines(cli, tmp_path: Path) -> None:
    folders = concept_folders(tmp_path / "shapes", per_concept=3)
    (folders / "circle" / "copy.png").write_bytes((folders / "circle" / "0.png").read_bytes())
    (folders / "circle" / "notes.txt").write_text("taken on the 3rd", encoding="utf-8")
    cli("project", "create", "pics", "--kind", "image")
    cli("dataset", "upload", "pics", str(folders), "--kind", "images", "--name", "shapes")
    out = cli("dataset", "inspect", "shapes").output
    assert "{'" not in out and "Concepts (3):" in out and "Imbalance of concepts: 1.33x" in out
    assert "width: min 64, p5 64, median 64" in out
    assert "exact duplicates (1): circle-0 / circle-copy" in out  # not "(ids circle-0 circle-copy)"
    assert "\n  ignored circle/notes.txt: not an image the upload uses" in out  # the reason names its file once


def test_inspection_names_the_items_a_dataset_shares_with_the_others(cli, tmp_path: Path) -> None:
    """The mission's inspection covers test/train overlap: before this it was only said at training and evaluation."""
    cli("project", "create", "calls", "--kind", "speech")
    cli("dataset", "upload", "calls", str(_stereo_44k_zip(tmp_path)), "--kind", "acoustic", "--name", "calls")
    assert "Shared with another dataset" not in cli("dataset", "inspect", "calls").output
    (tmp_path / "related.txt").write_text("Take the Metoprolol!\nsomething else entirely\n", encoding="utf-8")
    cli("dataset", "upload", "calls", str(tmp_path / "related.txt"), "--kind", "language", "--name", "related")
    out = " ".join(cli("dataset", "inspect", "calls").output.split())
    assert (
        "Shared with another dataset: 1 of 4 items also occur in 'related': 1 by identical normalized text; e.g. u0 "
        "(line 1 of 'related'). Never test a model on one of these datasets after training it on the other"
    ) in out
    assert "1 of 2 items also occur in 'calls'" in " ".join(cli("dataset", "inspect", "related").output.split())
    pictures = concept_folders(tmp_path / "shapes", per_concept=3)
    cli("project", "create", "pics", "--kind", "image")
    cli("dataset", "upload", "pics", str(pictures), "--kind", "images", "--name", "train")
    shutil.copytree(pictures / "circle", tmp_path / "test" / "circle")
    cli("dataset", "upload", "pics", str(tmp_path / "test"), "--kind", "images", "--name", "test")
    shared = json.loads(cli("dataset", "inspect", "test", "--json").stdout)["report"]["shared_with_other_datasets"]
    assert shared[0].startswith(  # either side may be the test set: neither is called so (a code review)
        "3 of 3 items also occur in 'train': 3 by identical file; e.g. circle-0 (circle-0 of 'train')"
    )


def test_words_are_listed_as_a_sentence_lists_them() -> None:
    assert [joined(w) for w in ([], ["speech"], ["speech", "image"], ["speech", "language", "entities"])] == [
        "", "speech", "speech and image", "speech, language and entities",
    ]  # fmt: skip
    assert joined(["'nlu'", "'nlx'"], "or") == "'nlu' or 'nlx'"


def test_labels_that_differ_only_in_case_are_warned_about(cli, tmp_path: Path) -> None:
    rows = "text,intent\nhello there,greet\nhi,Greet\nbye now,leave\nsee you, leave \n"
    out = " ".join(_inspected(cli, tmp_path / "utt.csv", rows, "language", "utterances").split())
    assert "intents 'Greet' / 'greet' differ only in case: a model learns them apart; write them one way" in out


def test_the_out_of_vocabulary_list_says_how_many_it_leaves_out(cli, tmp_path: Path) -> None:
    words = [f"zqx{chr(97 + i)}{chr(97 + j)}" for i in range(5) for j in range(5)]  # 25 made-up words
    out = _inspected(cli, tmp_path / "related.txt", "".join(f"say {w} now\n" for w in words), "speech", "language")
    assert "25 distinct" in out and ", ... and 5 more" in " ".join(out.split())
