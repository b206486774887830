"""Whole-upload refusals for unsafe archives: nothing may land in the destination or next to it."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from tunefork.config import UploadLimits
from tunefork.datasets.archive import extract_zip
from tunefork.datasets.importer import import_dataset
from tunefork.errors import UploadRejectedError

TRANS = "a.wav\thello world\n"


@pytest.fixture
def wav(speak) -> Path:
    return speak("hello world")


def assert_nothing_left(dest: Path) -> None:
    assert list(dest.iterdir()) == [], "the destination must stay empty"
    assert list(dest.parent.iterdir()) == [dest], "no extraction folder may be left behind"


def refuse(upload: Path, dest: Path, match: str, limits: UploadLimits | None = None, kind: str = "acoustic") -> None:
    with pytest.raises(UploadRejectedError, match=match):
        import_dataset(upload, kind, dest, limits or UploadLimits())
    assert_nothing_left(dest)


def test_parent_directory_entry_is_refused(tmp_path, dest, wav):
    upload = tmp_path / "evil.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.write(wav, "a.wav")
        archive.writestr("trans.txt", TRANS)
        archive.writestr("../../escaped.txt", "gotcha")
    refuse(upload, dest, r"entry '\.\./\.\./escaped\.txt' points outside the archive")
    assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize("name", ["/etc/evil.txt", "C:/evil.txt", "\\\\server\\evil.txt"])
def test_absolute_path_entry_is_refused(tmp_path, dest, name):
    upload = tmp_path / "abs.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("trans.txt", TRANS)
        info = zipfile.ZipInfo("placeholder")
        info.filename = name  # bypass ZipInfo's own sanitising, as a hostile tool would
        archive.writestr(info, "x")
    refuse(upload, dest, "absolute path")


def test_symlink_entry_is_refused(tmp_path, dest):
    upload = tmp_path / "link.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        info = zipfile.ZipInfo("trans.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    refuse(upload, dest, "symbolic link")


def test_too_many_files_is_refused(tmp_path, dest):
    upload = tmp_path / "many.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        for i in range(11):
            archive.writestr(f"f{i}.txt", "x")
    refuse(upload, dest, "holds 11 entries, more than the limit of 10", UploadLimits(max_archive_files=10), "language")


def test_too_large_declared_size_is_refused(tmp_path, dest):
    upload = tmp_path / "big.zip"
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "some words\n" * 500)
        archive.writestr("b.txt", "more words\n" * 500)
    refuse(upload, dest, "exceeds the limit of 8000 bytes", UploadLimits(max_archive_bytes=8000), "language")


def test_real_zip_bomb_is_refused_before_extraction(tmp_path, dest):
    upload = tmp_path / "bomb.zip"
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("trans.txt", b"\0" * (50 * 1024 * 1024))
    assert upload.stat().st_size < 100_000
    refuse(upload, dest, "possible zip bomb")


def test_lying_size_header_is_caught_while_extracting(tmp_path):
    upload = tmp_path / "liar.zip"
    payload = b"spoken words\n" * 20_000
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("text.txt", payload)
    data = bytearray(upload.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")  # declared uncompressed size: 100 bytes
    upload.write_bytes(bytes(data))
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(UploadRejectedError, match=r"liar\.zip"):
        extract_zip(upload, target, UploadLimits())
    written = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    assert written <= 100


def test_encrypted_entry_is_refused(tmp_path, dest):
    upload = tmp_path / "locked.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("related.txt", "secret")
    data = bytearray(upload.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general purpose flag bit 0: encrypted
    upload.write_bytes(bytes(data))
    refuse(upload, dest, "encrypted", kind="language")


def test_corrupt_zip_is_refused(tmp_path, dest):
    upload = tmp_path / "broken.zip"
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("related.txt", "hello there\n" * 1000)
    data = bytearray(upload.read_bytes())
    start = data.index(b"related.txt") + len("related.txt")
    data[start + 10 : start + 40] = b"\xff" * 30  # damage the compressed stream
    upload.write_bytes(bytes(data))
    refuse(upload, dest, "corrupt", kind="language")


def test_empty_uploads_are_refused(tmp_path, dest):
    empty_zip = tmp_path / "empty.zip"
    zipfile.ZipFile(empty_zip, "w").close()
    refuse(empty_zip, dest, "holds no files")
    empty_dir = tmp_path / "nothing"
    (empty_dir / "sub").mkdir(parents=True)
    refuse(empty_dir, dest, "holds no files")
    empty_file = tmp_path / "zero.txt"
    empty_file.write_bytes(b"")
    refuse(empty_file, dest, "empty", kind="language")


def test_unknown_format_lists_accepted_formats(tmp_path, dest):
    upload = tmp_path / "stuff.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("notes/readme.md", "# nothing useful here\n")
    refuse(upload, dest, "not a recognised acoustic dataset.*Accepted: Azure Custom Speech.*NeMo.*Kaldi")


def test_unknown_kind_is_refused(tmp_path, dest):
    source = tmp_path / "x.txt"
    source.write_text("hello\n")
    refuse(source, dest, "Unknown dataset kind 'video'", kind="video")


def test_unflagged_utf8_names_are_read_as_utf8(tmp_path, dest, wav):
    """Info-ZIP and macOS write UTF-8 names without the UTF-8 flag; the transcript's names must still match."""
    upload = tmp_path / "accents.zip"
    names = ["MyData/Zoë 01.wav", "MyData/Łódź 02.wav".replace("ó", "o\u0301")]  # the second one NFD
    placeholders = [bytes(b if b < 128 else ord("#") for b in name.encode("utf-8")) for name in names]
    with zipfile.ZipFile(upload, "w") as archive:
        for placeholder in placeholders:  # ASCII names of the same byte length: written without the flag
            archive.writestr(placeholder.decode("ascii"), wav.read_bytes())
        archive.writestr("MyData/trans.txt", "Zoë 01.wav\thello world\nŁódź 02.wav\thello world\n")
    data = upload.read_bytes()
    for name, placeholder in zip(names, placeholders, strict=True):
        data = data.replace(placeholder, name.encode("utf-8"))  # local header and central directory
    upload.write_bytes(data)
    assert [info.flag_bits & 0x800 for info in zipfile.ZipFile(upload).infolist()] == [0, 0, 0]
    result = import_dataset(upload, "acoustic", dest, UploadLimits())
    assert (result.accepted, result.rejections) == (2, [])


def test_code_page_437_names_stay_as_they_are(tmp_path):
    upload = tmp_path / "dos.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr(zipfile.ZipInfo("Gr\u00fc\u00dfe.txt"), "old DOS name")  # ü and ß: bytes that are not UTF-8
    target = tmp_path / "out"
    target.mkdir()
    extract_zip(upload, target, UploadLimits())
    assert [path.name for path in target.iterdir()] == ["Grüße.txt"]
