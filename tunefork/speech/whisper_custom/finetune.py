"""Full fine-tuning of Whisper on CPU with PyTorch, checkpoint chosen by held-out WER.

The recipe:

* the CTranslate2 base is read into ``transformers.WhisperForConditionalGeneration``
  (:mod:`~tunefork.speech.whisper_custom.checkpoint`); every weight is trained (AdamW, lr :data:`LEARNING_RATE`,
  batch 8, gradient norm clipped at 1, bfloat16 autocast where the CPU supports it);
* features are computed with faster-whisper's own log-mel extractor, padded to 30 s and then cut to
  the window serving encodes (:mod:`~tunefork.speech.encoder_window`: the batch's longest clip plus
  2 s, at least 10 s, whole seconds), with the encoder's positional embeddings sliced to match
  (:func:`encode`), so training sees what serving sees and a step on 3-5 s clips does not pay the
  encoder's quadratic cost on 30 s of padding; the model keeps its full 1500-position table, so the
  CTranslate2 export is unchanged;
* targets use the timestamped format models are served with (``<|0.00|> text <|t_end|>``, see
  :meth:`~tunefork.speech.whisper_engine.WhisperEngine.decode_options`) for :data:`TIMESTAMP_FRACTION`
  of the examples and the no-timestamps one (``<|startoftranscript|> <|notimestamps|> text
  <|endoftext|>``) for the rest, so both modes keep working;
* :data:`PROMPT_FRACTION` of the examples carry the hotwords as a previous-text prompt
  (``<|startofprev|> hotwords``), as faster-whisper sends them, with the prompt masked out of the
  loss: the model learns to use the list for words it hears, not to copy it;
* each epoch's clips are augmented anew (:mod:`~tunefork.speech.whisper_custom.augment`);
* a few training sentences are held out, every clip of them (:func:`split_heldout`: the other voices of a held-out
  sentence would otherwise be trained on, and selection would reward memorizing it), preferring sentences whose
  every word another sentence also holds, so that no word is heard in held-out clips only; after every epoch the model
  is written as CTranslate2 int8, the caller's ``evaluate`` transcribes the held-out clips with it exactly as served
  (hotwords, display forms) and the checkpoint with the lowest WER wins (held-out loss breaks ties; "epoch 0", the
  base model itself, competes too, so a fine-tune that does not help is not shipped);
* the base is the dearest model to evaluate (it hallucinates on domain clips and the temperature fallback decodes
  them again), so it is decoded on :data:`BASE_PROBE_CLIPS` clips before training (which times it) and on the rest
  only after the first checkpoint, clip by clip, until its word errors exceed that checkpoint's: then it cannot win
  (every model is scored on the same reference words, and the best checkpoint's errors only go down), and the rest
  of its decoding is skipped (:func:`tally_heldout`); the choice is the one a full evaluation makes;
* a time budget stops training between steps, keeping back what evaluating the last checkpoint will take
  (:func:`evaluation_reserve`); the partial epoch is still evaluated, and an epoch is not begun without time for
  a step (the mean so far, evaluations included) and its evaluation.
"""

from __future__ import annotations

import math
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.evaluation.metrics import error_rate
from tunefork.speech.encoder_window import cut_to_window
from tunefork.speech.whisper_custom.augment import AugmentConfig, augment
from tunefork.speech.whisper_custom.checkpoint import load_transformers_model, save_ct2_model

IGNORE_INDEX = -100
TIMESTAMP_FRACTION = 0.75
"""Share of examples in the timestamped format that every Whisper model is decoded with (the rest:
no timestamps)."""
PROMPT_FRACTION = 0.3
"""Default share of examples that carry the hotwords prompt (masked out of the loss)."""
MAX_TARGET_TOKENS = 220
MAX_CLIP_SECONDS = 30.0
SECONDS_PER_TIMESTAMP = 0.02
LEARNING_RATE = 3e-5
"""AdamW's rate. The time budget, not the data, sets how many steps a run takes (21-54 on pharmacy on a shared 2-core
machine), so the rate is chosen for a few dozen steps: at 30 steps, 3e-5 against 1e-5 took pharmacy's term recall
from 81.9% to 90.7% (``bench/RESULTS.md``, issue 17)."""
BASE_PROBE_CLIPS = 2
"""Held-out clips the base model is decoded on before training: what they take, per clip, estimates the first
checkpoint's evaluation and the rest of the base's, which the budget keeps back until they are measured."""


@dataclass
class Clip:
    """One training example: canonical 16 kHz samples and their transcript."""

    samples: np.ndarray
    text: str
    source: str = "audio"
    """``audio`` (user recordings) or ``synthesized`` (related text spoken by TTS)."""


@dataclass
class FinetuneConfig:
    """Knobs of one fine-tuning run (see the module docstring for the defaults' reasons)."""

    epochs: int = 5
    batch_size: int = 8
    learning_rate: float = LEARNING_RATE
    held_out: int | None = None
    """Clips held out for checkpoint selection; None: about 12% (2 to 12), 0 below 6 clips."""
    time_budget_s: float | None = None
    prompt_fraction: float = PROMPT_FRACTION
    timestamp_fraction: float = TIMESTAMP_FRACTION
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    seed: int = 0
    quantization: str = "int8"
    mixed_precision: str = "auto"
    """``bf16`` (autocast), ``none``, or ``auto``: bf16 when the CPU has AVX512-BF16 or AMX."""
    threads: int | None = None


@dataclass
class EpochRecord:
    """What one epoch did and how its checkpoint scored on the held-out clips."""

    epoch: int
    steps: int
    train_loss: float | None
    heldout_wer: float | None
    heldout_loss: float | None
    seconds: float
    eval_seconds: float = 0.0
    """Of ``seconds``, what writing and evaluating the checkpoint took."""
    heldout_errors: int | None = None
    """Word errors on the held-out clips decoded (all of them, but for a base model that could no longer win)."""
    decoded_clips: int = 0
    """Held-out clips decoded; fewer than the held-out set when the base stopped early (``heldout_wer`` is None)."""


@dataclass
class FinetuneResult:
    """The chosen checkpoint (``model_dir`` None when the base model won) and the run's history."""

    model_dir: Path | None
    chosen_epoch: int
    history: list[EpochRecord]
    steps: int
    seconds: float
    train_clips: int
    heldout_clips: int
    stopped_by_time_budget: bool
    selection: str
    precision: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready summary for the model card."""
        data = asdict(self)
        data["model_dir"] = self.model_dir.name if self.model_dir else None
        data["seconds"] = round(self.seconds, 1)
        for record in data["history"]:
            record["seconds"] = round(record["seconds"], 1)
            record["eval_seconds"] = round(record["eval_seconds"], 1)
            for key in ("train_loss", "heldout_wer", "heldout_loss"):
                if record[key] is not None:
                    record[key] = round(record[key], 4)
        return data


Evaluator = Callable[[str, list[Clip]], Iterator[tuple[int, int]]]
"""``evaluate(ct2_model_dir, clips)`` decodes the clips one by one as served and yields each one's ``(word errors,
reference words)``; the caller stops iterating when it has seen enough."""
StepProgress = Callable[[int, int, str], None]


class WhisperTokens:
    """The special tokens and text encoding of a Whisper model, from its bundled ``tokenizer.json``."""

    def __init__(self, model_dir: str | Path, vocab_size: int) -> None:
        import tokenizers
        from faster_whisper.tokenizer import Tokenizer

        path = Path(model_dir) / "tokenizer.json"
        if not path.is_file():
            raise TuneforkError(f"{model_dir} has no tokenizer.json: cannot fine-tune it offline")
        multilingual = vocab_size >= 51865
        self._tokenizer = Tokenizer(
            tokenizers.Tokenizer.from_file(str(path)),
            multilingual,
            task="transcribe" if multilingual else None,
            language="en" if multilingual else None,
        )
        self.sot_sequence = list(self._tokenizer.sot_sequence)
        self.sot_prev = self._tokenizer.sot_prev
        self.no_timestamps = self._tokenizer.no_timestamps
        self.timestamp_begin = self._tokenizer.timestamp_begin
        self.eot = self._tokenizer.eot

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` as Whisper writes it after the start token (with a leading space)."""
        return self._tokenizer.encode(" " + text.strip())

    def decode(self, ids: list[int]) -> str:
        """Text of token ids (special and timestamp tokens dropped)."""
        return self._tokenizer.decode([i for i in ids if i < self.eot])

    def timestamp(self, seconds: float) -> int:
        """The timestamp token for ``seconds`` (0 to 30 s in 20 ms steps)."""
        steps = round(min(max(seconds, 0.0), MAX_CLIP_SECONDS) / SECONDS_PER_TIMESTAMP)
        return self.timestamp_begin + steps


def speech_end(samples: np.ndarray, rate: int = 16_000) -> float:
    """Seconds to the end of the last loud 20 ms frame, plus 0.1 s (the clip end if all quiet)."""
    frame = rate // 50
    frames = len(samples) // frame
    if frames == 0:
        return len(samples) / rate
    energy = np.sqrt(np.mean(samples[: frames * frame].reshape(frames, frame) ** 2, axis=1))
    loud = np.nonzero(energy > 0.05 * float(energy.max()))[0]
    end = (loud[-1] + 1) * frame / rate + 0.1 if len(loud) else len(samples) / rate
    return min(end, len(samples) / rate)


def build_example(
    tokens: WhisperTokens, text: str, end_seconds: float, timestamps: bool, prompt: list[int] | None
) -> tuple[list[int], list[int]]:
    """``(decoder_input_ids, labels)`` for one clip; prompt and start tokens are masked in the labels."""
    prefix = [tokens.sot_prev, *prompt] if prompt else []
    prefix += tokens.sot_sequence
    text_ids = tokens.encode(text)[:MAX_TARGET_TOKENS]
    if timestamps:
        target = [tokens.timestamp(0.0), *text_ids, tokens.timestamp(end_seconds), tokens.eot]
    else:
        prefix.append(tokens.no_timestamps)
        target = [*text_ids, tokens.eot]
    full = prefix + target
    labels = [IGNORE_INDEX] * (len(prefix) - 1) + target
    return full[:-1], labels


def log_mel(samples: np.ndarray, extractor: Any) -> np.ndarray:
    """faster-whisper's log-mel features of a clip, padded or cut to 30 s (3000 frames)."""
    from faster_whisper.audio import pad_or_trim

    return pad_or_trim(extractor(samples))


def encode(encoder: Any, features: Any) -> Any:
    """``encoder``'s last hidden state for ``features`` (``(batch, mels, frames)``) of any even window.

    transformers' ``WhisperEncoder.forward`` refuses anything but 3000 frames and adds its whole
    1500-position table; this is the same computation (convolutions, positions, layers, final norm) with
    the table sliced to the window's positions, as CTranslate2 does for a short window. The model itself
    is not changed, so a checkpoint is exported with the full table.
    """
    from torch import nn

    hidden = nn.functional.gelu(encoder.conv1(features))
    hidden = nn.functional.gelu(encoder.conv2(hidden)).permute(0, 2, 1)
    if hidden.shape[1] > encoder.embed_positions.num_embeddings:
        raise TuneforkError(f"a window of {features.shape[-1]} frames is longer than Whisper's 30 s")
    hidden = hidden + encoder.embed_positions.weight[: hidden.shape[1]]
    hidden = nn.functional.dropout(hidden, p=encoder.dropout, training=encoder.training)
    for layer in encoder.layers:
        hidden = layer(hidden, None)
        if isinstance(hidden, tuple):  # transformers 4.x layers return (hidden_states, attentions)
            hidden = hidden[0]
    return encoder.layer_norm(hidden)


def greedy_decode(model: Any, model_dir: str | Path, samples: np.ndarray, max_tokens: int = 200) -> str:
    """Greedy no-timestamps transcript of one clip with a transformers Whisper model.

    Applies the same suppressed tokens as faster-whisper (from the CTranslate2 ``config.json``), so
    it checks that a converted model computes what the CTranslate2 original computes.
    """
    import json

    import torch
    from faster_whisper.feature_extractor import FeatureExtractor

    tokens = WhisperTokens(model_dir, model.config.vocab_size)
    config_path = Path(model_dir) / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    suppress = torch.tensor([i for i in config.get("suppress_ids", []) if i >= 0], dtype=torch.long)
    suppress_begin = torch.tensor(config.get("suppress_ids_begin", []), dtype=torch.long)
    features = torch.from_numpy(log_mel(samples, FeatureExtractor(feature_size=model.config.num_mel_bins)))[None]
    prefix = [*tokens.sot_sequence, tokens.no_timestamps]
    ids = list(prefix)
    model.eval()
    with torch.no_grad():
        encoded = model.model.encoder(features).last_hidden_state
        for _ in range(max_tokens):
            logits = model(encoder_outputs=(encoded,), decoder_input_ids=torch.tensor([ids])).logits[0, -1]
            logits[suppress] = -np.inf
            if len(ids) == len(prefix):
                logits[suppress_begin] = -np.inf
            logits[tokens.timestamp_begin :] = -np.inf
            next_id = int(torch.argmax(logits))
            if next_id == tokens.eot:
                break
            ids.append(next_id)
    return tokens.decode(ids[len(prefix) :])


def choose_heldout(count: int, requested: int | None) -> int:
    """How many clips to hold out: ``requested``, or about 12% (2 to 12), none below 6 clips."""
    if requested is not None:
        return max(0, min(requested, count - 1))
    if count < 6:
        return 0
    return min(12, max(2, round(count * 0.12)))


def sentence_words(text: str) -> set[str]:
    """The lowercased words of ``text`` (letters, digits, apostrophes and hyphens)."""
    return set(re.findall(r"[\w'-]+", text.lower()))


def split_heldout(clips: Sequence[Clip], held: int, rng: np.random.Generator) -> tuple[list[Clip], list[Clip]]:
    """``(held_out, train)``: whole sentences (every clip of a transcript) held out until ``held`` clips are.

    Sentences in random order; first only those each of whose words a sentence left for training still holds,
    then (when that gave too few clips) any. At least one clip is always left for training.
    """
    groups: dict[str, list[int]] = {}
    for index, clip in enumerate(clips):
        groups.setdefault(" ".join(clip.text.lower().split()), []).append(index)
    counts: dict[str, int] = {}
    for text in groups:
        for word in sentence_words(text):
            counts[word] = counts.get(word, 0) + 1
    texts = list(groups)
    order = [texts[i] for i in rng.permutation(len(texts))]
    chosen: list[str] = []
    size = 0  # clips of the chosen sentences
    for only_covered in (True, False):
        for text in order:
            if size >= held or text in chosen or size + len(groups[text]) >= len(clips):
                continue
            if only_covered and any(counts[word] < 2 for word in sentence_words(text)):
                continue
            chosen.append(text)
            size += len(groups[text])
            for word in sentence_words(text):
                counts[word] -= 1
    taken = {i for text in chosen for i in groups[text]}
    return [clips[i] for i in sorted(taken)], [clip for i, clip in enumerate(clips) if i not in taken]


@dataclass
class HeldoutTally:
    """Word errors and reference words summed over the held-out clips decoded so far."""

    errors: int = 0
    words: int = 0
    clips: int = 0

    @property
    def wer(self) -> float:
        """Corpus WER of the clips counted, as ``score_corpus`` computes it over them."""
        return error_rate(self.errors, self.words)


def tally_heldout(scores: Iterable[tuple[int, int]], tally: HeldoutTally, stop_above: int | None = None) -> bool:
    """Add each clip's ``(errors, words)`` to ``tally`` while its errors do not exceed ``stop_above``.

    ``scores`` is pulled one clip at a time and not at all once ``tally`` is already over the limit, so the clips
    after the limit is passed are never decoded. Returns True when ``scores`` ran out within the limit, False once
    the errors exceed it. Errors only grow, so a model stopped early has more errors than ``stop_above`` on the
    full set too: on the same reference words, a higher WER.
    """
    clips = iter(scores)
    while stop_above is None or tally.errors <= stop_above:
        score = next(clips, None)
        if score is None:
            return True
        tally.errors += score[0]
        tally.words += score[1]
        tally.clips += 1
    return False


def evaluation_reserve(history: Sequence[EpochRecord], first_s: float = 0.0) -> float:
    """Seconds the time budget keeps back for writing and evaluating the last checkpoint.

    The most that evaluating a fine-tuned checkpoint took, once one was evaluated (it varies with the load: 10.7 s
    and then 20.1 s on one run, ``bench/RESULTS.md``); before, ``first_s``: the estimate of evaluating the first
    checkpoint and the rest of the base model, which follows it (the base's full evaluation at the rate of its
    probe clips; the base is usually the dearer one to evaluate, 24-60 s against 8-22 s for a checkpoint).
    """
    tuned = [record.eval_seconds for record in history if record.epoch > 0]
    return max(tuned) if tuned else first_s


def _precision(requested: str) -> str:
    import torch

    if requested == "auto":
        supported = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
        return "bf16" if supported else "none"
    if requested not in {"bf16", "none"}:
        raise TuneforkError(f"mixed_precision must be auto, bf16 or none, not {requested!r}")
    return requested


class Finetuner:
    """One fine-tuning run; call :meth:`run`."""

    def __init__(
        self,
        base_dir: str | Path,
        clips: Sequence[Clip],
        config: FinetuneConfig,
        work_dir: Path,
        evaluate: Evaluator,
        hotwords: str = "",
        progress: StepProgress | None = None,
    ) -> None:
        if not clips:
            raise TuneforkError("fine-tuning needs at least one (audio, transcript) clip")
        self.base_dir = Path(base_dir)
        self.config = config
        self.work_dir = work_dir
        self.evaluate = evaluate
        self.hotwords = hotwords
        self.progress = progress or (lambda done, total, description: None)
        self.rng = np.random.default_rng(config.seed)
        held = choose_heldout(len(clips), config.held_out)
        self.heldout, self.train_clips = split_heldout(clips, held, self.rng)
        self._base = HeldoutTally()  # the base model's held-out errors so far (:meth:`_probe_base`)
        self._first_reserve = 0.0  # kept back until the first checkpoint's evaluation is measured

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train_clips) / self.config.batch_size)

    @property
    def total_steps(self) -> int:
        """The steps of every epoch asked (progress counts them; a time budget may stop sooner)."""
        return self.config.epochs * self.steps_per_epoch

    def run(self) -> FinetuneResult:
        """Train, evaluate each epoch's checkpoint, keep the best; return the result."""
        import torch

        start = time.monotonic()
        threads = torch.get_num_threads()
        if self.config.threads:
            torch.set_num_threads(self.config.threads)
        torch.manual_seed(self.config.seed)
        try:
            return self._run(start)
        except MemoryError as exc:
            raise TuneforkError("fine-tuning ran out of memory: use fewer or shorter clips, or batch_size 4") from exc
        except RuntimeError as exc:
            if "memory" in str(exc).lower() or "alloc" in str(exc).lower():
                raise TuneforkError(f"fine-tuning ran out of memory ({exc}); try batch_size 4") from exc
            raise
        finally:
            torch.set_num_threads(threads)

    def _run(self, start: float) -> FinetuneResult:
        import torch
        from faster_whisper.feature_extractor import FeatureExtractor

        model = load_transformers_model(self.base_dir)
        self.tokens = WhisperTokens(self.base_dir, model.config.vocab_size)
        self.extractor = FeatureExtractor(feature_size=model.config.num_mel_bins)
        self.prompt = self.tokens.encode(self.hotwords) if self.hotwords else []
        precision = _precision(self.config.mixed_precision)
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.config.learning_rate)
        total_steps = self.total_steps
        held_out = f"{len(self.heldout)} held-out clips"
        if self.heldout:
            self.progress(0, total_steps, f"fine-tuning: decoding the base model on {held_out}")
        history = [self._probe_base(model, precision)]
        steps = 0
        stopped = False
        for epoch in range(1, self.config.epochs + 1):
            if steps and self._out_of_time(start, history, (time.monotonic() - start) / steps):
                stopped = True  # no time for a step and its evaluation: the last epoch's checkpoint is final
                break
            epoch_start = time.monotonic()
            model.train()
            losses: list[float] = []
            order = self.rng.permutation(len(self.train_clips))
            for first in range(0, len(order), self.config.batch_size):
                batch = [self.train_clips[i] for i in order[first : first + self.config.batch_size]]
                losses.append(self._step(model, optimizer, batch, precision))
                steps += 1
                description = f"fine-tuning epoch {epoch}/{self.config.epochs}, loss {losses[-1]:.3f}"
                self.progress(steps, total_steps, description)
                if self._out_of_time(start, history):
                    stopped = True
                    break
            mean_loss = float(np.mean(losses))
            if self.heldout:
                self.progress(steps, total_steps, f"fine-tuning: decoding the epoch {epoch} checkpoint on {held_out}")
            history.append(self._score(model, epoch, steps, mean_loss, epoch_start, precision))
            self._finish_base(history, announce_at=steps)
            if stopped:
                break
        return self._finish(history, steps, start, stopped, precision)

    def _out_of_time(self, start: float, history: list[EpochRecord], ahead_s: float = 0.0) -> bool:
        """True when ``ahead_s`` more seconds and the last checkpoint's evaluation would overrun the budget."""
        budget = self.config.time_budget_s
        if not budget:
            return False
        return time.monotonic() - start + ahead_s + evaluation_reserve(history, self._first_reserve) > budget

    def _batch(self, clips: Sequence[Clip], train: bool) -> tuple[Any, Any, Any]:
        import torch

        features, inputs, labels = [], [], []
        for clip in clips:
            samples = augment(clip.samples, self.config.augment, self.rng) if train else clip.samples
            features.append(log_mel(samples, self.extractor))
            timestamps = (self.rng.random() < self.config.timestamp_fraction) if train else True
            use_prompt = bool(self.prompt) and train and self.rng.random() < self.config.prompt_fraction
            ids, target = build_example(
                self.tokens, clip.text, speech_end(samples), timestamps, self.prompt if use_prompt else None
            )
            inputs.append(ids)
            labels.append(target)
        width = max(len(ids) for ids in inputs)
        input_ids = torch.full((len(inputs), width), self.tokens.eot, dtype=torch.long)
        label_ids = torch.full((len(inputs), width), IGNORE_INDEX, dtype=torch.long)
        for row, (ids, target) in enumerate(zip(inputs, labels, strict=True)):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            label_ids[row, : len(target)] = torch.tensor(target)
        return torch.from_numpy(cut_to_window(np.stack(features))), input_ids, label_ids

    def _loss(self, model: Any, clips: Sequence[Clip], precision: str, train: bool) -> Any:
        import torch

        features, input_ids, labels = self._batch(clips, train)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            encoded = encode(model.model.encoder, features)
            logits = model(encoder_outputs=(encoded,), decoder_input_ids=input_ids).logits
        return torch.nn.functional.cross_entropy(
            logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE_INDEX
        )

    def _step(self, model: Any, optimizer: Any, batch: Sequence[Clip], precision: str) -> float:
        import torch

        loss = self._loss(model, batch, precision, train=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    def _heldout_loss(self, model: Any, precision: str) -> float | None:
        import torch

        if not self.heldout:
            return None
        model.eval()
        with torch.no_grad():
            losses = [
                float(self._loss(model, self.heldout[i : i + self.config.batch_size], precision, train=False))
                for i in range(0, len(self.heldout), self.config.batch_size)
            ]
        return float(np.mean(losses))

    def _probe_base(self, model: Any, precision: str) -> EpochRecord:
        """Epoch 0 before training: the base model's held-out loss and its decoding of the first probe clips.

        Sets the estimate the budget keeps back until the first checkpoint is evaluated: the base's whole evaluation
        at the probe's rate, what the first checkpoint and the rest of the base (:meth:`_finish_base`) will take.
        """
        started = time.monotonic()
        self._base = HeldoutTally()
        self._first_reserve = 0.0
        loss = None
        if self.heldout:
            loss = self._heldout_loss(model, precision)
            probe = self.heldout[:BASE_PROBE_CLIPS]
            decode_start = time.monotonic()
            tally_heldout(self.evaluate(str(self.base_dir), probe), self._base)
            per_clip = (time.monotonic() - decode_start) / len(probe)
            self._first_reserve = time.monotonic() - started + per_clip * (len(self.heldout) - len(probe))
        return self._base_record(loss, time.monotonic() - started)

    def _base_record(self, loss: float | None, seconds: float) -> EpochRecord:
        complete = self._base.clips == len(self.heldout)
        wer = self._base.wer if self.heldout and complete else None
        errors = self._base.errors if self.heldout else None
        return EpochRecord(0, 0, None, wer, loss, seconds, seconds, errors, self._base.clips)

    def _finish_base(self, history: list[EpochRecord], announce_at: int | None = None) -> None:
        """Decode the base on the held-out clips it has not been decoded on, until its errors exceed the best
        checkpoint's (it cannot win then) or the clips run out; update its record (``history[0]``). With
        ``announce_at`` (the steps taken), progress says so first."""
        base = history[0]
        if self._base.clips == len(self.heldout):
            return
        if announce_at is not None:
            clips = f"the rest of {len(self.heldout)} held-out clips"
            self.progress(announce_at, self.total_steps, f"fine-tuning: decoding the base model on {clips}")
        tuned = [record.heldout_errors for record in history[1:] if record.heldout_errors is not None]
        started = time.monotonic()
        rest = self.heldout[self._base.clips :]
        tally_heldout(self.evaluate(str(self.base_dir), rest), self._base, stop_above=min(tuned) if tuned else None)
        history[0] = self._base_record(base.heldout_loss, base.seconds + time.monotonic() - started)

    def _score(
        self, model: Any, epoch: int, steps: int, train_loss: float, epoch_start: float, precision: str
    ) -> EpochRecord:
        """Write the current weights as checkpoint ``epoch`` and evaluate it on every held-out clip."""
        eval_start = time.monotonic()
        directory = self._checkpoint_dir(epoch)
        save_ct2_model(model, self.base_dir, directory, self.config.quantization)
        tally = HeldoutTally()
        wer = loss = errors = None
        if self.heldout:
            tally_heldout(self.evaluate(str(directory), self.heldout), tally)
            wer, errors = tally.wer, tally.errors
            loss = self._heldout_loss(model, precision)
        end = time.monotonic()
        return EpochRecord(
            epoch, steps, train_loss, wer, loss, end - epoch_start, end - eval_start, errors, tally.clips
        )

    def _checkpoint_dir(self, epoch: int) -> Path:
        return self.work_dir / f"epoch_{epoch}"

    def _finish(
        self, history: list[EpochRecord], steps: int, start: float, stopped: bool, precision: str
    ) -> FinetuneResult:
        self._finish_base(history)  # no checkpoint was evaluated (no epochs): the base is decoded on every clip
        if self.heldout:
            scored = [record for record in history if record.heldout_wer is not None]
            best = min(scored, key=lambda r: (r.heldout_wer, r.heldout_loss, -r.epoch))
            selection = (
                "lowest held-out WER (held-out loss breaks ties); epoch 0 is the base model, whose decoding stops "
                "once its word errors exceed the first checkpoint's"
            )
        else:
            best = history[-1]
            selection = "last epoch (too few clips to hold any out)"
        for record in history:
            if record.epoch != best.epoch and record.epoch > 0:
                shutil.rmtree(self._checkpoint_dir(record.epoch), ignore_errors=True)
        model_dir = self._checkpoint_dir(best.epoch) if best.epoch > 0 else None
        return FinetuneResult(
            model_dir=model_dir,
            chosen_epoch=best.epoch,
            history=history,
            steps=steps,
            seconds=time.monotonic() - start,
            train_clips=len(self.train_clips),
            heldout_clips=len(self.heldout),
            stopped_by_time_budget=stopped,
            selection=selection,
            precision=precision,
        )
