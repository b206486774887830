"""The ``images`` dataset kind: list the images of an upload with their concepts, validate and store each.

Three layouts are recognised (after skipping wrapper folders):

- **concept folders**: one subfolder per concept (``cat/1.jpg``, ``dog/a/2.png``: the first folder names
  the concept); a folder named :data:`NEGATIVE_FOLDER` holds negative examples (none of the concepts); an
  exported dataset's split folders (``train/cat/1.jpg``, ``valid/cat/2.jpg``) are refused, to upload apart;
- **a manifest**: one CSV (header ``path,label`` or ``path,labels``; ``filename,class`` and the other names of
  :data:`PATH_COLUMNS` and :data:`LABEL_COLUMNS` too) or JSONL file (``{"path", "label"}`` or
  ``{"path", "labels": [...]}``) naming images relative to the manifest's folder, several labels separated
  by ``;`` (multi-label data); an empty label makes the image unlabeled, :data:`NEGATIVE_LABEL` a negative;
- **unlabeled images**: images with no folder around them (to be classified and exported).

Every image is opened by :func:`tunefork.vision.images.open_image` and rejected with its reason (corrupt,
truncated, unsupported, too small, too large) or accepted with notes (EXIF orientation applied, CMYK or
16-bit converted, first frame of an animation). Accepted files are stored as uploaded under
``images/<id><ext>``; readers always open them through ``open_image`` again, so the notes hold there too.

Canonical records: ``{"id", "file", "labels", "negative", "sha256", "phash", "width", "height",
"format", "source"}`` (``phash``: the 64-bit perceptual hash, hex; ``width``/``height``: upright).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path, PurePosixPath

from tunefork.datasets.csv_rows import csv_rows, unclosed_quote
from tunefork.datasets.hashing import sha256_file
from tunefork.datasets.ids import IdAllocator
from tunefork.datasets.lines import read_text_lines
from tunefork.datasets.results import ItemIssue, ParsedItems
from tunefork.datasets.scanning import is_hidden, list_files, relative_name
from tunefork.errors import UploadRejectedError
from tunefork.progress import ProgressCallback
from tunefork.vision.images import EXTENSIONS, MAX_BYTES, ImageRejected, open_image, perceptual_hash

IMAGES_DIR = "images"
NEGATIVE_FOLDER = "none-of-these"
"""The concept folder of negative examples (images of none of the concepts)."""
NEGATIVE_LABEL = NEGATIVE_FOLDER
"""The manifest label of a negative example."""


def is_negative_name(name: str) -> bool:
    """True for the negative folder or label however it is written: ``none-of-these``, ``None of these`` (as the
    model's answers name it), ``none_of_these``. Another spelling would become a concept of that name, learned
    beside the negative class the model answers with (an image review's test scored its own negatives wrong)."""
    return " ".join(name.lower().replace("-", " ").replace("_", " ").split()) == "none of these"


MANIFEST_SUFFIXES = (".csv", ".jsonl")
ANSWER_LOGS = ("logs.jsonl", "predictions.jsonl")
"""What `endpoint logs download` and `predict` write beside the manifest to correct: the answers as given."""
FORMATS = (
    "a zip or folder with one subfolder of images per concept (a 'none-of-these' folder for negative examples)",
    "a CSV ('path,label' header; several labels separated by ';') or JSONL ({'path', 'label' or 'labels'}) "
    "manifest naming images relative to it, alone with its images in a zip or folder",
    "a folder or zip of unlabeled images (JPEG, PNG, GIF, BMP, WebP, TIFF)",
)
"""The accepted upload formats (for error messages and the studio's upload form)."""

Listed = tuple[Path, str, list[str], bool, int | None]
"""An image to import: ``(file, name shown in messages, labels, negative, manifest line)``."""


UNREAD_IMAGES = {suffix: "an iPhone HEIC/HEIF photo, which tunefork does not read: convert it to JPEG"
                 for suffix in (".heic", ".heif")} | {".svg": "a vector drawing (SVG): export it as PNG",
                 ".avif": "an AVIF image, which tunefork does not read: convert it to JPEG or PNG"}  # fmt: skip
"""Image files of formats tunefork does not read, with what to do."""
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
"""An absolute Windows path (``C:\\photos\\a.jpg``)."""
PATH_COLUMNS = ("path", "file", "filename", "image_path", "filepath")
"""Header names of a CSV manifest's image column, the first present read."""
LABEL_COLUMNS = ("labels", "label", "class", "category")
"""Header names of a CSV manifest's label column, the first present read."""


def _split_labels(value: object) -> list[str]:
    parts = [str(v) for v in value] if isinstance(value, list) else str(value or "").split(";")
    return sorted({part.strip() for part in parts if part.strip()})


def _manifest_rows(path: Path, name: str, issues: list[ItemIssue]) -> list[tuple[int, str, object]]:
    """``(line, image path, label value)`` of each row of a CSV or JSONL manifest (bad rows into ``issues``)."""
    text = read_text_lines(path, name)
    issues.extend(text.rejections)
    rows: list[tuple[int, str, object]] = []
    if path.suffix.lower() == ".jsonl":
        for number, line in text.lines:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                issues.append(ItemIssue(name, f"{name} line {number}: not JSON ({exc})", number))
                continue
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                issues.append(ItemIssue(name, f"{name} line {number}: needs a 'path' string", number))
                continue
            if "labels" not in item and "label" not in item:  # a misspelt key is no "none of these" (a review)
                keys = ", ".join(sorted(key for key in item if key != "path")) or "none"
                reason = (
                    f"{name} line {number}: needs 'label' or 'labels' ([] for a negative example; other keys: {keys})"
                )
                issues.append(ItemIssue(item["path"], reason, number))
                continue
            rows.append((number, item["path"], item.get("labels", item.get("label"))))
        return rows
    numbered = [(number, line) for number, line in text.lines if line.strip()]
    if not numbered:
        return rows
    rows_read = csv_rows(numbered)
    _, first = next(rows_read)
    header = [cell.strip().lower() for cell in first] if isinstance(first, list) else []
    path_at = next((header.index(alias) for alias in PATH_COLUMNS if alias in header), None)
    label_at = next((header.index(alias) for alias in LABEL_COLUMNS if alias in header), None)
    if path_at is None or label_at is None:
        line = ",".join(first) if isinstance(first, list) else ""
        other = next((words for mark, words in (("\t", "tabs"), (";", "semicolons (';')")) if mark in line), None)
        hint = f"; this file is separated by {other}: save it as comma-separated CSV" if other else ""
        raise UploadRejectedError(f"{name}: a CSV manifest needs a 'path,label' (or 'path,labels') header{hint}.")
    for number, cells in rows_read:
        if isinstance(cells, str):  # a row the CSV reader refuses
            issues.append(ItemIssue(name, f"{name} line {number}: {cells}", number))
            continue
        if len(cells) != len(header) and (open_quote := unclosed_quote(cells)):
            reason = f"{name} line {number}: expected {len(header)} fields, got {len(cells)}{open_quote}"
            issues.append(ItemIssue(name, reason, number))
            continue
        if len(cells) <= path_at or not cells[path_at].strip():
            issues.append(ItemIssue(name, f"{name} line {number}: no path", number))
            continue
        if len(cells) > len(header):  # `a.png,cat,dog`: taking `cat` alone would drop a label unsaid
            reason = (
                f"{name} line {number}: expected {len(header)} fields, got {len(cells)}; separate several labels "
                "with ';' (cat;dog), and quote a path that holds a comma"
            )
            issues.append(ItemIssue(cells[path_at].strip(), reason, number))
            continue
        label = cells[label_at] if label_at < len(cells) else ""
        if "," in label and ";" not in label:  # "square, red" was one concept
            reason = f"{name} line {number}: label '{label.strip()}' holds a comma; separate several labels with ';'"
            issues.append(ItemIssue(cells[path_at].strip(), reason, number))
            continue
        rows.append((number, cells[path_at].strip(), label))
    return rows


def _from_manifest(
    manifest: Path, root: Path, images: list[Path], issues: list[ItemIssue], warnings: list[ItemIssue]
) -> list[Listed]:
    name = relative_name(manifest, root)
    no_label: list[int] = []  # rows naming an image with no label: negatives, said once
    base = manifest.parent.resolve()
    listed: list[Listed] = []
    first_line: dict[Path, int] = {}  # each image's first row: a second row would import it twice
    by_name: dict[str, list[Path]] = {}
    by_folded: dict[str, Path] = {}  # every image by its path in any case, for rows written on macOS or Windows
    for image in images:
        by_name.setdefault(image.name, []).append(image.resolve())
        by_folded.setdefault(str(image.resolve()).casefold(), image)
    for number, raw, value in _manifest_rows(manifest, name, issues):
        relative = PurePosixPath(raw.replace("\\", "/"))
        target = (base / relative).resolve()
        if relative.is_absolute() or WINDOWS_DRIVE.match(raw):  # made on another machine: its image by file name
            found = by_name.get(relative.name, [])
            if len(found) != 1:
                reason = f"{name} line {number}: {raw} is outside the upload; no one image in it is {relative.name}"
                issues.append(ItemIssue(raw, reason, number))
                continue
            target = found[0]
        elif ".." in relative.parts or not target.is_relative_to(root.resolve()):
            issues.append(ItemIssue(raw, f"{name} line {number}: {raw} is outside the upload", number))
            continue
        if not target.is_file():
            folded = by_folded.get(str(target).casefold())
            hint = f" (there is {relative_name(folded, root)}: names are case-sensitive)" if folded else ""
            issues.append(ItemIssue(raw, f"{name} line {number}: no image {raw} in the upload{hint}", number))
            continue
        if target in first_line:
            reason = (
                f"{name} line {number}: {raw} is listed already (line {first_line[target]}); give an image "
                "once, with all its labels separated by ';'"
            )
            issues.append(ItemIssue(raw, reason, number))
            continue
        first_line[target] = number
        labels = _split_labels(value)
        no_label += [] if labels else [number]
        negative = not labels or any(is_negative_name(label) for label in labels)
        if negative and len(labels) > 1:
            reason = f"{name} line {number}: {raw} is labelled '{NEGATIVE_LABEL}' and a concept: it is one or the other"
            issues.append(ItemIssue(raw, reason, number))
            continue
        listed.append((target, raw, [] if negative else labels, negative, number))
    if no_label:  # a multi-label row left empty means "none of them"; they were left out of training and scoring
        lines = ", ".join(map(str, no_label[:10])) + (", ..." if len(no_label) > 10 else "")
        said = (f"{name}: {len(no_label)} row(s) give an image no label (line {lines}): read as '{NEGATIVE_LABEL}', "
                f"negative examples that no concept applies to; write '{NEGATIVE_LABEL}' to say so, and leave out of "
                "the manifest an image not labelled yet")  # fmt: skip
        warnings.append(ItemIssue(name, said, no_label[0]))
    return listed


def _from_folders(files: list[Path], root: Path, issues: list[ItemIssue]) -> list[Listed]:
    names = [relative_name(path, root) for path in files]
    concept_folders = any("/" in name for name in names)
    listed: list[Listed] = []
    for path, name in zip(files, names, strict=True):
        if not concept_folders:
            listed.append((path, name, [], False, None))
        elif "/" not in name:
            issues.append(ItemIssue(name, f"{name}: not in a concept folder (put it in one, or upload it apart)"))
        else:
            concept = name.split("/", 1)[0].strip()
            negative = is_negative_name(concept)
            listed.append((path, name, [] if negative else [concept], negative, None))
    return listed


def _empty_concept_folders(root: Path, images: list[Path]) -> list[ItemIssue]:
    """A warning for each concept folder of ``root`` that holds no image: its concept is not learned."""
    used = {path.relative_to(root).parts[0] for path in images if len(path.relative_to(root).parts) > 1}
    folders = [folder for folder in root.iterdir() if folder.is_dir() and not is_hidden(folder.name)]
    empty = sorted(folder.name for folder in folders if folder.name not in used)
    return [ItemIssue(f"{name}/", f"{name}/: a concept folder with no image; concept {name} is not learned")
            for name in empty]  # fmt: skip


def _holds_images(folder: Path) -> bool:
    return any(path.is_file() and path.suffix.lower() in EXTENSIONS for path in folder.iterdir())


def _images_root(root: Path, archived: bool) -> tuple[Path, str | None]:
    """``root`` past its wrapper folders, and the folder a zip's wrapper turned out to be when it held images.

    A zip's one top folder is its wrapper (``zip -r photos.zip photos``). Past it, or in an uploaded folder, a
    single folder that holds images itself is the upload's one concept folder (a dataset of one more concept, or
    of negative examples), not a wrapper: its images were imported unlabeled without a word.
    """
    top, wrapper_of_images = root, None
    while root.is_dir():
        entries = [path for path in root.iterdir() if not is_hidden(path.name)]
        if len(entries) != 1 or not entries[0].is_dir():
            break
        if _holds_images(entries[0]):
            if not archived or root != top:
                break
            wrapper_of_images = entries[0].name
        root = entries[0]
    return root, wrapper_of_images


def _single_folder_notes(root: Path, layout: str, wrapper_of_images: str | None) -> list[ItemIssue]:
    """How an upload of one folder of images was read: as its concept, or (a zip's wrapper) unlabeled."""
    folders = [path.name for path in root.iterdir() if path.is_dir() and not is_hidden(path.name)]
    if layout == "concept folders" and len(folders) == 1 and is_negative_name(folders[0]):
        name = folders[0]
        return [ItemIssue(f"{name}/", f"{name}/: the upload's only folder, read as negative examples (no concept "
                                      "applies to them; datasets add up at training)")]  # fmt: skip
    if layout == "concept folders" and len(folders) == 1:
        name = folders[0]
        return [ItemIssue(f"{name}/", f"{name}/: the upload's only folder, read as the concept '{name}' (images with "
                                      "no folder around them import unlabeled)")]  # fmt: skip
    if layout == "unlabeled" and wrapper_of_images:
        name = wrapper_of_images
        return [ItemIssue(f"{name}/", f"{name}/: the zip's one folder, read as its wrapper: the images are "
                                      f"unlabeled (to learn them as the concept '{name}', zip a folder that holds "
                                      "it)")]  # fmt: skip
    return []


SPLIT_FOLDERS = frozenset({"train", "training", "valid", "validation", "val", "test", "testing", "dev", "eval"})
"""Folder names of a dataset exported in splits (Roboflow, Kaggle: ``train/circle/1.jpg``, ``valid/circle/2.jpg``)."""


def _check_split_folders(root: Path, images: list[Path], upload_name: str) -> None:
    """Refuse an upload whose concept folders are all split folders holding concept folders of their own: read as
    it was, its concepts were ``train`` and ``valid`` (and validation images were trained on)."""
    parts = [path.relative_to(root).parts for path in images]
    tops = sorted({part[0] for part in parts if len(part) > 1})
    if not tops or not all(top.lower() in SPLIT_FOLDERS for top in tops):
        return
    inner = sorted({part[1] for part in parts if len(part) > 2})
    if not inner:
        return
    splits = ", ".join(f"{top}/" for top in tops)
    concepts = ", ".join(f"{name}/" for name in inner[:5]) + (" ..." if len(inner) > 5 else "")
    raise UploadRejectedError(
        f"{upload_name}: its folders {splits} look like the splits of an exported dataset, each holding concept "
        f"folders ({concepts}); read as they are, the concepts would be {', '.join(tops)}. Upload each split on "
        "its own (the training split as a dataset to train on, the validation or test split as a test dataset)."
    )


def list_images(root: Path, upload_name: str, archived: bool = False) -> tuple[str, list[Listed], ParsedItems]:
    """The layout's name, the images to import and the issues met while listing ``root`` (a zip's contents when
    ``archived``: its one top folder is a wrapper, see :func:`_images_root`)."""
    if root.is_file() and root.suffix.lower() in MANIFEST_SUFFIXES:  # the images it names were not uploaded
        raise UploadRejectedError(
            f"{upload_name}: a manifest names images beside it; upload the folder that holds {upload_name} and "
            "its images, or a zip of that folder."
        )
    root, wrapper_of_images = _images_root(root, archived)
    files = list_files(root)
    parsed = ParsedItems()
    manifests = [path for path in files if path.suffix.lower() in MANIFEST_SUFFIXES]
    if len(manifests) > 1:  # a logs download or predictions: labels to correct, and the answers (ignored, said below)
        manifests = [path for path in manifests if path.name not in ANSWER_LOGS] or manifests
    if len(manifests) > 1:
        shown = ", ".join(relative_name(path, root) for path in manifests)
        raise UploadRejectedError(f"{upload_name}: more than one manifest ({shown}); upload one at a time.")
    images = [path for path in files if path.suffix.lower() in EXTENSIONS]
    if manifests:
        listed = _from_manifest(manifests[0], root, images, parsed.rejections, parsed.warnings)
        used = {path.resolve() for path, *_ in listed}
        layout = f"{manifests[0].suffix.lower().lstrip('.')} manifest"
        others = [path for path in files if path != manifests[0] and path.resolve() not in used]
    else:
        _check_split_folders(root, images, upload_name)
        listed = _from_folders(images, root, parsed.rejections)
        layout = "concept folders" if any(labels or negative for _, _, labels, negative, _ in listed) else "unlabeled"
        chosen = set(images)
        others = [path for path in files if path not in chosen]
        if layout == "concept folders":
            parsed.warnings += _empty_concept_folders(root, images)
        parsed.warnings += _single_folder_notes(root, layout, wrapper_of_images)
    named_from = manifests[0].parent if manifests else root  # what a rejected row's path is relative to
    rejected = {str((named_from / PurePosixPath(issue.item.replace("\\", "/"))).resolve()).casefold()
                for issue in parsed.rejections}  # fmt: skip
    for path in others:
        name = relative_name(path, root)
        if str(path.resolve()).casefold() in rejected:  # a manifest row naming it was rejected, with the reason:
            continue  # not "not an image the upload uses" on top (an image review)
        why = UNREAD_IMAGES.get(path.suffix.lower(), "not an image the upload uses")
        parsed.warnings.append(ItemIssue(name, f"ignored {name}: {why}"))
    if not listed and not parsed.rejections:
        unread = sorted({path.suffix.lower() for path in others if path.suffix.lower() in UNREAD_IMAGES})
        said = f" ({UNREAD_IMAGES[unread[0]]})" if unread else ""
        raise UploadRejectedError(f"{upload_name}: no image found{said}. Accepted: {'; '.join(FORMATS)}.")
    return layout, listed, parsed


def import_images(
    root: Path, upload_name: str, destination: Path, progress: ProgressCallback, archived: bool = False
) -> tuple[str, ParsedItems, dict[str, list[str]]]:
    """Validate and store the images of ``root`` (a zip's contents when ``archived``): the layout, records with
    issues, and notes per item id."""
    layout, listed, parsed = list_images(root, upload_name, archived)
    (destination / IMAGES_DIR).mkdir(parents=True, exist_ok=True)
    ids = IdAllocator()
    notes_by_id: dict[str, list[str]] = {}
    for done, (path, name, labels, negative, line) in enumerate(listed, start=1):
        progress(done, len(listed), "validating images")
        size = path.stat().st_size
        try:
            if size > MAX_BYTES:
                raise ImageRejected(f"{size:,} bytes, over the {MAX_BYTES:,}-byte limit for one image")
            opened = open_image(path)
        except ImageRejected as exc:
            parsed.rejections.append(ItemIssue(name, f"{name}: {exc}", line))
            continue
        item_id = ids.allocate(str(PurePosixPath(name).with_suffix("")).replace("/", "-"))
        stored = f"{IMAGES_DIR}/{item_id}{path.suffix.lower()}"
        shutil.copyfile(path, destination / stored)
        width, height = opened.image.size
        parsed.records.append({
            "id": item_id, "file": stored, "labels": labels, "negative": negative,
            "sha256": sha256_file(destination / stored), "phash": perceptual_hash(opened.image),
            "width": width, "height": height, "format": opened.format, "source": name,
        })  # fmt: skip
        if opened.notes:
            notes_by_id[item_id] = opened.notes
            parsed.warnings.extend(ItemIssue(name, f"{name}: {note}", line) for note in opened.notes)
    return layout, parsed, notes_by_id
