"""The sphinx customization engine: trie reader, domain LM, interpolation, lexicon, training and loading."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tunefork.audio import read_audio
from tunefork.engines.contract import TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.evaluation.metrics import score_utterance
from tunefork.evaluation.normalizer import get_normalizer
from tunefork.speech import sphinx_custom
from tunefork.speech.customization import TrainingData
from tunefork.speech.sphinx_custom import adaptation, training
from tunefork.speech.sphinx_custom.domain_lm import build_domain_lm
from tunefork.speech.sphinx_custom.g2p import G2P
from tunefork.speech.sphinx_custom.interpolate import interpolate
from tunefork.speech.sphinx_custom.lexicon import Lexicon, display_token, read_dictionary
from tunefork.speech.sphinx_custom.ngram import BackoffLM
from tunefork.speech.sphinx_custom.text import PhraseRewriter, normalized_words
from tunefork.speech.sphinx_custom.trie import LOGMATH_BASE, read_trie_lm
from tunefork.speech.sphinx_custom.trie_writer import write_binary
from tunefork.speech.sphinx_engine import SphinxEngine, bundled_paths

DATA = Path(__file__).resolve().parents[1] / "tunefork" / "data"
TO_LOG10 = np.log10(LOGMATH_BASE)
DOMAIN_TEXT = [
    "Start metoprolol 25 milligrams twice daily with food.",
    "Doctor Okonkwo reviewed the metoprolol dose this morning.",
    "Hold metoprolol if the heart rate is below 50.",
    "Warfarin dose depends on the latest INR result.",
    "Check the INR before changing the warfarin dose.",
    "Continue atorvastatin 40 milligrams at bedtime for cholesterol.",
]
PRONUNCIATIONS = [
    ("INR", "i n r"),
    ("Okonkwo", "oh conk woe"),
    ("Contoso Pro", "contoso pro"),
    ("metoprolol", "met oh pro lol"),
]
TEST_SENTENCE = "Increase metoprolol to 50 milligrams twice daily."
"""A domain sentence absent from ``DOMAIN_TEXT`` (only its vocabulary is there)."""


def _lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _wer(reference: str, hypothesis: str) -> float:
    score = score_utterance("u", reference, hypothesis, get_normalizer())
    return score.errors / max(score.words, 1)


def _probability(lm: BackoffLM, words: list[str]) -> float:
    """log10 P(last word | the others) by the back-off rule, the slow obvious way (-inf: impossible)."""
    index = lm.index()
    if words[-1] not in index:
        return -np.inf
    ids = [index.get(w, -1) for w in words]  # -1: a history word the model never saw
    bigrams = {(a, b): (p, bo) for a, b, p, bo in zip(lm.bi_h1, lm.bi_w, lm.bi_logp, lm.bi_bo, strict=True)}
    trigrams = {(a, b, c): p for a, b, c, p in zip(lm.tri_h2, lm.tri_h1, lm.tri_w, lm.tri_logp, strict=True)}

    def unigram_bo(h: int) -> float:
        return float(lm.uni_bo[h]) if h >= 0 else 0.0

    def bigram(h1: int, w: int) -> float:
        return bigrams[(h1, w)][0] if (h1, w) in bigrams else unigram_bo(h1) + lm.uni_logp[w]

    if len(ids) == 1:
        return float(lm.uni_logp[ids[0]])
    if len(ids) == 2:
        return float(bigram(*ids))
    h2, h1, w = ids
    if (h2, h1, w) in trigrams:
        return float(trigrams[(h2, h1, w)])
    return float(bigrams.get((h2, h1), (0.0, 0.0))[1] + bigram(h1, w))


def _next_word_mass(lm: BackoffLM, history: list[str]) -> float:
    """Sum over the vocabulary of P(w | history): 1 for a proper model."""
    return sum(10 ** _probability(lm, [*history, w]) for w in lm.vocab if w != "<s>")


@pytest.fixture(scope="module")
def general_lm() -> BackoffLM:
    return read_trie_lm(Path(bundled_paths()["lm"]))


@pytest.fixture(scope="module")
def domain_lm() -> BackoffLM:
    return build_domain_lm([normalized_words(s) for s in DOMAIN_TEXT])


def test_trie_reader_matches_pocketsphinx(general_lm: BackoffLM) -> None:
    import pocketsphinx

    pocketsphinx.set_loglevel("FATAL")
    reference = pocketsphinx.NGramModel.readfile(bundled_paths()["lm"])
    assert general_lm.counts[0] == 72547 and general_lm.counts[2] > 1_000_000
    rng = np.random.default_rng(0)
    for i in rng.integers(0, len(general_lm.tri_w), 40):
        words = [general_lm.vocab[general_lm.tri_w[i]], general_lm.vocab[general_lm.tri_h1[i]]]
        words.append(general_lm.vocab[general_lm.tri_h2[i]])
        assert reference.prob(words) * TO_LOG10 == pytest.approx(general_lm.tri_logp[i], abs=1e-3)
    for i in rng.integers(0, len(general_lm.bi_w), 40):
        words = [general_lm.vocab[general_lm.bi_w[i]], general_lm.vocab[general_lm.bi_h1[i]]]
        assert reference.prob(words) * TO_LOG10 == pytest.approx(general_lm.bi_logp[i], abs=1e-3)
    assert float(np.sum(10**general_lm.uni_logp)) == pytest.approx(1.0, abs=1e-3)


def test_witten_bell_domain_model_is_a_proper_distribution(domain_lm: BackoffLM) -> None:
    assert "metoprolol" in domain_lm.vocab and "twenty" in domain_lm.vocab  # numbers are spelled out
    for history in ([], ["the"], ["start", "metoprolol"], ["the", "metoprolol"], ["<s>", "hold"]):
        assert _next_word_mass(domain_lm, history) == pytest.approx(1.0, abs=1e-9)
    seen = _probability(domain_lm, ["metoprolol", "twenty"])
    unseen = _probability(domain_lm, ["metoprolol", "cholesterol"])
    assert seen > unseen > -99


def test_interpolation_is_linear_normalized_and_loads(domain_lm: BackoffLM, tmp_path: Path) -> None:
    import pocketsphinx

    small_general = build_domain_lm([normalized_words(s) for s in _lines("general_sentences.txt")])
    mixed = interpolate(small_general, domain_lm, 0.3)
    explicit = (["the"], ["warfarin", "dose"], ["the", "weather"], ["milligrams", "twice", "daily"])
    for words in explicit:
        expected = 0.3 * 10 ** _probability(domain_lm, words) + 0.7 * 10 ** _probability(small_general, words)
        assert 10 ** _probability(mixed, words) == pytest.approx(expected, rel=1e-6)
    assert 10 ** _probability(mixed, ["metoprolol"]) == pytest.approx(
        0.3 * 10 ** _probability(domain_lm, ["metoprolol"])
    )
    for history in ([], ["the"], ["twice", "daily"], ["<s>", "the"]):
        assert _next_word_mass(mixed, history) == pytest.approx(1.0, abs=1e-6)
    only_general = interpolate(small_general, domain_lm, 0.0)
    assert _probability(only_general, ["metoprolol"]) == -99
    assert _probability(only_general, ["the", "weather"]) == pytest.approx(
        _probability(small_general, ["the", "weather"])
    )

    path = tmp_path / "mixed.lm.bin"
    write_binary(mixed, path)
    assert read_trie_lm(path).counts == mixed.counts  # written directly as a trie, read back
    loaded = pocketsphinx.NGramModel.readfile(str(path))
    assert loaded.prob(["daily", "twice", "milligrams"]) * TO_LOG10 == pytest.approx(
        _probability(mixed, ["milligrams", "twice", "daily"]), abs=2e-3
    )


def test_g2p_runs_offline_without_importing_g2p_en() -> None:
    g2p = G2P()
    assert g2p.phones("metoprolol") == ["M", "EH", "T", "P", "AO", "R", "L", "OW"]  # g2p-en's greedy answer
    variants = g2p.variants("okonkwo", 3)
    assert len(variants) == 3 and variants[0] == g2p.phones("okonkwo")
    assert g2p.phones("123") == []
    assert "g2p_en" not in sys.modules and "nltk" not in sys.modules


def test_lexicon_uses_cmudict_then_g2p_and_writes_display_tokens(tmp_path: Path) -> None:
    lexicon = Lexicon.from_file(Path(bundled_paths()["dict"]))
    assert lexicon.pronunciations("daily") == [["D", "EY", "L", "IY"]]
    assert lexicon.ensure(["daily", "metoprolol", "okonkwo"]) == ["metoprolol", "okonkwo"]
    assert lexicon.g2p_words == ["metoprolol", "okonkwo"]
    spoken = lexicon.phrase_pronunciations(["i", "n", "r"])
    assert spoken[0] == ["AY", "EH", "N", "AA", "R"]
    lexicon.add(display_token("INR"), spoken)
    lexicon.add(display_token("Contoso Pro"), lexicon.phrase_pronunciations(["contoso", "pro"]))
    lexicon.add("pro", [["P", "R", "OW"]])  # already known: not duplicated
    path = tmp_path / "custom.dict"
    lexicon.write(path)
    written = read_dictionary(path)
    assert written["inr"][0] == ["AY", "EH", "N", "AA", "R"]
    assert written["contoso_pro"][0][-3:] == ["P", "R", "OW"]
    assert written["pro"] == read_dictionary(Path(bundled_paths()["dict"]))["pro"]
    assert display_token(" Contoso  Pro (EU) ") == "contoso_pro_eu"
    with pytest.raises(TuneforkError):
        display_token("  ")


def test_phrase_rewriter_prefers_longest_match() -> None:
    rewriter = PhraseRewriter()
    rewriter.add(["i", "n", "r"], "inr")
    rewriter.add(["contoso"], "contoso")
    rewriter.add(["contoso", "pro"], "contoso_pro")
    words, found = rewriter.rewrite(["check", "the", "i", "n", "r", "on", "contoso", "pro", "and", "contoso"])
    assert words == ["check", "the", "inr", "on", "contoso_pro", "and", "contoso"]
    assert found == 3


@pytest.fixture(scope="module")
def text_model(tmp_path_factory: pytest.TempPathFactory):
    """One text + pronunciation model for the module (about 15 s: the full general LM is mixed)."""
    folder = tmp_path_factory.mktemp("sphinx-text")
    steps: list[tuple[int, int, str]] = []
    parts = sphinx_custom.train(
        "sphinx-en-us",
        TrainingData(related_text=DOMAIN_TEXT, pronunciations=PRONUNCIATIONS),
        TrainingParameters(custom_weight=30),
        folder,
        lambda done, total, what: steps.append((done, total, what)),
    )
    model = sphinx_custom.load(folder, {"name": "my-clinic", "engine_config": parts.engine_config})
    return folder, parts, model, steps


def test_text_and_pronunciation_training_writes_a_complete_artifact(text_model) -> None:
    folder, parts, _, steps = text_model
    config = parts.engine_config
    assert config["lm"] == "language_model.lm.bin" and config["dict"] == "pronunciation.dict" and config["hmm"] is None
    assert config["display_forms"] == {"inr": "INR", "okonkwo": "Okonkwo", "contoso_pro": "Contoso Pro"}
    assert all((folder / config[key]).exists() for key in ("lm", "dict"))
    assert not any(path.name.endswith(".arpa") and path.name != "domain_lm.arpa" for path in folder.iterdir())
    model = parts.contributions["language_model"]
    assert model["custom_weight"] == 30 and model["domain_ngrams"]["3"] > 0 and model["custom_ngrams"]["3"] > 10**6
    text = parts.contributions["related_text"]
    assert text["texts"] == len(DOMAIN_TEXT) and text["transcripts_included"] == 0
    assert "metoprolol" in text["vocabulary_added"] and "atorvastatin" in text["g2p_words"]
    pron = parts.contributions["pronunciations"]
    assert pron["dictionary_words"] == ["inr", "okonkwo", "contoso_pro", "metoprolol"]
    assert pron["entries"] == len(PRONUNCIATIONS) and pron["skipped"] == []
    assert pron["occurrences_in_text"] == 6 and pron["g2p_words"] == ["contoso"]
    assert steps[-1][0] == steps[-1][1] == 100 and all(0 <= d <= t for d, t, _ in steps)
    assert text_model[2].name == "my-clinic"
    assert read_dictionary(folder / "pronunciation.dict")["metoprolol"]


def test_text_training_beats_the_base_on_an_unseen_domain_sentence(text_model, speak) -> None:
    _, _, model, _ = text_model
    base = SphinxEngine("base")
    samples = read_audio(speak(TEST_SENTENCE, "en-us", 30)).samples
    heard = model.transcribe(samples)
    assert heard.model == "my-clinic"
    assert "metoprolol" in heard.text.split()  # not even a word of the base dictionary
    # measured: base 0.71 ("increase at all if the really burned twice daily"), custom 0.0
    assert _wer(TEST_SENTENCE, heard.text) <= _wer(TEST_SENTENCE, base.transcribe(samples).text) - 0.3


def test_display_forms_appear_in_the_output(text_model, speak) -> None:
    _, _, model, _ = text_model
    heard = model.transcribe(read_audio(speak("Warfarin dose depends on the latest INR result.", "en-us", 30)).samples)
    assert "INR" in heard.text.split()
    assert all(w.text != "inr" for w in heard.words)


@pytest.fixture
def small_general_lm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Train against a tiny general LM (general sentences only) so training and decoding take a second."""
    general = build_domain_lm([normalized_words(s) for s in _lines("general_sentences.txt")])
    path = tmp_path / "small-general.lm.bin"
    write_binary(general, path)
    paths = {**bundled_paths(), "lm": str(path)}
    monkeypatch.setattr(training, "bundled_paths", lambda: paths)


def test_custom_weight_moves_between_general_and_domain_language(small_general_lm, tmp_path: Path, speak) -> None:
    samples = read_audio(speak("Start metoprolol twice daily with food.", "en-us", 30)).samples
    heard = {}
    for weight in (0, 100):
        folder = tmp_path / f"w{weight}"
        folder.mkdir()
        parts = sphinx_custom.train(
            "sphinx-en-us",
            TrainingData(related_text=DOMAIN_TEXT, pronunciations=[("metoprolol", "met oh pro lol")]),
            TrainingParameters(custom_weight=weight, options={"verify": False}),
            folder,
        )
        heard[weight] = sphinx_custom.load(folder, {"name": f"w{weight}", "engine_config": parts.engine_config})
        heard[weight] = heard[weight].transcribe(samples).text
    assert "metoprolol" in heard[100]
    assert "metoprolol" not in heard[0]  # weight 0: the domain words have no probability at all
    assert heard[0] != heard[100]


def test_training_refuses_bad_input(tmp_path: Path) -> None:
    data = TrainingData(related_text=["hello"])
    with pytest.raises(TuneforkError, match="sphinx-en-us"):
        sphinx_custom.train("whisper-tiny.en", data, TrainingParameters(), tmp_path)
    with pytest.raises(TuneforkError, match="no training material"):
        sphinx_custom.train("sphinx-en-us", TrainingData(), TrainingParameters(), tmp_path)
    with pytest.raises(TuneforkError, match="0 to 100"):
        sphinx_custom.train("sphinx-en-us", data, TrainingParameters(custom_weight=150), tmp_path)


def test_missing_sphinxtrain_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adaptation, "find_tool", lambda name: None)
    data = TrainingData(utterances=[(tmp_path / "a.wav", "hello world")])
    with pytest.raises(TuneforkError, match="apt-get install sphinxtrain sphinxbase-utils"):
        sphinx_custom.train("sphinx-en-us", data, TrainingParameters(), tmp_path)
    assert not any(tmp_path.iterdir())


def test_digital_silence_gets_a_noise_floor() -> None:
    speech = np.concatenate([np.zeros(1600, np.float32), 0.1 * np.ones(1600, np.float32)])
    filled = adaptation.fill_digital_silence(speech, seed=1)
    assert np.mean(filled == 0) == 0 and np.allclose(filled, adaptation.fill_digital_silence(speech, seed=1))
    assert np.std(filled[:1600]) == pytest.approx(0.1 * 10 ** (-adaptation.NOISE_FLOOR_DB / 20), rel=0.1)
    natural = np.random.default_rng(0).normal(0, 0.05, 3200).astype(np.float32)
    assert adaptation.fill_digital_silence(natural) is natural


@pytest.mark.slow
def test_map_adaptation_produces_a_model_that_loads_and_transcribes(tmp_path: Path, speak) -> None:
    if adaptation.find_tool("bw") is None:
        pytest.skip("SphinxTrain is not installed (apt-get install sphinxtrain sphinxbase-utils)")
    sentences = _lines("general_sentences.txt")[:10]
    utterances = [(speak(s, "en-us"), s) for s in sentences]
    silent = tmp_path / "silent.wav"  # half a second for eight words: never aligned, named (a speech review)
    sf.write(silent, np.zeros(8_000, dtype=np.float32), 16_000, subtype="PCM_16")
    utterances.append((silent, "check the tire pressure on the main wheels"))
    only_acoustics = TrainingParameters(options={"transcripts_as_text": False})  # measure MAP alone
    tmp_path = tmp_path / "m"
    tmp_path.mkdir()
    parts = sphinx_custom.train("sphinx-en-us", TrainingData(utterances=utterances), only_acoustics, tmp_path)
    assert parts.warnings == ["1 of the 11 recorded clips were left out of acoustic adaptation: silent.wav: not "
                              "aligned with its transcript (silent, or words it does not say)."]  # fmt: skip
    config = parts.engine_config
    assert config["hmm"] == "acoustic" and config["lm"] is None and (tmp_path / "acoustic" / "sendump").exists()
    assert not (tmp_path / training.WORK_DIR).exists()
    acoustic = parts.contributions["utterances"]
    assert acoustic["method"] == "MAP" and acoustic["utterances"] >= 8 and acoustic["audio_seconds"] > 10
    model = sphinx_custom.load(tmp_path, {"name": "adapted", "engine_config": config})
    base = SphinxEngine("base")
    adapted_wer, base_wer = [], []
    for sentence in _lines("general_sentences.txt")[10:14]:  # unseen sentences, same voice
        samples = read_audio(speak(sentence, "en-us")).samples
        adapted_wer.append(_wer(sentence, model.transcribe(samples).text))
        base_wer.append(_wer(sentence, base.transcribe(samples).text))
    assert np.mean(adapted_wer) < np.mean(base_wer)


def test_unusable_pronunciation_entries_are_skipped_with_a_reason() -> None:
    from tunefork.speech.sphinx_custom.language import add_pronunciations

    lexicon = Lexicon.from_file(Path(bundled_paths()["dict"]))
    plan = add_pronunciations([("INR", "i n r"), ("( )", "question"), ("Empty", "  "), ("Kanji", "漢字")], lexicon)
    assert plan.tokens == ["inr"] and plan.display_forms == {"inr": "INR"}
    assert len(plan.skipped) == 3 and all("->" in reason for reason in plan.skipped)


def test_utterances_bw_could_not_align_are_named_from_its_log() -> None:
    log = (
        'utt>     0   u00000  371    0  48\nERROR: "backward.c", line 431: u00003 ignored\nutt>  1  u00001  12  0  4\n'
    )
    assert adaptation._alignment_stats(log) == (383, ["u00003"])
