"""Staging folders know their owner: a crashed process's folders are swept, a live one's never are."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import soundfile as sf

from tunefork.store.artifacts import staged_directory
from tunefork.store.staging import OWNER_SUFFIX, OwnedFolder, scratch_folder, sweep_orphans
from tunefork.workspace import INTERRUPTED, Workspace

HOLDER = """
import sys, time
from pathlib import Path
from tunefork.store.staging import OwnedFolder
folder = OwnedFolder(Path(sys.argv[1]), "job.")
(folder.path / "part.bin").write_bytes(b"x" * 1000)
print(folder.path, flush=True)
time.sleep(600)
"""


def _holder(root: Path) -> tuple[subprocess.Popen, Path]:
    """A process that owns a staging folder (and keeps it) until it is killed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdout=subprocess.PIPE, text=True, env=env)
    return child, Path(child.stdout.readline().strip())


def test_a_live_owners_folder_is_kept_and_a_killed_owners_folder_is_swept(tmp_path: Path) -> None:
    root = tmp_path / ".staging"
    child, folder = _holder(root)
    try:
        mine = OwnedFolder(root, "mine.")
        assert sweep_orphans(root, grace_seconds=0) == []
        assert folder.exists() and mine.path.exists()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert sweep_orphans(root, grace_seconds=0) == [folder.name]
        assert not folder.exists() and not folder.with_name(folder.name + OWNER_SUFFIX).exists()
        assert mine.path.exists()  # still owned by this process
        mine.remove()
        assert list(root.iterdir()) == []
    finally:
        child.kill()
        child.wait()


def test_folders_without_an_owner_are_swept_only_after_the_grace_period(tmp_path: Path) -> None:
    root = tmp_path / ".staging"
    (root / "old").mkdir(parents=True)
    (root / "new").mkdir()
    past = time.time() - 3600
    os.utime(root / "old", (past, past))
    assert sweep_orphans(root, grace_seconds=600) == ["old"]
    assert (root / "new").exists()


def test_staged_and_scratch_folders_release_their_claim(tmp_path: Path) -> None:
    root = tmp_path / ".staging"
    with staged_directory(tmp_path / "final", root) as staging:
        (staging / "a.txt").write_text("done")
        assert staging.with_name(staging.name + OWNER_SUFFIX).exists()
    assert (tmp_path / "final" / "a.txt").read_text() == "done"
    with scratch_folder(root, "x.") as scratch:
        assert scratch.is_dir()
    assert list(root.iterdir()) == []


def _many_wavs_zip(path: Path, count: int) -> Path:
    rate = 44100
    tone = (0.2 * np.sin(np.arange(rate * 2) * 0.05)).astype(np.float32)
    with zipfile.ZipFile(path, "w") as archive:
        lines = []
        for index in range(count):
            wav = path.parent / "one.wav"
            sf.write(wav, tone, rate)
            archive.write(wav, f"clip{index:04d}.wav")
            lines.append(f"clip{index:04d}.wav\thello number {index}")
        archive.writestr("trans.txt", "\n".join(lines) + "\n")
    return path


def test_kill_9_during_an_import_leaves_nothing_after_the_next_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Workspace.open(home).close()
    upload = _many_wavs_zip(tmp_path / "many.zip", 400)
    tunefork = [sys.executable, "-c", "from tunefork.cli.main import app; app()"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([*tunefork, "--home", str(home), "project", "create", "p"], check=True, env=env, capture_output=True)
    child = subprocess.Popen(
        [*tunefork, "--home", str(home), "dataset", "upload", "p", str(upload), "--kind", "acoustic"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    staging = home / ".staging"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(staging.glob("*/audio/*.wav")):
        time.sleep(0.1)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert list(staging.glob("*/audio/*.wav")), "the import was killed before it wrote anything"
    workspace = Workspace.open(home)  # any next start (a CLI command, serve, worker) sweeps
    assert [p.name for p in staging.iterdir()] == []
    # the dataset the killed command imported is Failed, not Running for ever (its name and project were blocked)
    from tunefork.workflows.datasets import show_dataset

    killed = show_dataset(workspace, "many")
    assert (killed["status"], killed["error"]) == ("Failed", INTERRUPTED)
    workspace.close()
