"""``images`` datasets: the three layouts, per-item reasons for odd images, archive safety and the report."""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from image_samples import concept_folders, shape_image
from PIL import Image

from tunefork.config import UploadLimits
from tunefork.datasets.image_formats import list_images
from tunefork.datasets.importer import MANIFEST, import_dataset
from tunefork.datasets.inspection import inspect_dataset
from tunefork.errors import UploadRejectedError
from tunefork.store.artifacts import read_jsonl


def _import(source: Path, tmp_path: Path):
    destination = tmp_path / "out"
    result = import_dataset(source, "images", destination, UploadLimits())
    return result, read_jsonl(destination / MANIFEST), destination


def _reasons(result) -> dict[str, str]:
    return {issue.item: issue.reason for issue in result.rejections}


def test_concept_folders_in_a_zip_become_labelled_records(tmp_path: Path) -> None:
    folder = concept_folders(tmp_path / "shapes", 3)
    (folder / "none-of-these").mkdir()
    Image.new("RGB", (40, 40), (9, 9, 9)).save(folder / "none-of-these" / "dark.jpg")
    archive = tmp_path / "shapes.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*.*")):
            zipped.write(path, f"shapes/{path.relative_to(folder).as_posix()}")
    result, records, destination = _import(archive, tmp_path)
    assert result.accepted == 10 and result.source_format == "concept folders (zip)" and not result.rejections
    by_id = {r["id"]: r for r in records}
    assert by_id["circle-0"]["labels"] == ["circle"] and (destination / by_id["circle-0"]["file"]).is_file()
    assert by_id["none-of-these-dark"]["negative"] and by_id["none-of-these-dark"]["labels"] == []
    assert (by_id["square-2"]["width"], by_id["square-2"]["format"], len(by_id["square-2"]["phash"])) == (64, "PNG", 16)


def _odd_images(folder: Path) -> None:
    """One concept folder of images that are rejected or converted, each for its own reason."""
    odd = folder / "odd"
    odd.mkdir(parents=True)
    (odd / "corrupt.jpg").write_bytes(b"this is not a picture at all" * 4)
    png = io.BytesIO()
    shape_image("circle", 1).save(png, "PNG")
    (odd / "truncated.png").write_bytes(png.getvalue()[: len(png.getvalue()) // 2])
    Image.new("RGB", (20, 64)).save(odd / "tiny.png")
    Image.new("1", (10_000, 5_000)).save(odd / "bomb.png")  # 50 megapixels in a few kilobytes
    chunks = [b"IHDR" + struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0), b"IDAT" + zlib.compress(b""), b"IEND"]
    (odd / "huge.png").write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + b"".join(struct.pack(">I", len(c) - 4) + c + struct.pack(">I", zlib.crc32(c)) for c in chunks)
    )  # 900 megapixels
    Image.new("RGB", (64, 64)).save(odd / "netpbm.png", "PPM")
    Image.new("CMYK", (48, 48), (0, 255, 255, 0)).save(odd / "cmyk.jpg")
    Image.fromarray(np.full((40, 40), 40000, dtype=np.uint16)).save(odd / "deep.png")
    frames = [shape_image("square", n) for n in range(3)]
    frames[0].save(odd / "moving.gif", save_all=True, append_images=frames[1:], duration=100)
    upright = Image.new("RGB", (80, 40), (200, 10, 10))
    exif = upright.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    upright.save(odd / "rotated.jpg", exif=exif)
    (folder / "loose.png").write_bytes((odd / "tiny.png").read_bytes())


def test_odd_images_are_rejected_or_converted_with_their_reasons(tmp_path: Path) -> None:
    _odd_images(tmp_path / "upload")
    result, records, _ = _import(tmp_path / "upload", tmp_path)
    reasons = _reasons(result)
    assert reasons["odd/corrupt.jpg"].startswith("odd/corrupt.jpg: not an image Pillow can read")
    assert "truncated image" in reasons["odd/truncated.png"] or "corrupt image" in reasons["odd/truncated.png"]
    assert reasons["odd/tiny.png"] == "odd/tiny.png: 20x64 pixels: under 32 pixels on a side"
    assert reasons["odd/bomb.png"] == "odd/bomb.png: 10000x5000 pixels, over the 40,000,000 pixel limit"
    assert reasons["odd/huge.png"] == "odd/huge.png: over the 40,000,000 pixel limit"  # was Pillow's 178,956,970
    assert "unsupported image format PPM" in reasons["odd/netpbm.png"]
    assert "not in a concept folder" in reasons["loose.png"]
    notes = {issue.item: issue.reason for issue in result.warnings}
    assert notes["odd/cmyk.jpg"] == "odd/cmyk.jpg: converted CMYK to RGB"
    assert "converted 16-bit" in notes["odd/deep.png"]
    assert notes["odd/moving.gif"] == "odd/moving.gif: animated (3 frames): the first frame is used"
    assert notes["odd/rotated.jpg"] == "odd/rotated.jpg: EXIF orientation 6 applied"
    rotated = next(r for r in records if r["source"] == "odd/rotated.jpg")
    assert (rotated["width"], rotated["height"]) == (40, 80)
    assert result.conversions == {"EXIF": 1, "animated": 1, "converted": 2}


def test_a_csv_manifest_gives_several_labels_and_stays_inside_the_upload(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    (folder / "pics").mkdir(parents=True)
    for n in range(3):
        shape_image("triangle", n).save(folder / "pics" / f"{n}.png")
    (folder / "labels.csv").write_text(
        "path,labels\npics/0.png,triangle;green\n/home/me/pics/1.png,triangle\nC:\\Users\\me\\2.png,\n"
        "../secret.png,x\npics/9.png,x\n/etc/passwd.png,x\n",
        encoding="utf-8",
    )  # absolute paths of the machine the manifest was made on find the upload's image of that name (a review)
    result, records, _ = _import(folder, tmp_path)
    assert [(r["labels"], r["negative"]) for r in records] == [(["green", "triangle"], False), (["triangle"], False),
                                                               ([], True)]  # fmt: skip
    assert result.source_format == "csv manifest"
    # an empty label was an unlabeled image, left out of training and scoring unsaid (an image review: 11 of 15 scored)
    assert [w.reason for w in result.warnings if "no label" in w.reason] == [
        "labels.csv: 1 row(s) give an image no label (line 4): read as 'none-of-these', negative examples that no "
        "concept applies to; write 'none-of-these' to say so, and leave out of the manifest an image not labelled yet"
    ]
    reasons = _reasons(result)
    assert reasons["../secret.png"] == "labels.csv line 5: ../secret.png is outside the upload"
    assert reasons["pics/9.png"] == "labels.csv line 6: no image pics/9.png in the upload"
    assert reasons["/etc/passwd.png"] == (
        "labels.csv line 7: /etc/passwd.png is outside the upload; no one image in it is passwd.png"
    )
    # the manifest alone names images that were not uploaded: refused with what to upload instead
    with pytest.raises(UploadRejectedError, match=r"labels\.csv: a manifest names images beside it; upload the folder"):
        _import(folder / "labels.csv", tmp_path / "alone")


def test_a_manifest_row_is_never_half_read_and_an_image_never_listed_twice(tmp_path: Path) -> None:
    """`a.png,cat,dog` (labels split by a comma) would keep `cat` alone; a path on two rows would import the image
    twice (a duplicate that can leak across cross-validation folds): both rows are rejected with the reason."""
    folder = tmp_path / "upload"
    folder.mkdir()
    for n in range(3):
        shape_image("circle", n).save(folder / f"{n}.png")
    rows = "path,label\n0.png,circle,red\n1.png,circle\n2.png,circle\n./1.png,red\n"
    (folder / "labels.csv").write_text(rows, encoding="utf-8")
    result, records, _ = _import(folder, tmp_path)
    assert [(r["source"], r["labels"]) for r in records] == [("1.png", ["circle"]), ("2.png", ["circle"])]
    reasons = _reasons(result)
    assert reasons["0.png"] == (
        "labels.csv line 2: expected 2 fields, got 3; separate several labels with ';' (cat;dog), and quote a "
        "path that holds a comma"
    )
    assert reasons["./1.png"] == (
        "labels.csv line 5: ./1.png is listed already (line 3); give an image once, with all its labels separated "
        "by ';'"
    )
    assert not [w for w in result.warnings if "0.png" in w.item]  # its row was rejected: not "ignored" on top
    (folder / "labels.csv").write_text("path,label\n1.png,circle\n2.PNG,circle\n", encoding="utf-8")
    result, _, _ = _import(folder, tmp_path / "case")
    assert _reasons(result)["2.PNG"] == (
        "labels.csv line 3: no image 2.PNG in the upload (there is 2.png: names are case-sensitive)"
    )  # a manifest made on macOS or Windows, whose file names ignore case (an image review)
    (folder / "labels.csv").write_text('path,label\n"0.png,circle\n1.png,circle\n', encoding="utf-8")
    with pytest.raises(UploadRejectedError) as refused:  # a quote left open: its reason, not a crash
        _import(folder, tmp_path / "open")
    assert refused.value.rejections[0].reason == (
        'labels.csv line 2: expected 2 fields, got 1; a quote (") opened on this line is not closed, so the 1 '
        'line(s) after it were read into this field: close it, or write a quote inside a text twice ("")'
    )


def test_a_jsonl_manifest_and_an_unlabeled_folder(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    folder.mkdir()
    for n in range(2):
        shape_image("circle", n).save(folder / f"{n}.png")
    shape_image("circle", 2).save(folder / "2.png")
    lines = [{"path": "0.png", "labels": ["circle", "red"]}, {"path": "1.png", "label": "none-of-these"},
             {"path": "2.png", "class": "circle"}]  # fmt: skip
    (folder / "m.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n{oops\n", encoding="utf-8")
    result, records, _ = _import(folder, tmp_path)
    assert [(r["labels"], r["negative"]) for r in records] == [(["circle", "red"], False), ([], True)]
    no_label, not_json = result.rejections  # a misspelt key is not read as "none of these" (a code review)
    assert no_label.reason == "m.jsonl line 3: needs 'label' or 'labels' ([] for a negative example; other keys: class)"
    assert "m.jsonl line 4: not JSON" in not_json.reason
    assert not [w for w in result.warnings if "2.png" in w.reason]  # its row was rejected: not "ignored" on top
    (folder / "2.png").unlink()
    (folder / "m.jsonl").unlink()
    result, records, _ = _import(folder, tmp_path / "again")
    assert result.source_format == "unlabeled" and all(r["labels"] == [] and not r["negative"] for r in records)


def test_unsafe_archives_and_empty_uploads_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../escape.png", b"x")
    with pytest.raises(UploadRejectedError, match=r"\.\."):
        _import(archive, tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(UploadRejectedError, match="no image found"):
        _import(tmp_path / "notes", tmp_path / "b")


def test_the_report_counts_concepts_and_finds_exact_and_near_duplicates(tmp_path: Path) -> None:
    folder = concept_folders(tmp_path / "shapes", 12, concepts=("circle",))
    concept_folders(folder, 2, seed=5, concepts=("square",))
    (folder / "circle" / "copy.png").write_bytes((folder / "circle" / "0.png").read_bytes())
    shape_image("circle", 3).resize((96, 96)).save(folder / "circle" / "bigger.png")
    _, _, destination = _import(folder, tmp_path)
    report = inspect_dataset(destination, "images")
    assert report["concepts"] == {"circle": 14, "square": 2}
    assert report["imbalance"]["ratio"] == 7.0
    assert report["few_examples"] == [{"label": "square", "count": 2}]
    assert report["exact_duplicates"] == [{"ids": ["circle-0", "circle-copy"]}]
    near = [pair["ids"] for pair in report["near_duplicates"]["pairs"]]
    assert ["circle-3", "circle-bigger"] in near or ["circle-bigger", "circle-3"] in near
    assert report["width"]["max"] == 96 and report["aspect"]["median"] == 1.0
    assert any("only 2 images" in w["reason"] for w in report["warnings"])
    assert not [w for w in report["warnings"] if "labelled differently" in w["reason"]]  # both copies are circles


def test_identical_images_labelled_differently_are_named(tmp_path: Path) -> None:
    folder = concept_folders(tmp_path / "shapes", 2, concepts=("circle", "square"))
    (folder / "square" / "odd.png").write_bytes((folder / "circle" / "0.png").read_bytes())
    _, _, destination = _import(folder, tmp_path)
    report = inspect_dataset(destination, "images")
    [conflict] = [w for w in report["warnings"] if "labelled differently" in w["reason"]]
    assert conflict == {
        "item": "duplicates",
        "reason": "identical images labelled differently: circle-0 (circle), square-odd (square); correct the wrong "
        "label",
    }


def test_concepts_that_differ_only_in_case_are_warned_about(tmp_path: Path) -> None:
    folder = concept_folders(tmp_path / "shapes", 2, concepts=("circle", "square"))
    (folder / "Circle").mkdir()
    shape_image("circle", 7).save(folder / "Circle" / "7.png")
    _, _, destination = _import(folder, tmp_path)
    report = inspect_dataset(destination, "images")
    assert {"item": "concepts", "reason": "concepts 'Circle' / 'circle' differ only in case: a model learns them "
            "apart; write them one way"} in report["warnings"]  # fmt: skip
    (folder / "leaf spot").mkdir()  # an image review: accents and separators were not warned about
    shape_image("square", 8).save(folder / "leaf spot" / "8.png")
    (folder / "leaf_spot").mkdir()
    shape_image("square", 9).save(folder / "leaf_spot" / "9.png")
    _, _, destination = _import(folder, tmp_path / "again")
    assert {"item": "concepts", "reason": "concepts 'leaf spot' / 'leaf_spot' differ only in case, accents or "
            "separators: a model learns them apart; write them one way"} in inspect_dataset(destination, "images")[
        "warnings"]  # fmt: skip


def test_an_empty_concept_folder_is_warned_about(tmp_path: Path) -> None:
    folder = concept_folders(tmp_path / "shapes", 2, concepts=("circle", "square"))
    (folder / "hexagon").mkdir()
    (folder / ".cache").mkdir()  # hidden: skipped like its files
    result, _, _ = _import(folder, tmp_path)
    assert [(w.item, w.reason) for w in result.warnings] == [
        ("hexagon/", "hexagon/: a concept folder with no image; concept hexagon is not learned")
    ]


def test_the_negative_folder_and_label_are_read_however_they_are_written(tmp_path: Path) -> None:
    """An image review named its folder "none of these", as the model's answers say it: it became a concept beside
    the negative class (scores wrong), and a manifest mixing both spellings crashed training."""
    folder = tmp_path / "f"
    for concept, n in (("circle", 0), ("None of these", 1), ("none_of_these", 2)):
        (folder / concept).mkdir(parents=True)
        shape_image("circle", n).save(folder / concept / f"{n}.png")
    _, records, _ = _import(folder, tmp_path / "a")
    assert sorted((r["labels"], r["negative"]) for r in records) == [([], True), ([], True), (["circle"], False)]
    manifest = tmp_path / "m"
    manifest.mkdir()
    for n in range(3):
        shape_image("circle", n).save(manifest / f"{n}.png")
    (manifest / "labels.csv").write_text("path,label\n0.png,none of these\n1.png,circle;none-of-these\n2.png,circle\n")
    result, records, _ = _import(manifest, tmp_path / "b")
    assert [(r["labels"], r["negative"]) for r in records] == [([], True), (["circle"], False)]
    assert "labelled 'none-of-these' and a concept" in result.rejections[0].reason


def test_a_logs_download_uploads_again_as_it_is(tmp_path: Path) -> None:
    """An image review's `endpoint logs download` folder was refused: "more than one manifest (labels.csv,
    logs.jsonl)", although the download is made to be corrected and uploaded again."""
    folder = tmp_path / "logs"
    (folder / "images").mkdir(parents=True)
    shape_image("circle", 0).save(folder / "images" / "a1.png")
    (folder / "labels.csv").write_text("path,label\nimages/a1.png,circle\n")
    (folder / "logs.jsonl").write_text(json.dumps({"id": "a1", "result": {"decision": ["circle"]}}) + "\n")
    result, records, _ = _import(folder, tmp_path / "d")
    assert [r["labels"] for r in records] == [["circle"]]
    assert any("ignored logs.jsonl" in warning.reason for warning in result.warnings)


def test_one_folder_of_images_is_its_concept_but_a_zips_own_folder_is_a_wrapper(tmp_path: Path) -> None:
    one = concept_folders(tmp_path / "upload", 2, concepts=("circle",))
    layout, listed, parsed = list_images(one, "upload")
    assert layout == "concept folders" and {tuple(labels) for _, _, labels, _, _ in listed} == {("circle",)}
    assert "read as the concept 'circle'" in parsed.warnings[0].reason
    (tmp_path / "upload" / "circle").rename(tmp_path / "upload" / "none-of-these")
    _, listed, parsed = list_images(one, "upload")
    assert all(negative for *_, negative, _ in listed)  # the warning said 'the concept none-of-these' (a review)
    assert "the upload's only folder, read as negative examples" in parsed.warnings[0].reason
    (tmp_path / "upload" / "none-of-these").rename(tmp_path / "upload" / "circle")
    layout, listed, parsed = list_images(one, "circle.zip", archived=True)  # the zip's contents: circle/ is a wrapper
    assert layout == "unlabeled" and all(not labels for _, _, labels, _, _ in listed)
    assert "the zip's one folder, read as its wrapper" in parsed.warnings[0].reason
    wrapped = tmp_path / "zip"
    shutil.copytree(one, wrapped / "upload")  # zip -r upload.zip upload: its wrapper, then the concept folder
    layout, listed, _ = list_images(wrapped, "upload.zip", archived=True)
    assert layout == "concept folders" and {tuple(labels) for _, _, labels, _, _ in listed} == {("circle",)}


def test_an_exported_datasets_split_folders_are_refused_with_what_to_upload(tmp_path: Path) -> None:
    """A Roboflow/Kaggle zip (train/circle, train/square, valid/circle) imported as the concepts 'train' and 'valid'
    without a word (a formats review)."""
    export = tmp_path / "dataset"
    concept_folders(export / "train", 2, concepts=("circle", "square"))
    concept_folders(export / "valid", 1, concepts=("circle",))
    with pytest.raises(UploadRejectedError, match=r"its folders train/, valid/ look like the splits of an exported "
                       r"dataset, each holding concept folders \(circle/, square/\)"):  # fmt: skip
        list_images(export, "dataset.zip")
    layout, listed, _ = list_images(export / "train", "train")  # one split: its concept folders
    assert layout == "concept folders" and {labels[0] for _, _, labels, _, _ in listed} == {"circle", "square"}
    vehicles = tmp_path / "vehicles"  # a concept that happens to be called 'train', its images in it: a concept
    for n, concept in enumerate(("train", "test")):
        (vehicles / concept).mkdir(parents=True)
        shape_image("circle", n).save(vehicles / concept / f"{n}.png")
    assert {labels[0] for _, _, labels, _, _ in list_images(vehicles, "vehicles")[1]} == {"train", "test"}


def test_a_labels_csv_takes_common_header_names_and_names_its_mistakes(tmp_path: Path) -> None:
    """'filename,class' and a ';'-separated labels CSV were both "needs a 'path,label' header"; a label 'square, red'
    became one concept (a formats review)."""
    folder = tmp_path / "m"
    folder.mkdir()
    for n in range(3):
        shape_image("circle", n).save(folder / f"{n}.png")
    (folder / "labels.csv").write_text('filename,class\n0.png,circle\n1.png,"square, red"\n2.png,square;red\n')
    _, listed, parsed = list_images(folder, "m")
    assert [labels for _, _, labels, _, _ in listed] == [["circle"], ["red", "square"]]
    assert [issue.reason for issue in parsed.rejections] == [
        "labels.csv line 3: label 'square, red' holds a comma; separate several labels with ';'"
    ]
    (folder / "labels.csv").write_text("path;label\n0.png;circle\n")
    with pytest.raises(UploadRejectedError, match=r"header; this file is separated by semicolons"):
        list_images(folder, "m")


def test_heic_photos_are_named_with_what_to_do(tmp_path: Path) -> None:
    """A folder of iPhone HEIC photos was 'no image found' (a formats review)."""
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "IMG_0001.HEIC").write_bytes(b"\0\0\0\x18ftypheic")
    with pytest.raises(UploadRejectedError, match=r"no image found .an iPhone HEIC/HEIF photo, .* convert it to JPEG"):
        list_images(folder, "phone")
    shape_image("circle", 0).save(folder / "a.png")
    _, _, parsed = list_images(folder, "phone")
    assert parsed.warnings[0].reason.startswith("ignored IMG_0001.HEIC: an iPhone HEIC/HEIF photo")


def test_a_test_set_holding_one_image_twice_is_warned_about() -> None:
    """The same PNG as red_circle/a, red_circle/b and blue_circle/c was scored silently (75%) (an evaluation
    review): labelled two ways, at most one label can be right; the same way, it counts twice."""
    from tunefork.vision.training import repeated_test_images

    records = [{"labels": ["red_circle"], "negative": False, "sha256": "x"},
               {"labels": ["red_circle"], "negative": False, "sha256": "x"},
               {"labels": ["blue_circle"], "negative": False, "sha256": "x"},
               {"labels": ["square"], "negative": False, "sha256": "y"}]  # fmt: skip
    assert repeated_test_images(records) == [
        "1 test image(s) carry different labels in different places (one as blue_circle and as red_circle): at most "
        "one of them can be right; correct the wrong label.",
        "2 test image(s) repeat another test image: each copy counts in the scores.",
    ]
    assert repeated_test_images(records[2:]) == []
