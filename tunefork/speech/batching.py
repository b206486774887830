"""Decode concurrent Whisper requests together: a batching stand-in for CTranslate2's Whisper model.

faster-whisper runs its decoding loop (temperature fallback, no-speech and compression checks, hotword
prompts, word timings) in Python and calls the CTranslate2 model for the heavy steps. :class:`BatchingWhisper`
takes the model's place inside ``WhisperModel``: ``encode`` calls and beam-search ``generate`` calls that
arrive while the model is busy wait, and the next batch decodes them together (up to ``max_batch``). A call
that finds the model idle runs at once, so one client pays no waiting window. Every request keeps its own
decoding loop, so the choices tunefork makes (the fallback, thresholds, prompts, dropped endings) apply to each
as before.

Only calls that give the same result alone and in a batch are joined: ``encode`` of same-shaped features, and
``generate`` without sampling, of encoder outputs of the same shape (the window's length), with the same options
(``max_length`` included: beam search stops a hypothesis at it) and prompts of the same length. Sampling (the
fallback at temperature > 0), ``align`` and the rest go straight to the model. ``tests/test_speech_batching.py``
checks that batched transcripts equal the unbatched ones.

:class:`InferenceConfig` holds the CPU layout of a Whisper model: threads per decode, parallel decodes
(CTranslate2 workers) and the batch size, from ``TUNEFORK_WHISPER_*`` variables.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tunefork.config import env_int


@dataclass(frozen=True)
class InferenceConfig:
    """How one loaded Whisper model uses the CPU."""

    cpu_threads: int = 1
    """``TUNEFORK_WHISPER_THREADS``: CPU threads of one decode (CTranslate2 ``intra_threads``).

    One thread per decode and two decodes in parallel is the default: on an idle 2-core machine it served a
    3.6 s utterance in a p50 of 112-121 ms against 167-181 ms for one decode on 2 threads, and 8-10 requests/s at
    4 clients against 3.4-3.6, at 0.18-0.28 CPU s a request against 0.32-0.39 (a second thread on beam search's
    small steps mostly waits; ``bench/RESULTS.md``, "Endpoint load"). On a machine loaded by other jobs the two
    layouts tie at 4 clients and one request alone gets one thread."""
    workers: int = 2
    """``TUNEFORK_WHISPER_WORKERS``: decodes (batches) run in parallel (CTranslate2 ``inter_threads``)."""
    max_batch: int = 8
    """``TUNEFORK_WHISPER_BATCH``: most requests decoded together; 1 decodes one request at a time, in turn."""

    @classmethod
    def from_env(cls) -> InferenceConfig:
        """The configuration from ``TUNEFORK_WHISPER_*`` variables (defaults when unset)."""
        default = cls()
        return cls(
            cpu_threads=env_int("TUNEFORK_WHISPER_THREADS", default.cpu_threads, minimum=1),
            workers=env_int("TUNEFORK_WHISPER_WORKERS", default.workers, minimum=1),
            max_batch=env_int("TUNEFORK_WHISPER_BATCH", default.max_batch, minimum=1),
        )

    @property
    def serial(self) -> bool:
        """True when requests are decoded one at a time, in turn (no batching, one worker)."""
        return self.max_batch == 1 and self.workers == 1


@dataclass
class _Call:
    """One caller's part of a batch: its inputs, then its result (or error); ``batch`` when it runs one."""

    inputs: Any
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    batch: list[_Call] | None = None


class Coalescer:
    """Runs calls of the same key together: a caller that finds a free slot runs at once, the ones arriving while
    every slot is busy form the next batches.

    ``run_batch(key, inputs)`` gets the inputs of up to ``max_batch`` calls and returns one result per input. Up
    to ``parallel`` batches of one key run at once (one per CTranslate2 worker). A caller that finds fewer
    running leads: it runs its batch, then hands its slot, with the next batch, to the first waiting caller (if
    any) and returns; the others wait for their result.
    """

    def __init__(
        self, run_batch: Callable[[Hashable, list[Any]], list[Any]], max_batch: int, parallel: int = 1
    ) -> None:
        self.run_batch, self.max_batch, self.parallel = run_batch, max_batch, parallel
        self._lock = threading.Lock()
        self._waiting: dict[Hashable, list[_Call]] = {}
        self._running: dict[Hashable, int] = {}
        self.batch_sizes: list[int] = []
        """Size of every batch run, in order (for tests and benchmarks)."""

    def submit(self, key: Hashable, inputs: Any) -> Any:
        """The result for ``inputs``, computed in a batch with the calls of the same ``key`` waiting now."""
        call = _Call(inputs)
        with self._lock:
            self._waiting.setdefault(key, []).append(call)
            if self._running.get(key, 0) < self.parallel:  # nobody waits while a slot is free: the batch is [call]
                self._running[key] = self._running.get(key, 0) + 1
                call.batch = self._next_batch(key)
        if call.batch is None:
            call.done.wait()  # woken with a result, or with a batch to run
        if call.batch is not None:
            self._lead(key, call.batch)
        if call.error is not None:
            raise call.error
        return call.result

    def _next_batch(self, key: Hashable) -> list[_Call]:
        waiting = self._waiting[key]
        batch, waiting[:] = waiting[: self.max_batch], waiting[self.max_batch :]
        self.batch_sizes.append(len(batch))
        return batch

    def _lead(self, key: Hashable, batch: list[_Call]) -> None:
        try:
            results = self.run_batch(key, [call.inputs for call in batch])
            for call, result in zip(batch, results, strict=True):
                call.result = result
        except BaseException as exc:  # every caller of the batch gets the error
            for call in batch:
                call.error = exc
        successor = None
        with self._lock:
            if self._waiting[key]:
                following = self._next_batch(key)
                successor = following[0]
                successor.batch = following
            else:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key], self._waiting[key]
        for call in batch:
            call.batch = None
            call.done.set()
        if successor is not None:
            successor.done.set()


def _storage(array: np.ndarray) -> Any:
    import ctranslate2

    return ctranslate2.StorageView.from_array(np.ascontiguousarray(array))


class BatchingWhisper:
    """A ``ctranslate2.models.Whisper`` whose concurrent ``encode`` and beam-search ``generate`` calls are batched.

    Up to ``parallel`` batches of each kind run at once (one per CTranslate2 worker, ``inter_threads``). Anything
    else (``align``, ``detect_language``, attributes) is the wrapped model's.
    """

    def __init__(self, model: Any, max_batch: int, parallel: int = 1) -> None:
        self.model = model
        self._encoder = Coalescer(self._encode_batch, max_batch, parallel)
        self._decoder = Coalescer(self._generate_batch, max_batch, parallel)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    @property
    def batch_sizes(self) -> dict[str, list[int]]:
        """Size of every ``encode`` and ``generate`` batch run so far."""
        return {"encode": self._encoder.batch_sizes, "generate": self._decoder.batch_sizes}

    def encode(self, features: Any, to_cpu: bool = False) -> Any:
        """The encoder output of ``features`` (batch of 1), computed with the other waiting requests'."""
        array = np.asarray(features)
        if array.ndim != 3 or array.shape[0] != 1:
            return self.model.encode(features, to_cpu=to_cpu)
        return self._encoder.submit((array.shape, to_cpu), array)

    def _encode_batch(self, key: Hashable, arrays: list[np.ndarray]) -> list[Any]:
        _shape, to_cpu = key  # type: ignore[misc]
        output = self.model.encode(_storage(np.concatenate(arrays)), to_cpu=to_cpu)
        if len(arrays) == 1:
            return [output]
        encoded = np.asarray(output)
        return [_storage(encoded[i : i + 1]) for i in range(len(arrays))]

    def generate(self, encoder_output: Any, prompts: list[list[int]], **options: Any) -> list[Any]:
        """Beam search for one request, run with the other waiting requests of the same options."""
        batchable = len(prompts) == 1 and "sampling_topk" not in options and options.get("num_hypotheses", 1) == 1
        if not batchable:
            return self.model.generate(encoder_output, prompts, **options)
        # the window's length too: a 30 s window and a shorter last one cannot share a beam search (a review's
        # long clips without speech, same prompt, failed with 500 when they met)
        shape = tuple(np.asarray(encoder_output).shape)
        options_key = tuple(sorted((name, _hashable(value)) for name, value in options.items()))
        return [self._decoder.submit((shape, len(prompts[0]), options_key), (encoder_output, prompts[0]))]

    def _generate_batch(self, key: Hashable, calls: list[tuple[Any, list[int]]]) -> list[Any]:
        options = {name: value for name, value in key[2]}  # type: ignore[index]
        if len(calls) == 1:
            encoder_output = calls[0][0]
        else:
            encoder_output = _storage(np.concatenate([np.asarray(output) for output, _ in calls]))
        return self.model.generate(encoder_output, [prompt for _, prompt in calls], **options)


def _hashable(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value
