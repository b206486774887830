"""Term-aware n-best rescoring: a prefix trie of the hotword items' Whisper tokens (no model is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tunefork.speech.base import Word
from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector, spoken_numbers
from tunefork.speech.whisper_custom.selection import TermSounds, merge_passes
from tunefork.speech.whisper_custom.trainer import WhisperOptions
from tunefork.speech.whisper_custom.trie import Hypothesis, Rescorer, TermRescoring, TermTrie, rescore, rescored
from tunefork.speech.whisper_engine import bundled_tiny_en_path

TERMS = ["hydrochlorothiazide", "INR", "KT-450", "Grundfos pump"]


@pytest.fixture(scope="module")
def tokenizer():
    import tokenizers

    return tokenizers.Tokenizer.from_file(str(Path(bundled_tiny_en_path()) / "tokenizer.json"))


@pytest.fixture(scope="module")
def trie(tokenizer) -> TermTrie:
    return TermTrie.for_tokenizer(TERMS, tokenizer)


def ids(tokenizer, text: str) -> list[int]:
    return tokenizer.encode(text, add_special_tokens=False).ids


def test_trie_boosting_raises_a_terms_score_only_along_its_token_path(tokenizer, trie):
    term = ids(tokenizer, " hydrochlorothiazide")
    assert len(term) > 2
    full = ids(tokenizer, " Take the hydrochlorothiazide daily.")
    assert trie.boosted_tokens(full) == len(term)
    hypothesis = Hypothesis(full, -0.3)
    assert rescored(hypothesis, trie, 2.0) == pytest.approx(-0.3 + 2.0 * len(term) / len(full))
    # A path broken off earns nothing: the first token(s) of the term, another word's ending, a longer word.
    for text in (
        " Take the hydro daily.",
        " Take the hydrochlor daily.",
        " Take the hydrochlorothiazides daily.",
        " Take the water pill daily.",
    ):
        tokens = ids(tokenizer, text)
        assert trie.boosted_tokens(tokens) == 0, text
        assert rescored(Hypothesis(tokens, -0.3), trie, 2.0) == -0.3
    # Spellings Whisper writes: capitalized at a sentence start, without a leading space after a timestamp,
    # multi-word and alphanumeric items, punctuation after the term.
    timestamp = 50364
    assert trie.boosted_tokens([timestamp, *ids(tokenizer, "Hydrochlorothiazide, twice.")]) > 0
    assert trie.boosted_tokens(ids(tokenizer, " Check the Grundfos pump and the KT-450.")) == len(
        ids(tokenizer, " Grundfos pump")
    ) + len(ids(tokenizer, " KT-450"))
    assert trie.boosted_tokens(ids(tokenizer, " Check the Grundfos valve.")) == 0
    # A repeated term (a hotword list the decoder keeps going) is boosted once.
    assert trie.boosted_tokens(ids(tokenizer, " INR, INR, INR, INR")) == len(ids(tokenizer, " INR"))


def test_rescoring_a_made_up_n_best_list(tokenizer, trie):
    nbest = [
        Hypothesis(ids(tokenizer, " Take the hydro chloro thigh a zide daily."), -0.20),
        Hypothesis(ids(tokenizer, " Take the hydrochlorothiazide daily."), -0.35),
        Hypothesis(ids(tokenizer, " Take the hydrochlor daily."), -0.30),
    ]
    assert rescore(nbest, trie, 0.0) == 0  # no bonus: the decoder's order
    assert rescore(nbest, trie, 0.2) == 0  # too small a bonus to overturn 0.15 of average log-probability
    assert rescore(nbest, trie, 1.0) == 1  # the complete term wins; the partial path never does
    general = [Hypothesis(ids(tokenizer, " The cat sat."), -0.2), Hypothesis(ids(tokenizer, " The cats at."), -0.25)]
    assert rescore(general, trie, 5.0) == 0


@dataclass
class FakeResult:
    sequences_ids: list[list[int]]
    sequences: list[list[str]]
    scores: list[float]
    no_speech_prob: float = 0.01


class FakeWhisper:
    """Answers every generate call with the same n-best list (truncated to ``num_hypotheses``)."""

    def __init__(self, nbest: list[Hypothesis]) -> None:
        self.nbest, self.calls = nbest, []

    def generate(self, encoder_output, prompts, **options):
        self.calls.append(options)
        top = self.nbest[: options.get("num_hypotheses", 1)]
        tokens = [list(h.tokens) for h in top]
        return [FakeResult(tokens, [[str(t) for t in ts] for ts in tokens], [h.score for h in top])]

    def encode(self, features):
        return features


def test_rescoring_stands_in_for_the_model_only_while_a_trie_is_active(tokenizer, trie):
    nbest = [
        Hypothesis(ids(tokenizer, " Take the hydro chloro thigh a zide daily."), -0.20),
        Hypothesis(ids(tokenizer, " Take the hydrochlorothiazide daily."), -0.35),
    ]
    fake = FakeWhisper(nbest)
    model = TermRescoring(fake)
    assert model.encode("x") == "x"
    assert model.generate(None, [[1]], beam_size=5)[0].sequences_ids[0] == nbest[0].tokens  # no trie: untouched
    rescorer = Rescorer(trie, bonus=1.0, beam_size=None)  # the decoder's beam
    with TermRescoring.active(rescorer):
        result = model.generate(None, [[1]], beam_size=5, return_scores=True)[0]
        sampled = model.generate(None, [[1]], beam_size=1, sampling_topk=0, sampling_temperature=0.4)[0]
    assert fake.calls[1]["num_hypotheses"] == 5
    assert result.sequences_ids == [nbest[1].tokens] and result.scores == [-0.35]  # its own score, not the bonus
    assert "num_hypotheses" not in fake.calls[2] and sampled.sequences_ids[0] == nbest[0].tokens
    assert (rescorer.searches, rescorer.changed) == (1, 1)
    with TermRescoring.active(Rescorer(trie, bonus=1.0, beam_size=10)):
        model.generate(None, [[1]], beam_size=5)
    assert fake.calls[3]["beam_size"] == fake.calls[3]["num_hypotheses"] == 10


def test_second_pass_trigger_can_require_an_uncertain_word():
    sounds = TermSounds(["Siemens", "mezzanine"], [("Siemens", "see mens")])
    plain = ["shut", "down", "the", "sea", "mens", "drive"]
    assert sounds.near_miss(plain)
    assert sounds.near_miss(plain, uncertain=[False, False, False, True, False, False])
    assert not sounds.near_miss(plain, uncertain=[True, True, False, False, False, True])


def words(text: str) -> list[Word]:
    return [Word(token, i * 0.3, i * 0.3 + 0.25, 0.9) for i, token in enumerate(text.split())]


def test_numbers_sound_as_said_in_model_numbers():
    said = "KT- four fifty and XR seven in twenty twenty four"
    assert spoken_numbers("KT-450 and XR7 in 2024").split() == said.split()
    sounds = TermSounds(["KT-450"], [("KT-450", "k t four fifty")])
    plain = ["recalibrate", "the", "k450", "chiller"]  # the plain pass's "K-450"
    assert sounds.near_miss(plain) and not sounds.near_miss(["recalibrate", "the", "chiller"])
    # Whisper writes "K -450" and "KT -450," as two words each: the term is still found, and brought.
    split_plain = words("The technician will recalibrate the K -450 Chiller in the Lord and Doc")
    split_prompted = words("The technician will recalibrate, the KT -450, 450, chiller in the northern dock")
    merged = merge_passes(split_plain, split_prompted, sounds)
    assert merged is not None and [w.text for w in merged] == [w.text for w in split_prompted]
    assert merge_passes(split_prompted, split_prompted, sounds) is None  # the plain words already spell it
    # The phonetic corrector reads digits the same way, and never changes a number.
    corrector = PhoneticCorrector(["KT-450", "metoprolol"], [("KT-450", "k t four fifty")])
    assert [w.text for w in corrector.correct_words(words("Reset the K-450 chiller."))][2] == "KT-450"
    for kept in ("Reset the K-750 chiller.", "It was at 450 degrees.", "Take metoprolo 25 daily."):
        assert [w.text for w in corrector.correct_words(words(kept))] == kept.split()


def test_term_rescoring_is_an_option():
    assert WhisperOptions.parse({}).term_rescoring is False
    parsed = WhisperOptions.parse({"term_rescoring": "on", "term_bonus": "2.5", "second_pass_confidence": None})
    assert parsed.term_rescoring is True and parsed.term_bonus == 2.5 and parsed.second_pass_confidence is None
