"""End-to-end voice scores, and for every wrong intent or slot, whether speech or language caused it.

Each test item is parsed twice by the language model: from its reference text and from what the speech
model heard. The rule is the field's advice, fix an error at the lowest level that caused it:

- a wrong intent from audio is the speech model's fault (``asr``) when the language model gets it right
  from the reference text, else the language model's (``nlu``);
- a gold slot missed from audio is ``asr`` when the text parse finds it, else ``nlu``; a slot found from
  audio that is not gold is ``nlu`` when the text parse finds it too, else ``asr``.

For an ``asr`` intent error, the culprit words are the misrecognized stretches (aligned reference words
and what was heard) whose repair alone gives the right intent (all of them when no single repair does);
for an ``asr`` slot error, the misrecognized stretches inside the slot's value.

Slots are compared as ``(label, value)`` with the value normalized as WER's words are (case, punctuation,
numbers spelled out: ``9 p.m.`` and ``nine pm`` are one value), since character offsets and number formats
differ between the reference and the transcript.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tunefork.evaluation.alignment import AlignedPair
from tunefork.evaluation.normalizer import get_normalizer

Slot = tuple[str, str]


def slot_value(text: str) -> str:
    """A slot value as compared: normalized by the default WER normalizer (lower case, no punctuation, numbers,
    times and amounts in words), so a transcript's ``9 p.m.`` is the reference's ``nine pm``."""
    return get_normalizer()(text)


@dataclass(frozen=True)
class Parse:
    """What the language model decided for one text: the intent and the slots."""

    intent: str
    slots: frozenset[Slot]

    @classmethod
    def of(cls, text: str, answer: dict[str, Any], out_of_scope: str) -> Parse:
        """From a parse answer (``intent``, ``entities`` with ``start``/``end``/``label`` and the canonical ``value``,
        synonyms resolved) of ``text``: a slot is its label and value, so ``margarita`` heard for the annotated
        ``margherita`` is right where the model's synonyms resolve it (it was a miss and a spurious slot)."""
        slots = frozenset(
            (str(e["label"]), slot_value(str(e.get("value") or text[int(e["start"]) : int(e["end"])])))
            for e in answer.get("entities", [])
        )
        return cls(answer.get("intent") or out_of_scope, slots)


@dataclass
class VoiceItem:
    """One test utterance: its reference, what was heard, and the gold intent and slots."""

    id: str
    reference: str
    heard: str
    intent: str
    slots: frozenset[Slot]
    alignment: list[AlignedPair]


def error_stretches(alignment: Sequence[AlignedPair]) -> list[tuple[int, int]]:
    """``(start, end)`` index ranges of the alignment's maximal runs of errors."""
    stretches, start = [], None
    for index, pair in enumerate(alignment):
        if pair.op != "equal" and start is None:
            start = index
        elif pair.op == "equal" and start is not None:
            stretches.append((start, index))
            start = None
    if start is not None:
        stretches.append((start, len(alignment)))
    return stretches


def _words(alignment: Sequence[AlignedPair], stretch: tuple[int, int]) -> dict[str, str]:
    pairs = alignment[stretch[0] : stretch[1]]
    return {"said": " ".join(p.ref for p in pairs if p.ref), "heard": " ".join(p.hyp for p in pairs if p.hyp)}


def repaired(alignment: Sequence[AlignedPair], stretch: tuple[int, int]) -> str:
    """The heard text (normalized words) with one misrecognized stretch put back as it was said."""
    words = []
    for index, pair in enumerate(alignment):
        word = pair.ref if stretch[0] <= index < stretch[1] else pair.hyp
        if word:
            words.append(word)
    return " ".join(words)


def _intent_culprits(item: VoiceItem, reparse: Callable[[str], Parse]) -> list[dict[str, str]]:
    stretches = error_stretches(item.alignment)
    fixing = [s for s in stretches if reparse(repaired(item.alignment, s)).intent == item.intent]
    return [_words(item.alignment, s) for s in (fixing or stretches)]


def _slot_culprits(item: VoiceItem, slot: Slot) -> list[dict[str, str]]:
    value = set(get_normalizer()(slot[1]).split())  # the alignment's words are normalized
    return [
        _words(item.alignment, s)
        for s in error_stretches(item.alignment)
        if value & {p.ref for p in item.alignment[s[0] : s[1]] if p.ref}
    ]


def blame(
    item: VoiceItem, text: Parse, audio: Parse, reparse: Callable[[str], Parse], intents: bool = True
) -> list[dict[str, Any]]:
    """The errors of one item from audio, each with its blame (``asr`` or ``nlu``) and culprit words (``intents``:
    whether the language model decides intents at all). Where every word was heard right (WER's normalized words:
    ``4`` is ``four``) an error is the language model's, ``writtenForm``: it read the transcript's digits, case or
    punctuation otherwise than the reference's (it was blamed on speech, with no misheard word to show)."""
    errors: list[dict[str, Any]] = []
    if intents and audio.intent != item.intent:
        at = "asr" if text.intent == item.intent else "nlu"
        errors.append({
            "what": "intent", "expected": item.intent, "fromAudio": audio.intent, "fromText": text.intent,
            "blame": at, "words": _intent_culprits(item, reparse) if at == "asr" else [],
        })  # fmt: skip
    for slot in sorted(item.slots - audio.slots):
        at = "asr" if slot in text.slots else "nlu"
        errors.append({"what": "slot", "error": "missed", "slot": list(slot), "blame": at,
                       "words": _slot_culprits(item, slot) if at == "asr" else []})  # fmt: skip
    for slot in sorted(audio.slots - item.slots):
        at = "nlu" if slot in text.slots else "asr"
        errors.append({"what": "slot", "error": "spurious", "slot": list(slot), "blame": at, "words": []})
    if not error_stretches(item.alignment):  # every word heard right: the transcript's written form misled it
        for error in errors:
            if error["blame"] == "asr":
                error.update(blame="nlu", writtenForm=True)
    return errors


def _accuracy(items: list[VoiceItem], parses: list[Parse]) -> float:
    return round(sum(p.intent == i.intent for p, i in zip(parses, items, strict=True)) / len(items), 4)


def _f1(gold: Sequence[frozenset[Slot]], predicted: Sequence[frozenset[Slot]]) -> float | None:
    tp = sum(len(g & p) for g, p in zip(gold, predicted, strict=True))
    total = sum(len(g) for g in gold) + sum(len(p) for p in predicted)
    return round(2 * tp / total, 4) if total else None


@dataclass
class VoiceScores:
    """End-to-end scores of one speech model + language model pair on the test items."""

    speech_model: str
    language_model: str
    items: int
    wer: float
    intent_accuracy_audio: float | None
    intent_accuracy_text: float | None
    """``None`` for a language model that decides no intent (entities only): not 0, nor a score of "out of scope"."""
    slot_f1_audio: float | None
    slot_f1_text: float | None
    blame: dict[str, dict[str, int]]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "speechModel": self.speech_model, "languageModel": self.language_model, "items": self.items,
            "wer": self.wer, "intentAccuracyFromAudio": self.intent_accuracy_audio,
            "intentAccuracyFromText": self.intent_accuracy_text, "slotF1FromAudio": self.slot_f1_audio,
            "slotF1FromText": self.slot_f1_text, "blame": self.blame, "errors": self.errors,
        }  # fmt: skip


def score_voice(
    names: tuple[str, str],
    wer: float,
    items: list[VoiceItem],
    text: list[Parse],
    audio: list[Parse],
    reparse: Callable[[str], Parse],
    intents: bool = True,
) -> VoiceScores:
    """Score the pair ``names`` (speech, language) and blame every error (``intents``: whether the language model
    decides intents; a model of entities only was scored 3.9% intent accuracy, each answer "out of scope")."""
    errors, counts = [], {"intent": {"asr": 0, "nlu": 0}, "slot": {"asr": 0, "nlu": 0}}
    for item, from_text, from_audio in zip(items, text, audio, strict=True):
        for error in blame(item, from_text, from_audio, reparse, intents):
            counts[error["what"]][error["blame"]] += 1
            errors.append({"id": item.id, "said": item.reference, "heard": item.heard, **error})
    n = len(items)
    has_slots = any(item.slots for item in items)
    return VoiceScores(
        speech_model=names[0],
        language_model=names[1],
        items=n,
        wer=round(wer, 4),
        intent_accuracy_audio=_accuracy(items, audio) if intents else None,
        intent_accuracy_text=_accuracy(items, text) if intents else None,
        slot_f1_audio=_f1([i.slots for i in items], [a.slots for a in audio]) if has_slots else None,
        slot_f1_text=_f1([i.slots for i in items], [t.slots for t in text]) if has_slots else None,
        blame=counts,
        errors=errors,
    )
