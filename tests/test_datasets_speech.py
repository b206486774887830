"""Speech dataset importers: Azure zip/folder, NeMo, Kaldi, audio folders, and every per-item rejection."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
import soundfile as sf

from tunefork.config import UploadLimits
from tunefork.datasets.hashing import sha256_file
from tunefork.datasets.ids import slugify
from tunefork.datasets.importer import import_dataset
from tunefork.datasets.inspection import load_manifest
from tunefork.errors import UploadRejectedError

SENTENCES = {"a": "hello world", "b": "turn on the lights", "c": "call the pharmacy"}


@pytest.fixture
def clips(speak) -> dict[str, Path]:
    """Three short synthesized 16 kHz mono WAVs keyed a, b, c."""
    return {key: speak(text) for key, text in SENTENCES.items()}


def make_zip(path: Path, entries: dict[str, Path | str | bytes]) -> Path:
    """Zip ``entries`` (archive name -> file path, text or bytes) into ``path``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return path


def azure_folder(folder: Path, clips: dict[str, Path], trans: str | bytes | None = None) -> Path:
    """An unzipped Azure upload: ``<key>.wav`` files and ``trans.txt`` (all clips listed by default)."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, wav in clips.items():
        (folder / f"{key}.wav").write_bytes(wav.read_bytes())
    if trans is None:
        trans = "".join(f"{key}.wav\t{SENTENCES[key]}\n" for key in clips)
    target = folder / "trans.txt"
    target.write_bytes(trans if isinstance(trans, bytes) else trans.encode("utf-8"))
    return folder


def reasons(result_or_error) -> str:
    """All rejection reasons and items, one per line, for assertions."""
    return "\n".join(f"{i.item}|{i.line}|{i.reason}" for i in result_or_error.rejections)


def test_azure_zip_is_imported_to_canonical_layout(clips, dest, tmp_path):
    trans = "".join(f"{k}.wav\t{SENTENCES[k]}\n" for k in clips)
    upload = make_zip(tmp_path / "up.zip", {**{f"set/{k}.wav": p for k, p in clips.items()}, "set/trans.txt": trans})
    seen = []
    result = import_dataset(upload, "acoustic", dest, UploadLimits(), lambda d, t, s: seen.append((d, t)))
    assert (result.accepted, result.rejections, result.source_format) == (3, [], "azure (zip)")
    records = load_manifest(dest)
    assert [r["id"] for r in records] == ["a", "b", "c"]
    assert set(records[0]) == {"id", "audio", "duration", "text", "audio_sha256", "source"}
    assert records[1]["text"] == "turn on the lights" and records[1]["source"] == "b.wav"
    for record in records:
        wav = dest / record["audio"]
        info = sf.info(wav)
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
        assert record["audio_sha256"] == sha256_file(wav)
        assert record["duration"] == pytest.approx(info.duration, abs=1e-3)
    assert json.loads((dest / "import.json").read_text())["content_hash"] == result.content_hash
    assert seen[-1] == (3, 3)
    assert list(dest.parent.iterdir()) == [dest], "the zip extraction folder must be removed"


def test_azure_folder_gives_same_hash_as_zip(clips, tmp_path):
    folder = azure_folder(tmp_path / "folder", clips)
    upload = make_zip(tmp_path / "up.zip", {p.name: p for p in folder.iterdir()})
    from_folder = import_dataset(folder, "acoustic", tmp_path / "s1" / "d", UploadLimits())
    from_zip = import_dataset(upload, "acoustic", tmp_path / "s2" / "d", UploadLimits())
    again = import_dataset(folder, "acoustic", tmp_path / "s3" / "d", UploadLimits())
    assert from_folder.source_format == "azure"
    assert from_folder.content_hash == from_zip.content_hash == again.content_hash
    (folder / "trans.txt").write_text("a.wav\thello world\nb.wav\tturn on the light\nc.wav\tcall the pharmacy\n")
    changed = import_dataset(folder, "acoustic", tmp_path / "s4" / "d", UploadLimits())
    assert changed.content_hash != from_folder.content_hash


def test_nemo_manifest_relative_and_absolute_paths(clips, dest, tmp_path):
    folder = tmp_path / "nemo"
    (folder / "wavs").mkdir(parents=True)
    (folder / "wavs" / "a.wav").write_bytes(clips["a"].read_bytes())
    lines = [
        {"audio_filepath": "wavs/a.wav", "duration": 9.9, "text": "hello world"},
        {"audio_filepath": str(clips["b"]), "duration": 1.0, "text": "turn on the lights"},
    ]
    manifest = folder / "train_manifest.json"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = import_dataset(manifest, "acoustic", dest, UploadLimits())
    assert (result.accepted, result.source_format, result.rejections) == (2, "nemo", [])
    records = load_manifest(dest)
    assert records[0]["id"] == "a" and records[0]["duration"] < 5, "duration is measured, not copied"
    assert records[1]["source"] == clips["b"].name
    # a listed length far from the audio's is said (a formats review: 99 s declared for a 2.7 s file, silently)
    [warning] = [w.reason for w in result.warnings if "its listing says" in w.reason]
    assert warning.startswith("wavs/a.wav (train_manifest.json line 1): its listing says 9.9 s, the audio is ")


def test_a_nemo_segment_line_is_rejected_once(clips, dest, tmp_path):
    """A line refused for its 'offset' had its audio reported again as 'audio file with no transcript'."""
    folder = tmp_path / "nemo"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.wav").write_bytes(clips[name].read_bytes())
    lines = [{"audio_filepath": "a.wav", "text": "hello world"},
             {"audio_filepath": "b.wav", "text": "turn on the lights", "offset": 1.5}]  # fmt: skip
    (folder / "manifest.json").write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert [issue.reason for issue in result.rejections] == [
        "manifest.json line 2: segments ('offset') are not supported; cut the audio into one file per item"
    ]


def test_nemo_in_zip_cannot_reach_outside_files(clips, dest, tmp_path):
    manifest = (
        "".join(
            json.dumps(line) + "\n"
            for line in (
                {"audio_filepath": "a.wav", "text": "hello world"},
                {"audio_filepath": str(clips["b"]), "text": "turn on the lights"},
                {"audio_filepath": "c.wav", "text": "call the pharmacy"},
                {"audio_filepath": "d.wav", "duration": 1.0},
                "not an object",
            )
        )
        + "{broken json\n"
    )
    files = {"a.wav": clips["a"], "c.wav": clips["c"], "d.wav": clips["a"], "manifest.jsonl": manifest}
    result = import_dataset(make_zip(tmp_path / "nemo.zip", files), "acoustic", dest, UploadLimits())
    assert result.accepted == 2 and result.source_format == "nemo (zip)"
    text = reasons(result)
    assert f"{clips['b']}|2|missing audio: manifest.jsonl line 2" in text and "outside the upload" in text
    assert "d.wav|4|manifest.jsonl line 4: no 'text' field (the transcript)" in text
    assert "manifest.jsonl|5|manifest.jsonl line 5: expected a JSON object" in text
    assert "manifest.jsonl|6|manifest.jsonl line 6: not valid JSON" in text


def test_kaldi_directory_with_piped_and_unmatched_entries(clips, dest, tmp_path):
    folder = tmp_path / "kaldi" / "data" / "train"
    folder.mkdir(parents=True)
    (folder / "text").write_text(
        "utt-a hello world\nutt-b turn on the lights\nutt-c call the pharmacy\nutt-x no audio here\n"
    )
    (folder / "wav").mkdir()
    (folder / "wav" / "b.wav").write_bytes(clips["b"].read_bytes())  # read by the piped command only
    (folder / "wav.scp").write_text(
        f"utt-a {clips['a']}\nutt-b sox wav/b.wav -t wav - |\nutt-c {clips['c']}\nutt-y {clips['a']}\n"
    )
    result = import_dataset(tmp_path / "kaldi", "acoustic", dest, UploadLimits())
    assert result.source_format == "kaldi"
    assert [r["id"] for r in load_manifest(dest)] == ["utt-a", "utt-c"]
    text = reasons(result)
    assert "utt-b|2|wav.scp line 2: 'utt-b' uses a piped command" in text
    assert "utt-x|4|missing audio: text line 4 has 'utt-x' but wav.scp has no entry for it" in text
    assert "utt-y|4|audio with no transcript: wav.scp line 4 has 'utt-y'" in text
    assert len(result.rejections) == 3  # the piped command's own file is not reported again as an orphan


def test_kaldi_segments_are_refused(clips, dest, tmp_path):
    folder = tmp_path / "kaldi"
    folder.mkdir()
    (folder / "text").write_text("u1 hello world\n")
    (folder / "wav.scp").write_text(f"rec1 {clips['a']}\n")
    (folder / "segments").write_text("u1 rec1 0.0 1.0\n")
    with pytest.raises(UploadRejectedError, match="segments"):
        import_dataset(folder, "acoustic", dest, UploadLimits())
    assert list(dest.iterdir()) == []


def test_audio_folder_converts_and_reports_resampling(clips, dest, tmp_path):
    folder = tmp_path / "audio"
    folder.mkdir()
    subprocess.run(["sox", "-D", str(clips["a"]), "-r", "44100", "-c", "2", str(folder / "stereo.wav")], check=True)
    subprocess.run(["sox", "-D", str(clips["b"]), str(folder / "clip.ogg")], check=True)
    (folder / "recording-no-extension").write_bytes(clips["c"].read_bytes())
    (folder / "README.txt").write_text("not audio")
    (folder / "trans.txt").write_text("stereo.wav\thello world\n")  # an acoustic upload's list, in an audio one
    result = import_dataset(folder, "audio", dest, UploadLimits())
    assert result.source_format == "audio-folder"
    assert result.accepted == 3, reasons(result)
    assert result.conversions == {"downmixed": 1, "resampled": 1}
    assert result.item_conversions == {"stereo": ["downmixed 2 channels to mono", "resampled 44100 Hz to 16000 Hz"]}
    records = {r["id"]: r for r in load_manifest(dest)}
    assert set(records) == {"stereo", "clip", "recording-no-extension"}
    assert "text" not in records["clip"]
    assert sf.info(dest / records["stereo"]["audio"]).samplerate == 16000
    assert records["stereo"]["duration"] == pytest.approx(sf.info(clips["a"]).duration, abs=0.01)
    assert "ignored README.txt: not an audio file" in [w.reason for w in result.warnings]
    assert "ignored trans.txt: a transcript list, which an audio dataset does not keep (--kind acoustic does)" in [
        w.reason for w in result.warnings
    ]


def test_telephone_gsm_wav_is_read(clips, dest, tmp_path):
    """GSM 6.10 WAV (8 kHz telephone audio) was 'unreadable or corrupt' (a formats review): libsndfile reads it but
    cannot seek in it, which its block reader refused."""
    folder = tmp_path / "calls"
    folder.mkdir()
    subprocess.run(["sox", "-D", str(clips["a"]), "-r", "8000", "-e", "gsm-full-rate", str(folder / "gsm.wav")],
                   check=True)  # fmt: skip
    result = import_dataset(folder, "audio", dest, UploadLimits())
    assert result.accepted == 1, reasons(result)
    [record] = load_manifest(dest)
    assert record["duration"] == pytest.approx(sf.info(clips["a"]).duration, abs=0.05)


def test_silent_audio_is_warned_about(clips, dest, tmp_path):
    """3 s of digital silence with a transcript was accepted without a word (a formats review)."""
    folder = azure_folder(tmp_path / "up", {"a": clips["a"]}, "a.wav\thello world\nquiet.wav\tis it cheaper\n")
    subprocess.run(["sox", "-D", "-n", "-r", "16000", "-b", "16", str(folder / "quiet.wav"), "trim", "0", "3"],
                   check=True)  # fmt: skip
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert result.accepted == 2 and [w.reason for w in result.warnings] == [
        "quiet.wav (trans.txt line 2): silent: its loudest sample is zero; no speech can be heard (check the recording)"
    ]


def test_audio_zip_and_single_audio_file(clips, dest, tmp_path):
    upload = make_zip(tmp_path / "a.zip", {"x/one.wav": clips["a"], "x/two.wav": clips["b"]})
    assert import_dataset(upload, "audio", dest, UploadLimits()).accepted == 2
    single = import_dataset(clips["c"], "audio", tmp_path / "s" / "d", UploadLimits())
    assert (single.accepted, single.source_format) == (1, "audio-file")


def test_slug_ids_are_safe_and_unique(clips, dest, tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "my clip.wav").write_bytes(clips["a"].read_bytes())
    (folder / "my_clip.wav").write_bytes(clips["b"].read_bytes())
    (folder / "trans.txt").write_text("my clip.wav\thello world\nmy_clip.wav\tturn on the lights\n")
    import_dataset(folder, "acoustic", dest, UploadLimits())
    assert [r["id"] for r in load_manifest(dest)] == ["my_clip", "my_clip-2"]
    assert [slugify(name) for name in ("über5", "tél_3", "Ärger", "日本", "._x")] == ["uber5", "tel_3", "Arger", "item",
                                                                                   "x"]  # fmt: skip


# --- per-item rejections: one test each, the reason names the item, the file and the line ---------------


def test_missing_audio_for_transcript_line(clips, dest, tmp_path):
    folder = azure_folder(tmp_path / "up", clips, "a.wav\thello world\nghost.wav\tnobody here\n")
    (folder / "b.wav").unlink()
    (folder / "c.wav").unlink()
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert result.accepted == 1
    assert reasons(result) == (
        "ghost.wav|2|missing audio: trans.txt line 2 names 'ghost.wav' but the upload does not contain this audio file"
    )


def test_a_transcript_line_naming_audio_in_another_case_says_so(clips, dest, tmp_path):
    folder = azure_folder(tmp_path / "up", clips, "a.wav\thello world\nB.WAV\tturn on the lights\n")
    (folder / "c.wav").unlink()
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert reasons(result).splitlines()[0] == (
        "B.WAV|2|missing audio: trans.txt line 2 names 'B.WAV' but the upload does not contain this audio file "
        "(it has 'b.wav': file names are case-sensitive)"
    )


def test_audio_without_transcript_line(clips, dest, tmp_path):
    folder = azure_folder(tmp_path / "up", clips, "a.wav\thello world\nb.wav\tturn on the lights\n")
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert result.accepted == 2
    assert reasons(result) == "c.wav|None|c.wav: audio file with no transcript (trans.txt has no line for it)"


def test_a_second_transcript_list_is_named_as_one_not_read(clips, dest, tmp_path):
    """trans2.txt was 'neither audio nor a transcript list' (a formats review)."""
    folder = azure_folder(tmp_path / "up", clips, "a.wav\thello world\nb.wav\tturn on the lights\n")
    (folder / "trans2.txt").write_text("c.wav\twhat time is it\n")
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert result.accepted == 2 and "c.wav: audio file with no transcript" in reasons(result)
    assert [w.reason for w in result.warnings] == [
        "not read: trans2.txt, another transcript list; only trans.txt is read (merge them into it, or upload the "
        "others' audio as datasets of their own)"
    ]


def test_corrupt_audio_is_rejected(clips, dest, tmp_path):
    folder = azure_folder(tmp_path / "up", {"a": clips["a"], "b": clips["b"]})
    (folder / "b.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEgarbage" * 10)
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert result.accepted == 1
    assert len(result.rejections) == 1
    issue = result.rejections[0]
    assert (issue.item, issue.line) == ("b.wav", 2)
    assert "b.wav (trans.txt line 2): unreadable or corrupt audio" in issue.reason


def test_empty_transcript_is_rejected(clips, dest, tmp_path):
    folder = azure_folder(tmp_path / "up", {"a": clips["a"], "b": clips["b"]}, "a.wav\thello world\nb.wav\t  \n")
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert reasons(result) == "b.wav|2|empty transcript for 'b.wav' in trans.txt line 2"


def test_long_audio_rejected_and_warned(clips, dest, tmp_path):
    durations = {k: sf.info(p).duration for k, p in clips.items()}
    longest = max(durations, key=durations.get)
    limit = (sorted(durations.values())[-1] + sorted(durations.values())[-2]) / 2
    folder = azure_folder(tmp_path / "up", clips)
    result = import_dataset(folder, "acoustic", dest, UploadLimits(max_audio_seconds=limit, warn_audio_seconds=0.5))
    assert result.accepted == 2
    assert len(result.rejections) == 1 and result.rejections[0].item == f"{longest}.wav"
    assert f"over the {limit:g} s limit" in result.rejections[0].reason
    assert sorted(w.item for w in result.warnings) == sorted(f"{k}.wav" for k in clips if k != longest)
    assert all("trans.txt line" in w.reason and "over 0.5 s" in w.reason for w in result.warnings)


def test_long_audio_only_warned_for_acoustic(clips, dest, tmp_path):
    result = import_dataset(clips["a"], "audio", dest, UploadLimits(warn_audio_seconds=0.1))
    assert result.accepted == 1 and result.warnings == []


def test_duplicate_ids_are_rejected(clips, dest, tmp_path):
    trans = "a.wav\thello world\nb.wav\tturn on the lights\na.wav\thello again\n"
    folder = azure_folder(tmp_path / "up", {"a": clips["a"], "b": clips["b"]}, trans)
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert result.accepted == 2
    assert reasons(result) == "a.wav|3|trans.txt line 3: duplicate id, 'a.wav' is already listed on line 1"


def test_non_utf8_transcript_line_is_rejected_with_its_line(clips, dest, tmp_path):
    trans = b"a.wav\thello world\n" + b"b.wav\tcaf\xe9 au lait\n"
    folder = azure_folder(tmp_path / "up", {"a": clips["a"], "b": clips["b"]}, trans)
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert result.accepted == 1
    first = result.rejections[0]
    assert (first.item, first.line) == ("trans.txt", 2)
    assert "trans.txt line 2: not valid UTF-8" in first.reason


def test_line_without_tab_is_rejected(clips, dest, tmp_path):
    folder = azure_folder(tmp_path / "up", {"a": clips["a"]}, "a.wav\thello world\nb.wav turn on the lights\n")
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert "trans.txt line 2: no TAB" in reasons(result)


def test_nothing_accepted_raises_with_rejections(clips, dest, tmp_path):
    folder = azure_folder(tmp_path / "up", {"a": clips["a"]}, "a.wav\t\n")
    with pytest.raises(UploadRejectedError, match="no item could be used") as caught:
        import_dataset(folder, "acoustic", dest, UploadLimits())
    assert caught.value.rejections[0].item == "a.wav"
    assert list(dest.iterdir()) == []


# --- whole-upload rejections of speech data ----------------------------------------------------------------


def test_acoustic_upload_without_transcripts_is_unknown(clips, dest, tmp_path):
    upload = make_zip(tmp_path / "only-audio.zip", {"a.wav": clips["a"]})
    with pytest.raises(UploadRejectedError, match="use kind 'audio'") as caught:
        import_dataset(upload, "acoustic", dest, UploadLimits())
    assert "Accepted: Azure Custom Speech" in str(caught.value)
    assert list(dest.parent.iterdir()) == [dest] and list(dest.iterdir()) == []


def test_unknown_single_file_is_refused(dest, tmp_path):
    junk = tmp_path / "data.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UploadRejectedError, match=r"not a recognised acoustic dataset.*NeMo"):
        import_dataset(junk, "acoustic", dest, UploadLimits())
    with pytest.raises(UploadRejectedError, match="no audio files"):
        import_dataset(junk, "audio", dest, UploadLimits())
    assert list(dest.iterdir()) == []


def test_kaldi_recipe_zip_resolves_recipe_relative_and_foreign_absolute_paths(clips, dest, tmp_path):
    upload = make_zip(
        tmp_path / "recipe.zip",
        {
            "recipe/data/train/text": "u1 hello world\nu2 turn on the lights\n",
            "recipe/data/train/wav.scp": "u1 wav/one.wav\nu2 /home/someone/corpus/wav/two.wav\n",
            "recipe/wav/one.wav": clips["a"],
            "recipe/wav/two.wav": clips["b"],
            "recipe/wav/three.wav": clips["c"],
        },
    )
    result = import_dataset(upload, "acoustic", dest, UploadLimits())
    assert result.source_format == "kaldi (zip)"
    assert [(r["id"], r["source"]) for r in load_manifest(dest)] == [("u1", "one.wav"), ("u2", "two.wav")]
    expected = "wav/three.wav: audio file with no transcript (data/train/wav.scp has no line for it)"
    assert reasons(result) == f"wav/three.wav|None|{expected}"


def test_a_logs_download_uploads_again_without_a_warning_about_its_own_log(clips, dest, tmp_path):
    """`endpoint logs download` writes logs.jsonl beside the WAVs and trans.txt: a speech review's corrected
    download was warned about that file ("ignored 1 file(s) that are neither audio nor a transcript list")."""
    folder = azure_folder(tmp_path / "download", clips)
    (folder / "logs.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    (folder / "notes.md").write_text("corrected by hand\n", encoding="utf-8")
    result = import_dataset(folder, "acoustic", dest, UploadLimits())
    assert result.accepted == 3 and [w.reason for w in result.warnings] == [
        "ignored 1 file(s) that are neither audio nor a transcript list: notes.md"]  # fmt: skip
