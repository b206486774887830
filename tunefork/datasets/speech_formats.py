"""Recognise speech uploads by content and list their items (audio path + transcript) before decoding.

Formats, tried in this order on the upload (wrapper folders skipped, hidden files ignored):

- ``kaldi``: a folder (at any depth) holding ``text`` (``utt-id words...``) and ``wav.scp``
  (``utt-id path``). Paths are plain files, relative to the data folder or to the upload root (the
  recipe folder), or absolute; piped commands (``... |``) and ``segments`` files are not supported.
- ``azure``: audio files plus a ``.txt`` transcript file whose lines look like
  ``name.wav<TAB>transcript`` (``trans.txt`` is preferred when several match). Names are relative to
  the transcript file.
- ``nemo``: a JSONL manifest (any name) whose first line is a JSON object with ``audio_filepath``
  (relative to the manifest or absolute); ``text`` is the transcript and ``duration`` is recomputed
  from the audio. Segments (``offset``) are not supported. A manifest may be uploaded alone.
- ``audio-folder`` / ``audio-file`` (kind ``audio``): every audio file, recognised by extension or by
  container signature; other files are ignored with a warning.

A reference that does not resolve falls back to the upload's only audio file with the same name.
When ``confine`` is given (always for zips), referenced audio must lie inside it. Audio files of a
folder or zip that no listing line references are rejected as "audio file with no transcript".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tunefork.datasets.documents import DocumentError, load_json
from tunefork.datasets.kinds import accepted_formats_text
from tunefork.datasets.lines import head_lines, read_text_lines
from tunefork.datasets.results import ItemIssue
from tunefork.datasets.scanning import AUDIO_EXTENSIONS, descend_single_folder, is_audio_file, list_files, relative_name
from tunefork.errors import UploadRejectedError

_SNIFF_LINES = 5


@dataclass
class SpeechItem:
    """One candidate item: where its audio is, its transcript (None for kind ``audio``) and provenance."""

    label: str
    """What the user calls it in issues: the name in trans.txt or the manifest, the Kaldi utterance id."""
    name: str
    """Basis of the canonical item id: the audio file stem, or the Kaldi utterance id."""
    audio: Path
    source: str
    text: str | None = None
    line: int | None = None
    where: str = ""
    """The listing line it came from (``trans.txt line 3``), empty for plain audio files."""
    declared_seconds: float | None = None
    """The length its listing gives it (a NeMo manifest's ``duration``), checked against the audio's."""

    @property
    def described(self) -> str:
        """``label (where)`` for messages."""
        return f"{self.label} ({self.where})" if self.where else self.label


@dataclass
class SpeechListing:
    """Items found in an upload, with the items refused while reading its listing files."""

    format: str
    items: list[SpeechItem] = field(default_factory=list)
    rejections: list[ItemIssue] = field(default_factory=list)
    warnings: list[ItemIssue] = field(default_factory=list)


class _Resolver:
    """Turns audio references into paths: relative to a base folder, confined, bare names looked up."""

    def __init__(self, root: Path, confine: Path | None, scan: bool = True) -> None:
        self.root = root
        self.confine = confine.resolve() if confine is not None else None
        self.audio_files = [p for p in list_files(root) if is_audio_file(p)] if scan and root.is_dir() else []
        self.by_name: dict[str, list[Path]] = defaultdict(list)
        for path in self.audio_files:
            self.by_name[path.name].append(path)
        self.referenced: set[Path] = set()

    def _inside(self, path: Path) -> bool:
        return self.confine is None or path.resolve().is_relative_to(self.confine)

    def resolve(self, reference: str, *bases: Path) -> tuple[Path | None, str]:
        """``(path, "")`` for an existing (and, when confined, inside) file, else ``(None, why)``.

        Relative references are tried against each of ``bases`` in turn; failing that, a reference
        whose file name matches exactly one audio file of the upload resolves to it (manifests made
        on another machine often hold absolute paths).
        """
        ref = Path(reference)
        candidates = [ref] if ref.is_absolute() else [base / ref for base in bases]
        found = next((c for c in candidates if c.is_file() and self._inside(c)), None)
        if found is None:
            matches = self.by_name.get(PurePosixPath(reference.replace("\\", "/")).name, [])
            if len(matches) != 1:
                if not all(self._inside(c) for c in candidates):
                    return None, "it points outside the upload (only files inside the upload can be used)"
                return None, "the upload does not contain this audio file" + self._other_case(reference)
            found = matches[0]
        self.referenced.add(found.resolve())
        return found, ""

    def _other_case(self, reference: str) -> str:
        """A hint naming the upload's audio file whose name differs from ``reference``'s only in case, if any."""
        wanted = PurePosixPath(reference.replace("\\", "/")).name.casefold()
        alike = sorted({name for name in self.by_name if name.casefold() == wanted})
        return f" (it has '{alike[0]}': file names are case-sensitive)" if len(alike) == 1 else ""

    def orphans(self) -> list[Path]:
        """Audio files of the upload that no listing line referenced."""
        return [p for p in self.audio_files if p.resolve() not in self.referenced]


def _looks_like_trans(path: Path) -> bool:
    if path.suffix.lower() != ".txt":
        return False
    for line in head_lines(path, _SNIFF_LINES):
        name, tab, _ = line.partition("\t")
        if tab and PurePosixPath(name.strip()).suffix.lower() in AUDIO_EXTENSIONS:
            return True
    return False


def _looks_like_nemo(path: Path) -> bool:
    for line in head_lines(path, 1):
        try:
            record = load_json(line)
        except DocumentError:
            return False
        return isinstance(record, dict) and "audio_filepath" in record
    return False


def _pick_one(candidates: list[Path], root: Path, what: str, preferred: str | None = None) -> Path | None:
    if preferred is not None:
        named = [p for p in candidates if p.name.lower() == preferred]
        if len(named) == 1:
            return named[0]
    if len(candidates) > 1:
        names = ", ".join(relative_name(p, root) for p in candidates)
        raise UploadRejectedError(f"The upload holds several {what} ({names}); upload one dataset at a time.")
    return candidates[0] if candidates else None


def _reject_orphans(listing: SpeechListing, resolver: _Resolver, listing_name: str) -> None:
    for path in resolver.orphans():
        name = relative_name(path, resolver.root)
        reason = f"{name}: audio file with no transcript ({listing_name} has no line for it)"
        listing.rejections.append(ItemIssue(name, reason))


LOGS_FILE = "logs.jsonl"
"""What `endpoint logs download` writes beside its WAVs and trans.txt: ignored without a word on upload (a
corrected download was warned about the tool's own file)."""


def _warn_ignored(listing: SpeechListing, files: list[Path], used: set[Path], resolver: _Resolver) -> SpeechListing:
    """One warning naming the files that are neither audio nor a listing file (they are not imported)."""
    audio = set(resolver.audio_files)
    ignored = [relative_name(p, resolver.root) for p in files
               if p not in audio and p not in used and p.name != LOGS_FILE]  # fmt: skip
    if ignored:
        shown = ", ".join(ignored[:5]) + (f" and {len(ignored) - 5} more" if len(ignored) > 5 else "")
        reason = f"ignored {len(ignored)} file(s) that are neither audio nor a transcript list: {shown}"
        listing.warnings.append(ItemIssue(ignored[0] if len(ignored) == 1 else f"{len(ignored)} files", reason))
    return listing


def _parse_azure(trans: Path, root: Path, resolver: _Resolver) -> SpeechListing:
    listing = SpeechListing("azure")
    trans_name = relative_name(trans, root)
    decoded = read_text_lines(trans, trans_name)
    listing.rejections.extend(decoded.rejections)
    seen: dict[str, int] = {}
    for number, line in decoded.lines:
        if not line.strip():
            continue
        where = f"{trans_name} line {number}"
        name, tab, text = line.partition("\t")
        name, text = name.strip(), " ".join(text.split())
        if not tab:
            reason = f"{where}: no TAB between the audio file name and the transcript ('name.wav<TAB>text')"
            listing.rejections.append(ItemIssue(name.split()[0] if name.split() else trans_name, reason, number))
            continue
        if name in seen:
            reason = f"{where}: duplicate id, '{name}' is already listed on line {seen[name]}"
            listing.rejections.append(ItemIssue(name, reason, number))
            continue
        seen[name] = number
        audio, why = resolver.resolve(name, trans.parent)
        if audio is None:
            listing.rejections.append(ItemIssue(name, f"missing audio: {where} names '{name}' but {why}", number))
        elif not text:
            listing.rejections.append(ItemIssue(name, f"empty transcript for '{name}' in {where}", number))
        else:
            listing.items.append(
                SpeechItem(
                    label=name,
                    name=PurePosixPath(name).stem,
                    audio=audio,
                    source=name,
                    text=text,
                    line=number,
                    where=where,
                )
            )
    _reject_orphans(listing, resolver, trans_name)
    return listing


def _nemo_record(line: str, where: str) -> tuple[dict | None, str]:
    """The manifest line's record and why it is refused ("" when it is not); ``None`` without an audio path."""
    try:
        record = load_json(line)
    except DocumentError as exc:
        return None, f"{where}: {exc}"
    if not isinstance(record, dict):
        return None, f"{where}: expected a JSON object"
    if not isinstance(record.get("audio_filepath"), str) or not record["audio_filepath"].strip():
        return None, f"{where}: no 'audio_filepath'"
    try:
        offset = float(record.get("offset") or 0)
    except (TypeError, ValueError):
        offset = -1.0
    if offset != 0:
        return record, f"{where}: segments ('offset') are not supported; cut the audio into one file per item"
    return record, ""


def _declared_seconds(record: dict) -> float | None:
    """A manifest line's ``duration`` when it is a positive number."""
    value = record.get("duration")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None


def _parse_nemo(manifest: Path, root: Path, resolver: _Resolver, check_orphans: bool) -> SpeechListing:
    listing = SpeechListing("nemo")
    manifest_name = relative_name(manifest, root)
    decoded = read_text_lines(manifest, manifest_name)
    listing.rejections.extend(decoded.rejections)
    seen: dict[str, int] = {}
    for number, line in decoded.lines:
        if not line.strip():
            continue
        where = f"{manifest_name} line {number}"
        record, why = _nemo_record(line, where)
        if why:
            listing.rejections.append(ItemIssue(manifest_name, why, number))
            if record is not None:  # its audio is named: not also "an audio file with no transcript"
                resolver.resolve(record["audio_filepath"].strip(), manifest.parent)
            continue
        reference = record["audio_filepath"].strip()
        if reference in seen:
            reason = f"{where}: duplicate id, '{reference}' is already listed on line {seen[reference]}"
            listing.rejections.append(ItemIssue(reference, reason, number))
            continue
        seen[reference] = number
        text = record.get("text")
        audio, why = resolver.resolve(reference, manifest.parent)
        if "text" not in record:
            listing.rejections.append(ItemIssue(reference, f"{where}: no 'text' field (the transcript)", number))
        elif not isinstance(text, str | None):
            listing.rejections.append(ItemIssue(reference, f"{where}: 'text' must be a string", number))
        elif audio is None:
            listing.rejections.append(
                ItemIssue(reference, f"missing audio: {where} names '{reference}' but {why}", number)
            )
        elif not text or not text.strip():
            listing.rejections.append(ItemIssue(reference, f"empty transcript for '{reference}' in {where}", number))
        else:
            name = PurePosixPath(reference.replace("\\", "/"))
            item = SpeechItem(
                label=reference,
                name=name.stem,
                audio=audio,
                source=name.name,
                text=" ".join(text.split()),
                line=number,
                where=where,
                declared_seconds=_declared_seconds(record),
            )
            listing.items.append(item)
    if check_orphans:
        _reject_orphans(listing, resolver, manifest_name)
    return listing


def _kaldi_table(path: Path, root: Path, listing: SpeechListing) -> dict[str, tuple[int, str]]:
    """``utt-id -> (line, rest of line)`` of a Kaldi table file; duplicates become rejections."""
    name = relative_name(path, root)
    decoded = read_text_lines(path, name)
    listing.rejections.extend(decoded.rejections)
    table: dict[str, tuple[int, str]] = {}
    for number, line in decoded.lines:
        parts = line.strip().split(maxsplit=1)
        if not parts:
            continue
        utt, rest = parts[0], (parts[1] if len(parts) > 1 else "")
        if utt in table:
            reason = f"{name} line {number}: duplicate id, '{utt}' is already on line {table[utt][0]}"
            listing.rejections.append(ItemIssue(utt, reason, number))
            continue
        table[utt] = (number, rest.strip())
    return table


def _mark_piped_inputs(resolver: _Resolver, command: str, folder: Path, root: Path) -> None:
    """Count the audio files a piped ``wav.scp`` command reads as referenced: the line is rejected already, so
    its file is not reported a second time as audio without a transcript."""
    for word in command.split():
        if PurePosixPath(word.replace("\\", "/")).suffix.lower() in AUDIO_EXTENSIONS:
            resolver.resolve(word, folder, root)


def _parse_kaldi(folder: Path, root: Path, resolver: _Resolver) -> SpeechListing:
    if (folder / "segments").is_file():
        raise UploadRejectedError(
            f"{relative_name(folder / 'segments', root)}: Kaldi 'segments' files are not supported; "
            "upload one audio file per utterance."
        )
    listing = SpeechListing("kaldi")
    texts = _kaldi_table(folder / "text", root, listing)
    wavs = _kaldi_table(folder / "wav.scp", root, listing)
    text_name, scp_name = relative_name(folder / "text", root), relative_name(folder / "wav.scp", root)
    for utt, (number, text) in texts.items():
        if utt not in wavs:
            reason = f"missing audio: {text_name} line {number} has '{utt}' but {scp_name} has no entry for it"
            listing.rejections.append(ItemIssue(utt, reason, number))
            continue
        scp_line, path_text = wavs[utt]
        where = f"{scp_name} line {scp_line}"
        if path_text.endswith("|"):
            reason = f"{where}: '{utt}' uses a piped command, not supported; give a plain audio file path"
            listing.rejections.append(ItemIssue(utt, reason, scp_line))
            _mark_piped_inputs(resolver, path_text, folder, root)
            continue
        audio, why = resolver.resolve(path_text, folder, root) if path_text else (None, "no path is given")
        if audio is None:
            listing.rejections.append(
                ItemIssue(utt, f"missing audio: {where} gives '{path_text}' for '{utt}' but {why}", scp_line)
            )
        elif not text:
            listing.rejections.append(
                ItemIssue(utt, f"empty transcript for '{utt}' in {text_name} line {number}", number)
            )
        else:
            source = PurePosixPath(path_text.replace("\\", "/")).name
            listing.items.append(
                SpeechItem(
                    label=utt,
                    name=utt,
                    audio=audio,
                    source=source,
                    text=" ".join(text.split()),
                    line=number,
                    where=f"{text_name} line {number}",
                )
            )
    for utt, (scp_line, path_text) in wavs.items():
        if utt not in texts:
            if path_text.endswith("|"):
                _mark_piped_inputs(resolver, path_text, folder, root)
            elif path_text:
                resolver.resolve(path_text, folder, root)  # counts as referenced: reported here, not as an orphan
            reason = (
                f"audio with no transcript: {scp_name} line {scp_line} has '{utt}' but {text_name} has no line for it"
            )
            listing.rejections.append(ItemIssue(utt, reason, scp_line))
    _reject_orphans(listing, resolver, scp_name)
    return listing


def _list_audio(root: Path, upload_name: str) -> SpeechListing:
    listing = SpeechListing("audio-file" if root.is_file() else "audio-folder")
    for path in list_files(root):
        name = relative_name(path, root)
        if is_audio_file(path):
            listing.items.append(SpeechItem(label=name, name=path.stem, audio=path, source=name))
        elif _looks_like_trans(path):  # its transcripts are lost on an `audio` dataset: say which kind keeps them
            reason = f"ignored {name}: a transcript list, which an audio dataset does not keep (--kind acoustic does)"
            listing.warnings.append(ItemIssue(name, reason))
        else:
            listing.warnings.append(ItemIssue(name, f"ignored {name}: not an audio file"))
    if not listing.items:
        raise _unknown(upload_name, "audio", "no audio files found")
    return listing


def _unknown(upload_name: str, kind: str, detail: str) -> UploadRejectedError:
    return UploadRejectedError(
        f"{upload_name}: not a recognised {kind} dataset ({detail}). Accepted: {accepted_formats_text(kind)}."
    )


def list_speech_items(root: Path, kind: str, upload_name: str, confine: Path | None) -> SpeechListing:
    """Detect the format of the upload at ``root`` (a file or folder) and list its items.

    Raises :class:`UploadRejectedError` for unknown formats, ambiguous uploads and unsupported
    Kaldi ``segments``. Per-item problems are returned as rejections.
    """
    root = descend_single_folder(root)
    if kind == "audio":
        return _list_audio(root, upload_name)
    if root.is_file():
        if _looks_like_nemo(root):
            resolver = _Resolver(root.parent, confine, scan=False)  # a lone manifest: no folder of its own
            return _parse_nemo(root, root.parent, resolver, check_orphans=False)
        raise _unknown(upload_name, kind, "a single file that is neither a zip nor a NeMo manifest")
    resolver = _Resolver(root, confine)
    files = list_files(root)
    kaldi_dirs = sorted({p.parent for p in files if p.name == "wav.scp" and (p.parent / "text").is_file()})
    kaldi = _pick_one(kaldi_dirs, root, "Kaldi data folders")
    if kaldi is not None:
        used = {kaldi / name for name in ("text", "wav.scp")}
        return _warn_ignored(_parse_kaldi(kaldi, root, resolver), files, used, resolver)
    lists = [p for p in files if _looks_like_trans(p)]
    trans = _pick_one(lists, root, "transcript files", preferred="trans.txt")
    if trans is not None:
        listing = _warn_ignored(_parse_azure(trans, root, resolver), files, set(lists), resolver)
        if others := [relative_name(p, root) for p in lists if p != trans]:
            reason = (f"not read: {', '.join(others)}, another transcript list; only {relative_name(trans, root)} is "
                      "read (merge them into it, or upload the others' audio as datasets of their own)")  # fmt: skip
            listing.warnings.append(ItemIssue(others[0], reason))
        return listing
    manifest = _pick_one([p for p in files if _looks_like_nemo(p)], root, "NeMo manifests")
    if manifest is not None:
        return _warn_ignored(_parse_nemo(manifest, root, resolver, check_orphans=True), files, {manifest}, resolver)
    if resolver.audio_files:
        raise _unknown(upload_name, kind, "audio files but no transcripts; use kind 'audio' for untranscribed audio")
    raise _unknown(upload_name, kind, "no transcript file, NeMo manifest or Kaldi text/wav.scp found")
