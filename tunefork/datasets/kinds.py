"""Dataset kinds and, for each, the upload formats tunefork accepts (which project kinds take which dataset
kinds is the project kind's business: :mod:`tunefork.kinds`)."""

from __future__ import annotations

from tunefork.datasets.image_formats import FORMATS as IMAGE_FORMATS
from tunefork.errors import UploadRejectedError

RELATED_TEXT = "language"
"""Related text of speech projects (Azure's name for it is "language" data)."""

AUDIO_KINDS = ("acoustic", "audio")
"""Kinds whose items are audio files (re-encoded to 16 kHz mono 16-bit WAV)."""

TEXT_KINDS = (RELATED_TEXT, "pronunciation", "structured-text")
"""Azure Custom Speech text kinds: lines of UTF-8 text (related text, pronunciations, structured text)."""

LABELLED_TEXT_KINDS = ("utterances", "patterns", "annotated-text")
"""Labelled text: example utterances (intents, slots, synonyms...), rule patterns, texts with entity spans."""

IMAGE_KINDS = ("images",)
"""Kinds whose items are image files, stored as uploaded after validation (:mod:`tunefork.datasets.image_formats`)."""

ALL_KINDS = AUDIO_KINDS + TEXT_KINDS + LABELLED_TEXT_KINDS + IMAGE_KINDS
"""Every dataset kind, audio first."""

FILE_FIELDS = ("audio", "file")
"""Record fields that name a file of the dataset folder (relative there, made absolute for readers)."""

ACCEPTED_FORMATS: dict[str, tuple[str, ...]] = {
    "acoustic": (
        "Azure Custom Speech zip or folder: audio files plus trans.txt with 'name.wav<TAB>transcript' lines",
        "NeMo manifest JSONL ({'audio_filepath', 'duration', 'text'} per line), alone or in a zip/folder",
        "Kaldi data directory (text: 'utt-id words...', wav.scp: 'utt-id path'), as a folder or zip",
    ),
    "audio": ("an audio file, or a folder or zip of audio files (wav, flac, ogg, opus, mp3, m4a, aac, webm...)",),
    RELATED_TEXT: ("plain UTF-8 text (BOM optional), one utterance per line; or a zip/folder of such files",),
    "pronunciation": ("UTF-8 text with 'DISPLAY<TAB>spoken form' lines; or a zip/folder of such files",),
    "structured-text": (
        "Azure structured text markdown: '@ list name =' with '- item' lines, '# Section' headings with "
        "'- sentence {@name}' templates, '@ speech:phoneticlexicon' with '- display/phones' lines",
    ),
    "utterances": (
        "Rasa NLU YAML ('nlu:' with '- intent:' blocks of '- example' lines, entities as [text](entity) or "
        "[text]{\"entity\": ..., \"value\": ...}, plus '- synonym:', '- regex:' and '- lookup:' blocks)",
        "Amazon Lex slot type JSON, V1 ('name', 'enumerationValues') or V2 ('slotTypeName', 'slotTypeValues')",
        "CSV with a 'text,intent' (or 'text,label') header",
    ),
    "annotated-text": (
        "JSON lines {'text': ..., 'spans': [{'start', 'end', 'label'}]} (or 'entities': [[start, end, label]])",
        "spaCy DocBin '.spacy' files (entities of each doc)",
    ),
    "patterns": (
        "JSON lines of spaCy EntityRuler patterns: {'label': ..., 'pattern': [{'LOWER': ...}, ...]} or "
        "{'label': ..., 'pattern': 'a phrase'}, with an optional 'id'",
    ),
    "images": IMAGE_FORMATS,
}


def check_kind(kind: str) -> None:
    """Raise :class:`UploadRejectedError` when ``kind`` is not one of :data:`ALL_KINDS`."""
    if kind not in ALL_KINDS:
        raise UploadRejectedError(f"Unknown dataset kind '{kind}': choose one of {', '.join(ALL_KINDS)}.")


def accepted_formats_text(kind: str) -> str:
    """The formats accepted for ``kind`` as one readable sentence for error messages."""
    return "; ".join(ACCEPTED_FORMATS[kind])
