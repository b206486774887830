"""MAP adaptation of the bundled acoustic model to transcribed audio, with Debian's SphinxTrain.

The recipe is CMUSphinx's "adapting the default acoustic model" tutorial:

1. ``sphinx_fe`` (sphinxbase-utils) computes MFCC features with the model's own ``feat.params``;
2. ``bw`` (sphinxtrain) runs one forward-backward pass of the base model over the transcribed
   utterances and accumulates occupation statistics;
3. ``map_adapt`` moves every Gaussian mean, variance, mixture weight and transition matrix toward
   the statistics, each in proportion to how much adaptation data it saw (maximum a posteriori);
4. ``mk_s2sendump`` re-quantizes the adapted mixture weights into the ``sendump`` PocketSphinx
   decodes with, as in the base model.

MLLR (one global linear transform) was tried on this kind of data and made WER worse in 3 of 5
conditions; MAP adapts exactly the densities the data covers and is the default here.

The wheel's model lacks two files SphinxTrain needs; :mod:`.model_files` rebuilds them (text
``mdef`` from the binary one, ``mixture_weights`` from ``sendump``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tunefork.audio import read_audio, write_wav
from tunefork.errors import TuneforkError
from tunefork.progress import ProgressCallback
from tunefork.speech.sphinx_custom.model_files import (
    binary_mdef_to_text,
    gaussian_shape,
    sendump_to_mixture_weights,
)

TOOL_DIRS = ("/usr/lib/sphinxtrain", "/usr/libexec/sphinxtrain", "/usr/local/lib/sphinxtrain")
"""Where Debian and source installs put SphinxTrain's programs (they are not on PATH)."""
TOOL_DIR_ENV = "TUNEFORK_SPHINXTRAIN_DIR"
INSTALL_HINT = "install them with `sudo apt-get install sphinxtrain sphinxbase-utils`"
MODEL_FILES = ("means", "variances", "mixture_weights", "transition_matrices")
TOOL_TIMEOUT_S = 3600
DIGITAL_SILENCE_FRACTION = 0.01
"""Audio with at least this fraction of exactly-zero samples gets a noise floor before feature extraction."""
NOISE_FLOOR_DB = 30.0
"""How far below the speech RMS that noise floor sits."""


@dataclass
class AdaptationResult:
    """What MAP adaptation did."""

    utterances: int
    skipped: int
    frames: int
    seconds: float
    method: str = "MAP"
    left_out: list[str] = field(default_factory=list)
    """Each utterance left out, as ``file: why`` (a review saw a bare count of 1 on the card)."""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form for the model card."""
        return {
            "method": self.method,
            "utterances": self.utterances,
            "skipped_utterances": self.skipped,
            "left_out": self.left_out,
            "audio_seconds": round(self.frames / 100.0, 2),
            "adaptation_seconds": round(self.seconds, 2),
        }


def find_tool(name: str) -> str | None:
    """Path of a SphinxTrain or sphinxbase program, or None."""
    directories = [os.environ.get(TOOL_DIR_ENV, ""), *TOOL_DIRS]
    for directory in filter(None, directories):
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def require_tools() -> dict[str, str]:
    """Paths of ``sphinx_fe``, ``bw`` and ``map_adapt`` (and ``mk_s2sendump`` when present)."""
    tools = {name: find_tool(name) for name in ("sphinx_fe", "bw", "map_adapt", "mk_s2sendump")}
    missing = [name for name in ("sphinx_fe", "bw", "map_adapt") if tools[name] is None]
    if missing:
        raise TuneforkError(
            f"Acoustic adaptation of sphinx models needs SphinxTrain programs ({', '.join(missing)} not found): "
            f"{INSTALL_HINT}."
        )
    return {name: path for name, path in tools.items() if path}


def _run(command: Sequence[str], what: str, log: Path) -> str:
    """Run one tool, keep its output in ``log``, and raise a readable error when it fails."""
    try:
        done = subprocess.run(
            list(command), capture_output=True, text=True, errors="replace", timeout=TOOL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise TuneforkError(f"{what} did not finish within {TOOL_TIMEOUT_S} s") from exc
    output = done.stdout + done.stderr
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(command)}\n{output}\n")
    if done.returncode != 0:
        errors = [line for line in output.splitlines() if "ERROR" in line or "FATAL" in line]
        detail = "; ".join(errors[-3:]) or output.strip().splitlines()[-1:] or ["no output"]
        raise TuneforkError(f"{what} failed (exit {done.returncode}): {detail}")
    return output


def _front_end_args(feat_params: Path) -> list[str]:
    """The model's ``feat.params`` options that ``sphinx_fe`` understands (the rest configure decoding)."""
    wanted = {"-lowerf", "-upperf", "-nfilt", "-transform", "-lifter", "-remove_noise", "-ncep", "-wlen", "-nfft"}
    args: list[str] = []
    for line in feat_params.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in wanted:
            args += parts
    return args


def _feat_options(feat_params: Path) -> dict[str, str]:
    """``feat.params`` as a dict (``-feat``, ``-svspec``, ``-cmn``...)."""
    options = {}
    for line in feat_params.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            options[parts[0]] = parts[1]
    return options


def fill_digital_silence(samples: np.ndarray, seed: int = 0) -> np.ndarray:
    """Add a faint noise floor to audio that contains digital silence (runs of exact zeros).

    Synthesized or gated audio has stretches of exact zeros; their log energy sits at the floor
    and drags the utterance's cepstral mean far from what the model was trained with, so ``bw``
    cannot align most such utterances under batch CMN (and PocketSphinx decodes them badly).
    White noise :data:`NOISE_FLOOR_DB` below the speech level (seeded, so reproducible) fixes
    that and leaves audio with a natural noise floor untouched.
    """
    if samples.size == 0 or np.mean(samples == 0.0) < DIGITAL_SILENCE_FRACTION:
        return samples
    speech = samples[samples != 0.0]
    level = float(np.sqrt(np.mean(speech**2))) if speech.size else 0.0
    noise = np.random.default_rng(seed).standard_normal(samples.size) * level * 10 ** (-NOISE_FLOOR_DB / 20)
    return np.clip(samples + noise.astype(np.float32), -1.0, 1.0)


def _prepare_corpus(utterances: Sequence[tuple[Path, list[str]]], work: Path) -> int:
    """Write canonical audio (digital silence filled) and the control/transcription files; count kept ones."""
    wav_dir = work / "wav"
    wav_dir.mkdir(parents=True)
    control, transcripts = [], []
    for i, (audio, words) in enumerate(utterances):
        if not words:
            continue
        name = f"u{i:05d}"
        write_wav(wav_dir / f"{name}.wav", fill_digital_silence(read_audio(Path(audio)).samples, seed=i))
        control.append(name)
        transcripts.append(f"<s> {' '.join(words)} </s> ({name})")
    (work / "corpus.fileids").write_text("\n".join(control) + "\n", encoding="utf-8")
    (work / "corpus.transcription").write_text("\n".join(transcripts) + "\n", encoding="utf-8")
    return len(control)


def _control_ids(work: Path) -> list[str]:
    """Utterance ids listed in the control file."""
    return (work / "corpus.fileids").read_text(encoding="utf-8").split()


def _alignment_stats(bw_output: str) -> tuple[int, list[str]]:
    """(frames seen, the ids of the utterances bw could not align) from bw's log (``ERROR: "backward.c", line
    431: u00012 ignored``)."""
    frames, ignored = 0, []
    for line in bw_output.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "utt>" and parts[3].isdigit():
            frames += int(parts[3])
        elif len(parts) >= 2 and parts[-1] == "ignored" and re.fullmatch(r"u\d{5,}", parts[-2]):
            ignored.append(parts[-2])
    return frames, ignored


def _base_files(base_hmm: Path, work: Path) -> tuple[Path, Path]:
    """Text ``mdef`` and float ``mixture_weights`` of the base model, in ``work``."""
    mdef = work / "mdef.txt"
    binary_mdef_to_text(base_hmm / "mdef", mdef)
    mixture_weights = work / "mixture_weights"
    if (base_hmm / "mixture_weights").exists():
        shutil.copyfile(base_hmm / "mixture_weights", mixture_weights)
    else:
        _, n_feat, n_density = gaussian_shape(base_hmm / "means")
        sendump_to_mixture_weights(base_hmm / "sendump", n_feat, n_density, mixture_weights)
    return mdef, mixture_weights


def _extract_features(tool: str, feat_params: Path, work: Path, log: Path) -> None:
    """MFCC files for every utterance of the control file (``work/feat/<id>.mfc``)."""
    (work / "feat").mkdir()
    _run(
        [tool, *_front_end_args(feat_params), "-samprate", "16000", "-remove_silence", "no",
         "-c", str(work / "corpus.fileids"), "-di", str(work / "wav"), "-do", str(work / "feat"),
         "-ei", "wav", "-eo", "mfc", "-mswav", "yes"],
        "feature extraction (sphinx_fe)", log,
    )  # fmt: skip
    missing = [name for name in _control_ids(work) if not (work / "feat" / f"{name}.mfc").exists()]
    if missing:  # bw would retry a missing feature file for five minutes before giving up
        raise TuneforkError(f"feature extraction produced no features for {len(missing)} utterance(s): {missing[:3]}")


def _model_args(mdef: Path, files: dict[str, Path]) -> list[str]:
    """A model's parameter files (``MODEL_FILES`` -> path), as bw and map_adapt name them."""
    return [
        "-moddeffn", str(mdef), "-ts2cbfn", ".ptm.",
        "-meanfn", str(files["means"]), "-varfn", str(files["variances"]),
        "-mixwfn", str(files["mixture_weights"]), "-tmatfn", str(files["transition_matrices"]),
    ]  # fmt: skip


def _collect_statistics(tool: str, model_args: list[str], base_hmm: Path, dictionary: Path, work: Path) -> str:
    """Run bw over the corpus into ``work/accum`` (emptied first); return its log."""
    options = _feat_options(base_hmm / "feat.params")
    shutil.rmtree(work / "accum", ignore_errors=True)
    (work / "accum").mkdir()
    return _run(
        [tool, *model_args,
         "-feat", options.get("-feat", "1s_c_d_dd"), "-svspec", options.get("-svspec", "0-12/13-25/26-38"),
         "-cmn", options.get("-cmn", "batch"), "-agc", options.get("-agc", "none"),
         "-varnorm", options.get("-varnorm", "no"),
         "-dictfn", str(dictionary), "-fdictfn", str(base_hmm / "noisedict"),
         "-ctlfn", str(work / "corpus.fileids"), "-lsnfn", str(work / "corpus.transcription"),
         "-cepdir", str(work / "feat"), "-cepext", "mfc", "-accumdir", str(work / "accum"), "-timing", "no"],
        "collecting adaptation statistics (bw)", work / "adaptation.log",
    )  # fmt: skip


def _map_pass(
    tools: dict[str, str], mdef: Path, prior: dict[str, Path], base_hmm: Path, dictionary: Path, work: Path, step: int
) -> tuple[dict[str, Path], int, list[str]]:
    """One bw + map_adapt pass from ``prior``; the adapted files, frames seen and the unaligned utterances' ids."""
    model_args = _model_args(mdef, prior)
    frames, unaligned = _alignment_stats(_collect_statistics(tools["bw"], model_args, base_hmm, dictionary, work))
    if len(unaligned) >= len(_control_ids(work)):
        raise TuneforkError(
            "no utterance could be aligned with its transcript; check that the transcripts match the audio"
        )
    stage = work / f"pass{step}"
    stage.mkdir()
    adapted = {name: stage / name for name in MODEL_FILES}
    flags = {"means": "-mapmeanfn", "variances": "-mapvarfn", "mixture_weights": "-mapmixwfn"}
    flags["transition_matrices"] = "-maptmatfn"
    outputs = [part for name, flag in flags.items() for part in (flag, str(adapted[name]))]
    command = [tools["map_adapt"], *model_args, "-accumdir", str(work / "accum"), *outputs]
    _run(command, "MAP adaptation (map_adapt)", work / "adaptation.log")
    return adapted, frames, unaligned


def map_adapt(
    base_hmm: Path,
    out_hmm: Path,
    utterances: Sequence[tuple[Path, list[str]]],
    dictionary: Path,
    work: Path,
    progress: ProgressCallback,
    passes: int = 1,
) -> AdaptationResult:
    """Adapt ``base_hmm`` to ``utterances`` (wav, normalized words) into ``out_hmm``.

    ``passes`` > 1 realigns with the adapted model and adapts again, each pass's result being the
    next one's prior. Every transcript word must be in ``dictionary``. ``work`` is a scratch folder
    (created here); the caller removes it. Raises :class:`TuneforkError` when a tool is missing or
    fails, or when no utterance can be aligned with its transcript.
    """
    tools = require_tools()
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    total = 3 + passes
    progress(0, total, "Preparing the acoustic model for adaptation")
    shutil.copytree(base_hmm, out_hmm)
    mdef, mixture_weights = _base_files(base_hmm, work)
    kept = _prepare_corpus(utterances, work)
    if kept == 0:
        raise TuneforkError("no utterance with a non-empty transcript to adapt the acoustic model on")
    progress(1, total, f"Computing features of {kept} utterances")
    _extract_features(tools["sphinx_fe"], base_hmm / "feat.params", work, work / "adaptation.log")
    model = {name: base_hmm / name for name in MODEL_FILES} | {"mixture_weights": mixture_weights}
    frames, unaligned = 0, []
    for step in range(passes):
        progress(2 + step, total, f"MAP adaptation, pass {step + 1} of {passes} (bw + map_adapt)")
        model, frames, unaligned = _map_pass(tools, mdef, model, base_hmm, dictionary, work, step)
    for name, path in model.items():
        shutil.copyfile(path, out_hmm / name)
    progress(2 + passes, total, "Quantizing the adapted mixture weights")
    _write_sendump(tools, mdef, out_hmm, work / "adaptation.log")
    progress(total, total, "Acoustic adaptation done")
    names = [Path(audio).name for audio, _ in utterances]
    left_out = [f"{names[i]}: no transcript words, or one the dictionary cannot pronounce" for i, (_, words) in
                enumerate(utterances) if not words]  # fmt: skip
    left_out += [f"{names[int(ident[1:])]}: not aligned with its transcript (silent, or words it does not say)"
                 for ident in unaligned]  # fmt: skip
    return AdaptationResult(
        utterances=kept - len(unaligned),
        skipped=len(utterances) - kept + len(unaligned),
        frames=frames,
        seconds=time.perf_counter() - started,
        left_out=left_out,
    )


def _write_sendump(tools: dict[str, str], mdef: Path, out_hmm: Path, log: Path) -> None:
    """Replace the copied ``sendump`` by the adapted weights' (or drop it so ``mixture_weights`` is used)."""
    sendump = out_hmm / "sendump"
    sendump.unlink(missing_ok=True)
    if "mk_s2sendump" in tools:
        _run(
            [tools["mk_s2sendump"], "-pocketsphinx", "yes", "-moddeffn", str(mdef),
             "-mixwfn", str(out_hmm / "mixture_weights"), "-sendumpfn", str(sendump)],
            "quantizing mixture weights (mk_s2sendump)", log,
        )  # fmt: skip
        (out_hmm / "mixture_weights").unlink()
