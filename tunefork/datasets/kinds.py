"""Dataset kinds of a speech project and, for each, the upload formats tunefork accepts."""

from __future__ import annotations

from tunefork.errors import UploadRejectedError

SPEECH_KINDS = ("acoustic", "audio", "language", "pronunciation", "structured-text")
"""Azure Custom Speech vocabulary: audio+transcripts, audio only, related text, pronunciation, structured text."""

AUDIO_KINDS = ("acoustic", "audio")
"""Kinds whose items are audio files (re-encoded to 16 kHz mono 16-bit WAV)."""

TEXT_KINDS = ("language", "pronunciation", "structured-text")
"""Kinds whose items are lines of UTF-8 text."""

ACCEPTED_FORMATS: dict[str, tuple[str, ...]] = {
    "acoustic": (
        "Azure Custom Speech zip or folder: audio files plus trans.txt with 'name.wav<TAB>transcript' lines",
        "NeMo manifest JSONL ({'audio_filepath', 'duration', 'text'} per line), alone or in a zip/folder",
        "Kaldi data directory (text: 'utt-id words...', wav.scp: 'utt-id path'), as a folder or zip",
    ),
    "audio": ("an audio file, or a folder or zip of audio files (wav, flac, ogg, opus, mp3, m4a, aac, webm...)",),
    "language": ("plain UTF-8 text (BOM optional), one utterance per line; or a zip/folder of such files",),
    "pronunciation": ("UTF-8 text with 'DISPLAY<TAB>spoken form' lines; or a zip/folder of such files",),
    "structured-text": (
        "Azure structured text markdown: '@ list name =' with '- item' lines, '# Section' headings with "
        "'- sentence {@name}' templates, '@ speech:phoneticlexicon' with '- display/phones' lines",
    ),
}


def check_kind(kind: str) -> None:
    """Raise :class:`UploadRejectedError` when ``kind`` is not one of :data:`SPEECH_KINDS`."""
    if kind not in SPEECH_KINDS:
        raise UploadRejectedError(f"Unknown dataset kind '{kind}': choose one of {', '.join(SPEECH_KINDS)}.")


def accepted_formats_text(kind: str) -> str:
    """The formats accepted for ``kind`` as one readable sentence for error messages."""
    return "; ".join(ACCEPTED_FORMATS[kind])
