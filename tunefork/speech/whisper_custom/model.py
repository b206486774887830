"""The served custom Whisper model: faster-whisper with hotwords (two passes), n-best term rescoring, display
forms, phonetic correction."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.speech.base import Transcript, Word
from tunefork.speech.bundled import BUNDLED_WHISPER, BUNDLED_WHISPER_BASE, whisper_base_available
from tunefork.speech.whisper_custom.biasing import SEPARATOR
from tunefork.speech.whisper_custom.display_forms import DisplayFormRewriter
from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector
from tunefork.speech.whisper_custom.selection import (
    PROMPTED_MAX_DISTANCE,
    TermSounds,
    changed_words,
    merge_passes,
    one_word_per_token,
)
from tunefork.speech.whisper_custom.trie import (
    DEFAULT_TERM_BEAM_SIZE,
    DEFAULT_TERM_BONUS,
    Rescorer,
    TermRescoring,
    TermTrie,
)
from tunefork.speech.whisper_engine import (
    WhisperEngine,
    bundled_base_path,
    bundled_tiny_en_path,
    cut_words,
    word_key,
)


def base_model_location(base_model: str) -> str:
    """What :class:`WhisperEngine` needs for a Whisper base model name (a directory, size or repo id).

    ``whisper-tiny.en`` is the bundled directory, and so is ``whisper-base`` when its packages are
    installed; ``whisper-<size>`` is a faster-whisper size and ``hf:<owner>/<repo>`` a hub repository
    (both download on first use, and fail clearly offline).
    """
    if base_model == BUNDLED_WHISPER:
        return bundled_tiny_en_path()
    if base_model == BUNDLED_WHISPER_BASE and whisper_base_available():
        return bundled_base_path()
    if base_model.startswith("hf:"):
        return base_model[3:]
    if base_model.startswith("whisper-"):
        return base_model[len("whisper-") :]
    raise TuneforkError(f"{base_model!r} is not a Whisper base model (try {BUNDLED_WHISPER})")


def token_counter(model_dir: str | Path) -> Callable[[str], int]:
    """``count(text)``: how many tokens the model's ``tokenizer.json`` spells ``text`` with."""
    import tokenizers

    path = Path(model_dir) / "tokenizer.json"
    if not path.is_file():
        raise TuneforkError(f"{model_dir} has no tokenizer.json")
    tokenizer = tokenizers.Tokenizer.from_file(str(path))

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    return count


HOTWORD_HALLUCINATION_PROBABILITY = 0.01
"""A hotword at the very end of a transcript with a lower word probability is dropped."""


def drop_trailing_hotwords(text: str, words: list[Word], hotwords: str | None) -> tuple[str, list[Word]]:
    """Remove hotwords the decoder appended after the speech (``"... from here? clopidogrel,"``).

    After the last spoken word, a hotword prompt invites the decoder to continue the list: the
    appended word is the prompt's, with a word probability around 0.0003. Only a trailing run of
    words that are hotwords *and* below :data:`HOTWORD_HALLUCINATION_PROBABILITY` is removed.
    """
    if not hotwords or not words:
        return text, words
    items = {word_key(item) for item in hotwords.split(",") if word_key(item)}
    keep = len(words)
    while (
        keep
        and words[keep - 1].confidence < HOTWORD_HALLUCINATION_PROBABILITY
        and word_key(words[keep - 1].text) in items
    ):
        keep -= 1
    return cut_words(text, words, keep)


class BiasedWhisperEngine(WhisperEngine):
    """:class:`WhisperEngine` that also drops a hotword the decoder appended after the speech, and can rescore
    its beam searches' n-best lists toward terms (:meth:`with_rescorer`)."""

    rescorer: Rescorer | None = None

    def finish(self, text: str, words: list[Word]) -> tuple[str, list[Word]]:
        """Drop hallucinated endings, then a hotword the decoder appended at the very end."""
        return drop_trailing_hotwords(*super().finish(text, words), self.hotwords)

    def term_trie(self, items: Iterable[str]) -> TermTrie:
        """The prefix trie of ``items`` in this model's tokens (:class:`TermTrie`)."""
        return TermTrie.for_tokenizer(items, self._model.hf_tokenizer)

    def with_rescorer(self, rescorer: Rescorer | None) -> BiasedWhisperEngine:
        """This engine (sharing its model) with its beam searches rescored by ``rescorer`` (:class:`TermRescoring`)."""
        if rescorer is not None and not isinstance(self._model.model, TermRescoring):
            self._model.model = TermRescoring(self._model.model)
        view = copy.copy(self)
        view.rescorer = rescorer
        return view

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """:meth:`WhisperEngine.transcribe`, the beam searches rescored when this engine has a rescorer."""
        with TermRescoring.active(self.rescorer):
            return super().transcribe(samples)


@dataclasses.dataclass(frozen=True)
class DecodingStages:
    """What each stage of :meth:`CustomWhisperModel.stages` gave for one utterance."""

    first: Transcript
    """The first pass (plain with two passes, else hotword-prompted), display forms rewritten."""
    triggered: bool
    """Whether the first pass sounded like a term it did not spell (the second pass's trigger)."""
    prompted: Transcript | None
    """The hotword-prompted second pass, display forms rewritten (None when it did not run)."""
    merged: Transcript
    """The two passes merged (the first pass when the prompted one brought no term)."""
    final: Transcript
    """After phonetic correction: what :meth:`CustomWhisperModel.transcribe` returns."""


class CustomWhisperModel:
    """A (possibly fine-tuned) Whisper model decoding with hotwords and rewriting display forms.

    With ``two_pass`` (the default) the hotwords only change an utterance where they bring a term
    the plain decoding heard but did not spell (:mod:`.selection`); without it every utterance is
    decoded with the hotword prompt. With ``term_rescoring`` the hotword-prompted decoding picks, among
    its beam's n-best hypotheses (``term_beam_size`` of them, from a beam that wide), the one best after
    a bonus of ``term_bonus`` per token of a complete hotword item (:mod:`.trie`); the plain pass is
    never rescored, so the two-pass guard still leaves general speech as the plain decoding gives it.
    With ``second_pass_confidence`` the second pass runs only when the span that sounds like a term
    holds a plain word of lower probability than that. With ``merge_check_sound`` False (fine-tuned weights) the
    prompted pass wins wherever it brings a term, whether or not the plain words there sound like it.
    ``transcribe`` has the :class:`~tunefork.speech.base.SpeechModel` contract; the underlying
    :class:`WhisperEngine` batches concurrent calls (not the rescored beam searches, which ask for several
    hypotheses).
    """

    engine = "whisper"

    def __init__(
        self,
        name: str,
        model_path_or_id: str,
        hotwords: str | None = None,
        rewriter: DisplayFormRewriter | None = None,
        corrector: PhoneticCorrector | None = None,
        compute_type: str = "int8",
        beam_size: int = 5,
        cpu_threads: int | None = None,
        two_pass: bool = True,
        term_rescoring: bool = False,
        term_bonus: float = DEFAULT_TERM_BONUS,
        second_pass_confidence: float | None = None,
        term_beam_size: int | None = DEFAULT_TERM_BEAM_SIZE,
        merge_check_sound: bool = True,
    ) -> None:
        self.name = name
        self.merge_check_sound = merge_check_sound
        self.second_pass_confidence = second_pass_confidence
        self.hotwords = hotwords or None
        self.rewriter = rewriter or DisplayFormRewriter([])
        self.corrector = corrector
        self.whisper = BiasedWhisperEngine(
            model_path_or_id,
            name=name,
            compute_type=compute_type,
            beam_size=beam_size,
            hotwords=self.hotwords,
            cpu_threads=cpu_threads,
        )
        self.plain: WhisperEngine | None = None
        self.sounds = TermSounds([])
        self.passes = [0, 0]
        """Utterances transcribed, and how many of them were decoded a second time (statistics, not locked)."""
        if two_pass and self.hotwords:
            self.plain = self.whisper.with_hotwords(None)
            spoken = [(rewrite.display, " ".join(rewrite.spoken)) for rewrite in self.rewriter.rewrites]
            self.sounds = TermSounds(self.hotwords.split(SEPARATOR), spoken)
        if term_rescoring and self.hotwords:
            trie = self.whisper.term_trie(self.hotwords.split(SEPARATOR))
            self.whisper = self.whisper.with_rescorer(Rescorer(trie, term_bonus, term_beam_size))

    def __repr__(self) -> str:
        path = self.whisper.model_path
        return f"CustomWhisperModel(name={self.name!r}, model={path!r}, rewrites={len(self.rewriter)})"

    def _near_miss(self, words: list[Word]) -> bool:
        """True when the plain words hold a span that sounds like a term (with ``second_pass_confidence``: a
        span holding a word the decoder was less sure of than that)."""
        limit = self.second_pass_confidence
        uncertain = None if limit is None else [word.confidence < limit for word in words]
        return self.sounds.near_miss([word_key(word.text) for word in words], uncertain)

    def stages(self, samples: np.ndarray, always_prompted: bool = False) -> DecodingStages:
        """Recognize one utterance and keep what each stage gave (:class:`DecodingStages`).

        The first pass is rewritten to display forms; where the two-pass trigger fires, the hotword-prompted
        pass too (with ``always_prompted``, for diagnosis, wherever there is a second pass to run: the merge
        still happens only where the trigger fired); then :meth:`combine`.
        """
        first = self.rewriter.apply((self.plain or self.whisper).transcribe(samples))
        self.passes[0] += 1
        triggered = self.plain is not None and self._near_miss(first.words)
        prompted = None
        if triggered or (always_prompted and self.plain is not None):
            self.passes[1] += int(triggered)
            prompted = self.rewriter.apply(self.whisper.transcribe(samples))
        return self.combine(first, triggered, prompted)

    def combine(self, first: Transcript, triggered: bool, prompted: Transcript | None) -> DecodingStages:
        """The decoded passes merged (only when ``triggered``; the prompted words corrected toward the terms where
        they differ from the first pass, :data:`.selection.PROMPTED_MAX_DISTANCE`, then
        :func:`.selection.merge_passes`), and the result corrected."""
        merged = first
        if triggered and prompted is not None:
            words = prompted.words
            if self.corrector:
                editable = changed_words(first.words, words)
                words = one_word_per_token(self.corrector.correct_words(words, PROMPTED_MAX_DISTANCE, editable))
            words = merge_passes(first.words, words, self.sounds, self.merge_check_sound)
            if words is not None:
                merged = dataclasses.replace(prompted, words=words)
        final = self.corrector.apply(merged) if self.corrector else merged
        return DecodingStages(first, triggered, prompted, merged, final)

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """Recognize one utterance, rewrite spoken forms to display forms, then correct near-miss terms."""
        return self.stages(samples).final
