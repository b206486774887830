"""The hostile-input corpus: every input that once crashed, hung or misled tunefork, and more of each family.

:func:`build_corpus` writes each case's upload into a folder and returns the :class:`Case` list. Families:
header lies (WAV/FLAC fields and lengths), decompression ratios (zips, DocBin), deep nesting (JSON, YAML),
YAML aliases, pathological regexes, encodings and line limits, archive names (traversal, clashes, length,
control characters), names with markup or control characters, and recognition bodies. Audio is
synthesized here with numpy (tones and noise), so building the corpus needs nothing but the test venv
and takes a few seconds.

A dataset case expects one of:

- ``refused``: the whole upload is refused with a message containing ``mention``;
- ``partial``: the upload is accepted, a rejection or warning mentions ``mention``, the ``keep`` items are in;
- ``accepted``: accepted with every ``keep`` item (``mention``, when set, in a warning).

``keep`` strings must appear in the accepted manifest records (item ids for audio, texts for text kinds).
PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

GOOD_SPEECH = ("good1", "good2")
GOOD_TEXTS = ("refill my prescription please", "call the pharmacy on main street")
GOOD_PHRASE = "refill my prescription please"
GOOD_SPAN_TEXT = "I bought a Pixel phone yesterday"


@dataclass
class Case:
    """One hostile input and what a correct answer to it looks like."""

    name: str
    family: str
    project_kind: str
    """``speech``, ``language`` or ``entities``: the project the upload goes to."""
    kind: str
    """The dataset kind uploaded (or ``recognize`` for audio sent to an endpoint / ``tunefork transcribe``)."""
    path: Path
    expect: str
    mention: str = ""
    keep: tuple[str, ...] = ()
    dataset_name: str = ""
    """The dataset name to upload as (default: the case name)."""

    @property
    def upload_name(self) -> str:
        return self.dataset_name or self.name


@dataclass
class _Builder:
    folder: Path
    cases: list[Case] = field(default_factory=list)

    def add(self, name: str, family: str, project_kind: str, kind: str, data: bytes | Path, suffix: str, **expect):
        path = self.folder / f"{name}{suffix}"
        if isinstance(data, bytes):
            path.write_bytes(data)
        self.cases.append(Case(name, family, project_kind, kind, path, **expect))


# ---------------------------------------------------------------- audio


def tone(seconds: float = 1.0, rate: int = 16000, level: float = 0.3) -> np.ndarray:
    """A sine tone with a little noise (float32 mono)."""
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(int(seconds * 1000) + rate).standard_normal(len(t)) * 0.01
    return (level * np.sin(2 * np.pi * 220 * t) + noise).astype(np.float32)


def wav_bytes(samples: np.ndarray, rate: int = 16000, subtype: str = "PCM_16") -> bytes:
    """A well-formed WAV file."""
    out = io.BytesIO()
    sf.write(out, samples, rate, subtype=subtype, format="WAV")
    return out.getvalue()


def forged_wav(
    *,
    rate: int = 16000,
    channels: int = 1,
    bits: int = 16,
    align: int | None = None,
    code: int = 1,
    data: bytes = b"\0" * 32000,
    declared: int | None = None,
    with_fmt: bool = True,
) -> bytes:
    """A WAV whose header fields say whatever they are told to."""
    align = channels * bits // 8 if align is None else align
    fmt = struct.pack("<HHIIHH", code, channels, rate & 0xFFFFFFFF, (rate * max(align, 1)) & 0xFFFFFFFF, align, bits)
    chunks = (b"fmt " + struct.pack("<I", 16) + fmt) if with_fmt else b""
    size = len(data) if declared is None else declared
    body = b"WAVE" + chunks + b"data" + struct.pack("<I", size & 0xFFFFFFFF) + data
    return b"RIFF" + struct.pack("<I", len(body) & 0xFFFFFFFF) + body


def flac_bytes(samples: np.ndarray, rate: int, total_samples: int | None = None) -> bytes:
    """A FLAC file; ``total_samples`` overwrites what its STREAMINFO header declares (0 means unknown)."""
    out = io.BytesIO()
    sf.write(out, samples, rate, format="FLAC", subtype="PCM_16")
    data = bytearray(out.getvalue())
    if total_samples is not None:
        field = int.from_bytes(data[18:26], "big")
        field = (field & ~((1 << 36) - 1)) | (total_samples & ((1 << 36) - 1))
        data[18:26] = field.to_bytes(8, "big")
    return bytes(data)


def acoustic_zip(bad_name: str, bad_audio: bytes, bad_text: str = "this one is hostile") -> bytes:
    """An Azure zip: two good tones plus the hostile item, each with a transcript line."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        lines = []
        for index, name in enumerate(GOOD_SPEECH):
            archive.writestr(f"{name}.wav", wav_bytes(tone(1.0 + index / 4)))
            lines.append(f"{name}.wav\thello number {index + 1}")
        archive.writestr(bad_name, bad_audio)
        lines.append(f"{bad_name}\t{bad_text}")
        archive.writestr("trans.txt", "\n".join(lines) + "\n")
    return out.getvalue()


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _good_speech_entries() -> dict[str, bytes]:
    entries = {f"{name}.wav": wav_bytes(tone(1.0 + i / 4)) for i, name in enumerate(GOOD_SPEECH)}
    entries["trans.txt"] = "".join(f"{n}.wav\thello number {i + 1}\n" for i, n in enumerate(GOOD_SPEECH)).encode()
    return entries


def _audio_cases(b: _Builder) -> None:
    lies = {
        "wav-rate-14M": (forged_wav(rate=14_374_434), "sample rate of 14,374,434 Hz"),
        "wav-rate-zero": (forged_wav(rate=0), "sample rate"),
        "wav-channels-zero": (forged_wav(channels=0, align=2), "channels"),
        "wav-channels-100": (forged_wav(channels=100, bits=16), "100 channels"),
        "wav-bits-zero": (forged_wav(bits=0, align=2), "0 bits"),
        "wav-bits-7": (forged_wav(bits=7, align=1), "7 bits"),
        "wav-format-unknown": (forged_wav(code=0x1234), "format code 0x1234"),
        "wav-block-align-lie": (forged_wav(align=7), "block align"),
        "wav-cut-short": (forged_wav(data=wav_bytes(tone(0.98))[44:], declared=96000), "cut short"),
        "wav-declares-5-hours": (forged_wav(declared=16000 * 2 * 3600 * 5), "cut short"),
        "wav-float-nan": (forged_wav(code=3, bits=32, data=np.full(8000, np.nan, np.float32).tobytes()), "NaN"),
        "wav-float-inf": (forged_wav(code=3, bits=32, data=np.full(8000, np.inf, np.float32).tobytes()), "infinite"),
        "wav-5-ms": (wav_bytes(tone(0.005)), "too short"),
        "wav-no-fmt": (forged_wav(with_fmt=False), "fmt"),
        "wav-no-samples": (forged_wav(data=b""), "no audio samples"),
        "flac-declares-4-hours": (flac_bytes(tone(1.0), 16000, total_samples=16000 * 3600 * 4), "limit"),
        "mp3-garbage": (np.random.default_rng(7).bytes(6000), "unreadable"),
        "riff-chunk-maze": (b"RIFF\xff\xff\xff\xffWAVE" + b"JUNK\x08\x00\x00\x00" * 600, "not a readable WAV"),
    }
    for name, (audio, mention) in lies.items():
        suffix = ".mp3" if name.startswith("mp3") else ".flac" if name.startswith("flac") else ".wav"
        data = acoustic_zip(f"bad{suffix}", audio)
        b.add(
            name, "header lies", "speech", "acoustic", data, ".zip", expect="partial", mention=mention, keep=GOOD_SPEECH
        )
    loud = np.clip(tone(1.0, level=3.0), -1, 1)
    b.add(
        "wav-clipped",
        "header lies",
        "speech",
        "acoustic",
        acoustic_zip("loud.wav", wav_bytes(loud)),
        ".zip",
        expect="accepted",
        mention="clipped",
        keep=(*GOOD_SPEECH, "loud"),
    )


# ---------------------------------------------------------------- archives and decompression


def _archive_cases(b: _Builder) -> None:
    zeros = b"\0" * ((1 << 20) - 1)
    many = _zip({**_good_speech_entries(), **{f"pad/{i:04d}.bin": zeros for i in range(300)}})
    b.add(
        "zip-many-medium-entries",
        "decompression",
        "speech",
        "acoustic",
        many,
        ".zip",
        expect="refused",
        mention="zip bomb",
    )
    one = _zip({**_good_speech_entries(), "big.bin": b"\0" * (100 << 20)})
    b.add("zip-one-big-entry", "decompression", "speech", "acoustic", one, ".zip", expect="refused", mention="zip bomb")
    clash = _zip({**_good_speech_entries(), "x": b"file", "x/y.wav": wav_bytes(tone())})
    b.add(
        "zip-file-and-folder",
        "archive names",
        "speech",
        "acoustic",
        clash,
        ".zip",
        expect="refused",
        mention="both a file and a folder",
    )
    long_name = _zip({**_good_speech_entries(), "a" * 300 + ".wav": wav_bytes(tone())})
    b.add(
        "zip-300-char-name",
        "archive names",
        "speech",
        "acoustic",
        long_name,
        ".zip",
        expect="refused",
        mention="255-byte",
    )
    deep = _zip({**_good_speech_entries(), "d/" * 40 + "x.wav": wav_bytes(tone())})
    b.add("zip-40-levels-deep", "deep nesting", "speech", "acoustic", deep, ".zip", expect="refused", mention="deep")
    b.add(
        "zip-traversal",
        "archive names",
        "speech",
        "acoustic",
        _zip({**_good_speech_entries(), "../evil.wav": b"x"}),
        ".zip",
        expect="refused",
        mention="outside the archive",
    )
    b.add(
        "zip-absolute",
        "archive names",
        "speech",
        "acoustic",
        _zip({**_good_speech_entries(), "/etc/evil.wav": b"x"}),
        ".zip",
        expect="refused",
        mention="absolute",
    )
    b.add(
        "zip-control-name",
        "archive names",
        "speech",
        "acoustic",
        _zip({**_good_speech_entries(), "a\nb.wav": b"x"}),
        ".zip",
        expect="refused",
        mention="control characters",
    )
    symlink = io.BytesIO()
    with zipfile.ZipFile(symlink, "w") as archive:
        for name, data in _good_speech_entries().items():
            archive.writestr(name, data)
        info = zipfile.ZipInfo("link.wav")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    b.add(
        "zip-symlink",
        "archive names",
        "speech",
        "acoustic",
        symlink.getvalue(),
        ".zip",
        expect="refused",
        mention="symbolic link",
    )
    whole = _zip(_good_speech_entries())
    b.add(
        "zip-cut-short",
        "decompression",
        "speech",
        "acoustic",
        whole[: len(whole) // 2],
        ".zip",
        expect="refused",
        mention="corrupt",
    )
    b.add(
        "zip-named-but-text",
        "decompression",
        "speech",
        "acoustic",
        b"hello, I am not a zip\n",
        ".zip",
        expect="refused",
        mention="not a zip",
    )
    docbin = zlib.compress(b"\0" * (300 << 20), 9)
    jsonl = json.dumps({"text": GOOD_SPAN_TEXT, "spans": [{"start": 11, "end": 16, "label": "GADGET"}]}) + "\n"
    b.add(
        "docbin-bomb", "decompression", "entities", "annotated-text",
        _zip({"bomb.spacy": docbin, "good.jsonl": jsonl.encode()}), ".zip",
        expect="partial", mention="decompression bomb", keep=(GOOD_SPAN_TEXT,),
    )  # fmt: skip
    unlisted = _zip({**_good_speech_entries(), **{f"junk/{i}.bin": b"junk" for i in range(30)}})
    b.add(
        "zip-unlisted-files",
        "decompression",
        "speech",
        "acoustic",
        unlisted,
        ".zip",
        expect="accepted",
        mention="ignored 30 file",
        keep=GOOD_SPEECH,
    )


# ---------------------------------------------------------------- nesting, YAML, regexes


def _csv(rows: list[tuple[str, str]]) -> bytes:
    return ("text,intent\n" + "".join(f"{t},{i}\n" for t, i in rows)).encode()


GOOD_CSV = _csv([(GOOD_TEXTS[0], "refill"), (GOOD_TEXTS[1], "call")])


def _rasa(body: str) -> str:
    return 'version: "3.1"\nnlu:\n- intent: refill\n  examples: |\n    - ' + GOOD_TEXTS[0] + "\n" + body


def _language_cases(b: _Builder) -> None:
    deep_json = b"[" * 100_000 + b"]" * 100_000
    b.add(
        "lex-json-deep",
        "deep nesting",
        "language",
        "utterances",
        _zip({"slots.json": deep_json, "good.csv": GOOD_CSV}),
        ".zip",
        expect="partial",
        mention="nested too deeply",
        keep=GOOD_TEXTS,
    )
    deep_yaml = ("nlu: " + "[" * 5000 + "]" * 5000 + "\n").encode()
    b.add(
        "yaml-deep",
        "deep nesting",
        "language",
        "utterances",
        _zip({"nlu.yml": deep_yaml, "good.csv": GOOD_CSV}),
        ".zip",
        expect="partial",
        mention="nested deeper",
        keep=GOOD_TEXTS,
    )
    lines = [
        json.dumps({"text": GOOD_SPAN_TEXT, "spans": [{"start": 11, "end": 16, "label": "GADGET"}]}),
        "[" * 50_000 + "]" * 50_000,
    ]
    b.add(
        "jsonl-deep-line",
        "deep nesting",
        "entities",
        "annotated-text",
        ("\n".join(lines) + "\n").encode(),
        ".jsonl",
        expect="partial",
        mention="nested too deeply",
        keep=(GOOD_SPAN_TEXT,),
    )
    items = "\n".join(f"    - example number {i}" for i in range(300))
    aliases = "\n".join(f"- intent: copy{i}\n  examples: *base" for i in range(300))
    bomb = f'version: "3.1"\nnlu:\n- intent: base\n  examples: &base |\n{items}\n{aliases}\n'
    b.add(
        "yaml-alias-amplification",
        "yaml",
        "language",
        "utterances",
        _zip({"nlu.yml": bomb.encode(), "good.csv": GOOD_CSV}),
        ".zip",
        expect="partial",
        mention="aliases",
        keep=GOOD_TEXTS,
    )
    laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
    )
    b.add(
        "yaml-billion-laughs",
        "yaml",
        "language",
        "utterances",
        _zip({"nlu.yml": laughs.encode(), "good.csv": GOOD_CSV}),
        ".zip",
        expect="partial",
        mention="aliases",
        keep=GOOD_TEXTS,
    )
    python_tag = _rasa("- intent: evil\n  examples: !!python/object/apply:os.system ['echo pwned']\n")
    b.add(
        "yaml-python-tag",
        "yaml",
        "language",
        "utterances",
        python_tag.encode(),
        ".yml",
        expect="accepted",
        keep=(GOOD_TEXTS[0],),
    )
    regexes = {
        "regex-backreference": ("(a)\\1", "not supported by the linear-time"),
        "regex-lookahead": ("foo(?=bar)", "not supported by the linear-time"),
        "regex-invalid": ("[0-9", "invalid regular expression"),
        "regex-huge-repetition": ("a{1000}{1000}", "regular expression"),
        "regex-too-long": ("a" * 1001, "1000 character limit"),
    }
    for name, (pattern, mention) in regexes.items():
        body = _rasa(f"- regex: account\n  examples: |\n    - {pattern}\n    - [0-9]{{5}}\n")
        b.add(
            name,
            "regex",
            "language",
            "utterances",
            body.encode(),
            ".yml",
            expect="partial",
            mention=mention,
            keep=(GOOD_TEXTS[0], "[0-9]{5}"),
        )
    catastrophic = _rasa("- regex: letters\n  examples: |\n    - (a+)+$\n")
    b.add(
        "regex-catastrophic",
        "regex",
        "language",
        "utterances",
        catastrophic.encode(),
        ".yml",
        expect="accepted",
        keep=(GOOD_TEXTS[0], "(a+)+$"),
    )
    patterns = [
        {"label": "GADGET", "pattern": "Pixel 8"},
        {"label": "CODE", "pattern": [{"TEXT": {"REGEX": "[unclosed"}}]},
        {"label": "CODE", "pattern": [{"TEXT": {"REGEX": "(x)\\1"}}]},
        {"label": "CODE", "pattern": [{"LOWER": {"REGEX": {"IN": ["a"]}}}]},
        {"label": "CODE", "pattern": [{"TEXT": {"REGEX": "(a+)+$"}}]},
    ]
    text = "".join(json.dumps(p) + "\n" for p in patterns).encode()
    b.add(
        "patterns-bad-regexes",
        "regex",
        "entities",
        "patterns",
        text,
        ".jsonl",
        expect="partial",
        mention="invalid regular expression",
        keep=("Pixel 8", "(a+)+$"),
    )


# ---------------------------------------------------------------- encodings and lines


def _trans_zip(trans: bytes) -> bytes:
    entries = _good_speech_entries()
    entries["trans.txt"] = trans
    return _zip(entries)


def _encoding_cases(b: _Builder) -> None:
    lines = "".join(f"{n}.wav\thello number {i + 1}\r\n" for i, n in enumerate(GOOD_SPEECH))
    b.add(
        "trans-utf16-bom",
        "encodings",
        "speech",
        "acoustic",
        _trans_zip("\ufeff".encode("utf-16-le") + lines.encode("utf-16-le")),
        ".zip",
        expect="accepted",
        keep=GOOD_SPEECH,
    )
    b.add(
        "trans-utf16-no-bom",
        "encodings",
        "speech",
        "acoustic",
        _trans_zip(lines.encode("utf-16-be")),
        ".zip",
        expect="accepted",
        keep=GOOD_SPEECH,
    )
    b.add(
        "trans-nul-byte",
        "encodings",
        "speech",
        "acoustic",
        _trans_zip(b"x.wav\tbad\x00line\n" + lines.encode()),
        ".zip",
        expect="partial",
        mention="NUL byte",
        keep=GOOD_SPEECH,
    )
    b.add(
        "trans-100kb-line",
        "encodings",
        "speech",
        "acoustic",
        _trans_zip(b"z" * 100_000 + b"\n" + lines.encode()),
        ".zip",
        expect="partial",
        mention="no TAB",
        keep=GOOD_SPEECH,
    )
    b.add(
        "trans-2mb-line",
        "encodings",
        "speech",
        "acoustic",
        _trans_zip(
            lines.encode()
            + b"y.wav\t"
            + np.random.default_rng(9).integers(97, 123, 2_200_000, dtype=np.uint8).tobytes()
            + b"\n"
        ),
        ".zip",
        expect="partial",
        mention="byte limit",
        keep=GOOD_SPEECH,
    )
    orphan = {**_good_speech_entries(), "stray.wav": wav_bytes(tone())}
    b.add(
        "wav-without-transcript",
        "encodings",
        "speech",
        "acoustic",
        _zip(orphan),
        ".zip",
        expect="partial",
        mention="stray.wav: audio file with no transcript",
        keep=GOOD_SPEECH,
    )
    latin = ("\n".join(GOOD_TEXTS) + "\n").encode() + "café crème\n".encode("latin-1")
    b.add(
        "related-text-latin1",
        "encodings",
        "speech",
        "language",
        latin,
        ".txt",
        expect="partial",
        mention="not valid UTF-8",
        keep=GOOD_TEXTS,
    )
    bom_crlf = ("\ufeff" + "\r\n".join(GOOD_TEXTS) + "\r\n").encode()
    b.add(
        "related-text-bom-crlf", "encodings", "speech", "language", bom_crlf, ".txt", expect="accepted", keep=GOOD_TEXTS
    )
    huge_field = (
        b"text,intent\n"
        + GOOD_CSV.split(b"\n", 1)[1].split(b"\n")[0]
        + b"\n"
        + b"x" * 131_073
        + b",greet\n"
        + f"{GOOD_TEXTS[1]},call\n".encode()
    )
    b.add(
        "csv-huge-field",
        "encodings",
        "language",
        "utterances",
        huge_field,
        ".csv",
        expect="partial",
        mention="longer than 131,072",
        keep=GOOD_TEXTS,
    )
    long_text = "word " * 220_000
    big = json.dumps({"text": long_text, "spans": [{"start": 0, "end": 4, "label": "GADGET"}]})
    good = json.dumps({"text": GOOD_SPAN_TEXT, "spans": [{"start": 11, "end": 16, "label": "GADGET"}]})
    b.add(
        "span-text-1mb",
        "encodings",
        "entities",
        "annotated-text",
        f"{big}\n{good}\n".encode(),
        ".jsonl",
        expect="partial",
        mention="byte limit",
        keep=(GOOD_SPAN_TEXT,),
    )
    medium = json.dumps({"text": "word " * 30_000, "spans": [{"start": 0, "end": 4, "label": "GADGET"}]})
    b.add(
        "span-text-150k",
        "encodings",
        "entities",
        "annotated-text",
        f"{medium}\n{good}\n".encode(),
        ".jsonl",
        expect="partial",
        mention="100,000",
        keep=(GOOD_SPAN_TEXT,),
    )
    b.add("empty-file", "encodings", "speech", "language", b"", ".txt", expect="refused", mention="empty")
    b.add(
        "binary-as-text",
        "encodings",
        "speech",
        "language",
        np.random.default_rng(3).bytes(20_000),
        ".bin",
        expect="refused",
        mention="a binary file, not text",
    )
    b.add(
        "utf16-csv",
        "encodings",
        "language",
        "utterances",
        "\ufeff".encode("utf-16-le") + GOOD_CSV.decode().encode("utf-16-le"),
        ".csv",
        expect="accepted",
        keep=GOOD_TEXTS,
    )


# ---------------------------------------------------------------- names


def _name_cases(b: _Builder) -> None:
    text = ("\n".join(GOOD_TEXTS) + "\n").encode()
    b.add(
        "markup-dataset-name",
        "names",
        "speech",
        "language",
        text,
        ".txt",
        expect="accepted",
        keep=GOOD_TEXTS,
        dataset_name="evil[bold]name[red]",
    )
    markup_items = _zip({
        "[/bold].wav": wav_bytes(tone()), "[red]x[/red].wav": wav_bytes(tone(1.2)),
        "trans.txt": b"[/bold].wav\thello there\n[red]x[/red].wav\tgood morning\n",
    })  # fmt: skip
    b.add(
        "markup-item-names",
        "names",
        "speech",
        "acoustic",
        markup_items,
        ".zip",
        expect="accepted",
        keep=("bold", "red"),
    )
    reasons = (GOOD_TEXTS[0] + "\nsee [b]www.x.com[/b] now\n").encode()
    b.add(
        "markup-in-reasons",
        "names",
        "speech",
        "language",
        reasons,
        ".txt",
        expect="partial",
        mention="www.x.com[/b]",
        keep=(GOOD_TEXTS[0],),
    )
    b.add(
        "control-char-name",
        "names",
        "speech",
        "language",
        text,
        ".txt",
        expect="refused",
        mention="control characters",
        dataset_name="a\x1b[31mred",
    )
    b.add(
        "name-300-chars",
        "names",
        "speech",
        "language",
        text,
        ".txt",
        expect="refused",
        mention="200",
        dataset_name="n" * 300,
    )


# ---------------------------------------------------------------- recognition bodies


@dataclass
class AudioCase:
    """Audio sent to a speech endpoint (REST) or given to ``tunefork transcribe`` (CLI)."""

    name: str
    path: Path
    expect_status: int
    mention: str
    cli: bool = True
    """Also given to ``tunefork transcribe`` (whose limit is 2 h, not the endpoint's)."""


RECOGNITION_LIMIT_SECONDS = 30
"""The endpoint limit the corpus server runs with (``TUNEFORK_MAX_RECOGNITION_SECONDS``)."""


def adts_bytes(seconds: float, bitrate: int, rate: int = 16000) -> bytes:
    """AAC in an ADTS stream: a container without a length, whose duration decoders estimate from the bitrate."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="adts") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.bit_rate, stream.layout = bitrate, "mono"
        samples = (np.random.default_rng(0).standard_normal(int(seconds * rate)) * 0.2).astype(np.float32)
        for start in range(0, len(samples), 1024):
            frame = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="flt", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def _recognition_cases(folder: Path) -> list[AudioCase]:
    silence = np.zeros(8000 * 60, dtype=np.float32)
    # 2 s at a high bitrate, then a minute at a low one: the estimated duration is a fraction of the real one
    understated = adts_bytes(2, 128_000) + adts_bytes(2 * RECOGNITION_LIMIT_SECONDS, 8_000)
    samples = {
        "rec-rate-14M": (forged_wav(rate=14_374_434), 422, "sample rate"),
        "rec-bits-zero": (forged_wav(bits=0, align=2), 422, "bits"),
        "rec-format-unknown": (forged_wav(code=0x1234), 422, "format code"),
        "rec-float-nan": (forged_wav(code=3, bits=32, data=np.full(8000, np.nan, np.float32).tobytes()), 422, "NaN"),
        "rec-cut-short": (forged_wav(data=wav_bytes(tone(0.98))[44:], declared=96000), 422, "cut short"),
        "rec-flac-declares-4-hours": (flac_bytes(tone(1.0), 16000, total_samples=16000 * 3600 * 4), 422, "limit"),
        "rec-flac-length-unknown": (flac_bytes(silence, 8000, total_samples=0), 422, ""),
        "rec-garbage": (np.random.default_rng(5).bytes(5000), 422, "not readable audio"),
        "rec-5-ms": (wav_bytes(tone(0.005)), 200, ""),
        "rec-good": (wav_bytes(tone(1.5)), 200, ""),
    }
    cases = []
    for name, (data, status, mention) in samples.items():
        path = folder / f"{name}{'.flac' if 'flac' in name else '.wav'}"
        path.write_bytes(data)
        cases.append(AudioCase(name, path, status, mention))
    path = folder / "rec-aac-length-understated.aac"
    path.write_bytes(understated)
    cases.append(AudioCase(path.stem, path, 422, "limit", cli=False))
    return cases


FAMILIES: tuple[Callable[[_Builder], None], ...] = (
    _audio_cases,
    _archive_cases,
    _language_cases,
    _encoding_cases,
    _name_cases,
)


def build_corpus(folder: Path) -> tuple[list[Case], list[AudioCase]]:
    """Write every case's upload under ``folder``; return the dataset cases and the recognition cases."""
    folder.mkdir(parents=True, exist_ok=True)
    builder = _Builder(folder)
    for family in FAMILIES:
        family(builder)
    names = [case.name for case in builder.cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return builder.cases, _recognition_cases(folder)
