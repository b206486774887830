"""Two-pass hotword decoding: keep what the hotword prompt changes only where it brings a domain term.

A hotword prompt (:mod:`.biasing`) fixes domain terms but also pulls general speech toward the
prompt's words ("the back door" -> "mezzanine or"): on the quick benchmark's guard clips it took
general WER from 14.5% to about 21%. So the custom model first decodes as the base model would (no
prompt). Only when that hypothesis has a span that sounds somewhat like a hotword item
(:meth:`TermSounds.near_miss`) does it decode again with the prompt, sharing the audio encoder
(:meth:`tunefork.speech.whisper_engine.WhisperEngine.with_hotwords`). :func:`merge_passes` aligns
the two word sequences; the prompted hypothesis wins only when, where the passes differ, it holds a
hotword item that the plain words there lack *and* the plain words there sound like that item (the
plain pass's own hearing must agree with the term the prompt proposes). A general sentence thus
comes out exactly as the plain decoding gives it, and a domain sentence keeps the terms the prompt
brought.

:data:`MAX_DISTANCE` (phone edit distance per term phone) was read off the first 60 guard clips and 24
pharmacy and 24 maintenance clips decoded both ways (``bench/RESULTS.md``): terms the prompt wrongly put into general
speech were at 0.71-0.88 from the plain words, right domain terms mostly at 0.0-0.64.
Digits are compared as said in model numbers (:func:`.phonetic.spoken_numbers`: "K-450" sounds like "KT-450"), and a
term with a digit is found across the words Whisper splits it into ("KT", "-450,"): on the quick bench's
maintenance domain this took term recall from 26.7% to 40.0%, general speech unchanged (``bench/RESULTS.md``).

Measured per missed term occurrence with ``bench/term_losses.py`` (``bench/RESULTS.md``), most misses were prompted
passes that nearly spelled the term ("atormastatin", "H-Mac"). So before the merge, the prompted words where the
passes differ (:func:`changed_words`: where the prompt moved the decoding) are corrected toward the terms like the
final correction, but up to :data:`PROMPTED_MAX_DISTANCE` (a multi-word term is then split again into its words,
:func:`one_word_per_token`); the merge's check that the plain words sound like the term still applies.

A fine-tuned model has heard its terms (in synthesized or recorded speech), and its plain pass often writes a term
as words that do not sound like it ("clop andodll"): the check that the plain words sound like the term then keeps
the plain words where the prompted pass was right. So for fine-tuned weights the merge skips that check
(``check_sound`` False; the trainer's ``merge_check_sound`` option, auto): the prompted pass wins wherever it brings a
term the plain words lack. Measured on the three benchmark domains' fine-tuned defaults (``bench/RESULTS.md``): term
recall 66.2 -> 76.4% (pharmacy), 96.6 -> 99.4% (maintenance), 95.2 -> 97.1% (aviation), general WER on 80 guard
clips unchanged or lower (a term may replace a general word the plain pass already got wrong: "the drone" ->
"the Grundfos").

When the prompted hypothesis wins, every word where it differs from the plain one reports it in
:attr:`tunefork.speech.base.Word.replaced`: the first word of each differing region carries the plain
words it replaced (``""`` when the plain pass had nothing there), the other words of the region ``""``.
Plain words the prompted pass dropped are not reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from tunefork.speech.base import Word
from tunefork.speech.whisper_custom.phonetic import edit_distance, text_phones
from tunefork.speech.whisper_engine import word_key

MAX_DISTANCE = 0.65
"""Largest phone edit distance per term phone between a term and the plain words it may replace."""
MAX_SPAN_WORDS = 6
"""Longest run of plain words compared with one term."""
PROMPTED_MAX_DISTANCE = 0.45
"""Phonetic correction of the prompted pass before the merge, where it differs from the plain pass: the largest
phone edit distance per term phone ("atormastatin" -> "atorvastatin"). Read off the pharmacy and maintenance passes
(``bench/RESULTS.md``: 0.45 and 0.5 changed no guard clip, 0.6 eight of pharmacy's 240)."""

Opcode = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class SoundTerm:
    """A hotword item as word tokens (``("grundfos", "pump")``) and the phones it is spoken with."""

    tokens: tuple[str, ...]
    phones: tuple[str, ...]


class TermSounds:
    """The hotword items, how they are written and how they sound (pronunciation entries: their spoken form)."""

    def __init__(self, items: Iterable[str], pronunciations: Iterable[tuple[str, str]] = ()) -> None:
        spoken = {word_key(display): said for display, said in pronunciations}
        found: dict[tuple[str, ...], SoundTerm] = {}
        for item in items:
            tokens = tuple(token for token in (word_key(word) for word in item.split()) if token)
            phones = text_phones(spoken.get(" ".join(tokens), item)) if tokens else ()
            if phones and tokens not in found:
                found[tokens] = SoundTerm(tokens, phones)
        self.terms = list(found.values())
        self._by_tokens = found
        self._lengths = sorted({len(tokens) for tokens in found})

    def __len__(self) -> int:
        return len(self.terms)

    def spans(self, tokens: list[str]) -> list[tuple[int, int, SoundTerm]]:
        """Every ``(start, end, term)`` where ``tokens[start:end]`` spells a term (a term with a digit also
        when Whisper split it into words: "KT", "-450" spell "KT-450", :func:`_split_spelling`)."""
        found = [
            (start, start + size, self._by_tokens[tuple(tokens[start : start + size])])
            for start in range(len(tokens))
            for size in self._lengths
            if tuple(tokens[start : start + size]) in self._by_tokens
        ]
        for term in self.terms:
            if _has_digit(term.tokens):
                found += [(start, end, term) for start, end in _split_spelling(tokens, term.tokens)]
        return sorted(set(found), key=lambda span: (span[0], span[1]))

    def near_miss(self, tokens: list[str], uncertain: list[bool] | None = None) -> bool:
        """True when some span of ``tokens`` sounds like a term (:func:`sounds_like`) without spelling it;
        with ``uncertain`` (one flag per token), only spans holding an uncertain token count."""
        return any(
            sounds_like(term, tokens, 0, len(tokens), skip_spelled=True, uncertain=uncertain) for term in self.terms
        )


def sounds_like(
    term: SoundTerm,
    tokens: list[str],
    low: int,
    high: int,
    skip_spelled: bool = False,
    uncertain: list[bool] | None = None,
) -> bool:
    """True when a span of ``tokens[low:high]`` (up to :data:`MAX_SPAN_WORDS` words) is within
    :data:`MAX_DISTANCE` of ``term``'s phones; with ``skip_spelled`` a span holding the term does not count,
    with ``uncertain`` (a flag per token) nor does one without an uncertain token."""
    limit = MAX_DISTANCE * len(term.phones)
    for start in range(low, high):
        for end in range(start + 1, min(high, start + MAX_SPAN_WORDS) + 1):
            if skip_spelled and _spells(tokens[start:end], term.tokens):
                continue
            if uncertain is not None and not any(uncertain[start:end]):
                continue
            phones = text_phones(" ".join(tokens[start:end]))
            if len(phones) - len(term.phones) > limit:
                break
            if abs(len(phones) - len(term.phones)) <= limit and edit_distance(phones, term.phones) <= limit:
                return True
    return False


def _spells(tokens: list[str], term: tuple[str, ...]) -> bool:
    """True when ``tokens`` hold ``term`` spelled out (a term with a digit also split into words)."""
    if any(tuple(tokens[i : i + len(term)]) == term for i in range(len(tokens) - len(term) + 1)):
        return True
    return _has_digit(term) and bool(_split_spelling(tokens, term))


def _has_digit(term: tuple[str, ...]) -> bool:
    return any(ch.isdigit() for token in term for ch in token)


def _split_spelling(tokens: list[str], term: tuple[str, ...]) -> list[tuple[int, int]]:
    """``(start, end)`` of runs of two or more of ``tokens`` that, joined, spell ``term`` joined: Whisper writes
    "KT-450" as the words "KT" and "-450" (word keys "kt", "450"). Only used for terms with a digit, where
    such a split is how the term is written, not another phrase."""
    key = "".join(term)
    runs = []
    for start in range(len(tokens)):
        joined = tokens[start]
        for end in range(start + 2, min(len(tokens), start + MAX_SPAN_WORDS) + 1):
            joined += tokens[end - 1]
            if len(joined) > len(key) or not key.startswith(joined):
                break
            if joined == key:
                runs.append((start, end))
    return runs


def changed_words(plain: list[Word], prompted: list[Word]) -> list[bool]:
    """A flag per prompted word: True where the prompted pass differs from the plain one (aligned by
    :func:`word_key`), i.e. where the hotword prompt changed what was decoded."""
    plain_tokens = [word_key(word.text) for word in plain]
    prompted_tokens = [word_key(word.text) for word in prompted]
    changed = [False] * len(prompted)
    for tag, _, _, h_start, h_end in SequenceMatcher(None, plain_tokens, prompted_tokens, autojunk=False).get_opcodes():
        if tag != "equal":
            changed[h_start:h_end] = [True] * (h_end - h_start)
    return changed


def one_word_per_token(words: list[Word]) -> list[Word]:
    """``words`` with each word holding spaces (a multi-word term a correction wrote, "First Officer Okafor") split into
    one word per token, the time shared evenly, so that :func:`merge_passes` finds the term's tokens."""
    split: list[Word] = []
    for word in words:
        tokens = word.text.split()
        step = (word.end - word.start) / max(len(tokens), 1)
        for i, token in enumerate(tokens):
            start = word.start + i * step
            replaced = word.replaced if i == 0 else ("" if word.replaced is not None else None)
            split.append(Word(token, start, start + step, word.confidence, replaced=replaced))
    return split


def merge_passes(
    plain: list[Word], prompted: list[Word], sounds: TermSounds, check_sound: bool = True
) -> list[Word] | None:
    """The prompted words, when they bring a term the plain words lack; else ``None`` (keep the plain words).

    The passes are aligned word by word (:class:`difflib.SequenceMatcher` on :func:`word_key`). The
    prompted pass wins when, in a region where the passes differ, a term occurrence of the prompted
    words is missing from the plain words aligned with it (one word wider on each side) and, with
    ``check_sound`` (the base model's weights; see :data:`MAX_DISTANCE`), those plain words sound like it. It then
    wins for the whole utterance (measured: 65.2% domain WER on pharmacy against 67.0% when only the regions
    holding a term were taken, the guard clips the same); each word of a region where the passes differ carries the
    plain words in ``replaced``.
    """
    plain_tokens = [word_key(word.text) for word in plain]
    prompted_tokens = [word_key(word.text) for word in prompted]
    spans = sounds.spans(prompted_tokens)
    if not spans:
        return None
    opcodes = SequenceMatcher(None, plain_tokens, prompted_tokens, autojunk=False).get_opcodes()
    differing = [op for op in opcodes if op[0] != "equal"]
    if not any(_brings_term(spans, opcodes, plain_tokens, op[3], op[4], check_sound) for op in differing):
        return None
    merged = list(prompted)
    for _, p_start, p_end, h_start, h_end in differing:
        replaced = " ".join(word.text for word in plain[p_start:p_end])
        for index in range(h_start, h_end):
            word = prompted[index]
            text = replaced if index == h_start else ""
            merged[index] = Word(word.text, word.start, word.end, word.confidence, replaced=text)
    return merged


def _brings_term(
    spans: list[tuple[int, int, SoundTerm]],
    opcodes: list[Opcode],
    plain_tokens: list[str],
    h_start: int,
    h_end: int,
    check_sound: bool = True,
) -> bool:
    """True when a term occurrence overlapping prompted words ``[h_start, h_end)`` is missing from the plain words
    aligned with it (and, with ``check_sound``, they sound like it)."""
    for start, end, term in spans:
        if start < h_end and end > h_start:
            aligned = [op for op in opcodes if op[3] < end and op[4] > start]
            low = max(0, min(op[1] for op in aligned) - 1)
            high = min(len(plain_tokens), max(op[2] for op in aligned) + 1)
            if _spells(plain_tokens[low:high], term.tokens):
                continue
            if not check_sound or sounds_like(term, plain_tokens, low, high):
                return True
    return False
