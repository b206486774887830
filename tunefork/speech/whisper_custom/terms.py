"""Mine domain terms and phrases from related text, for decode-time biasing.

A *term* is a word of the related text that a general English model is unlikely to produce on its
own:

* out of the baseline vocabulary (:func:`tunefork.speech.vocabulary.baseline_vocabulary`, the CMU
  dictionary): drug names, product names, unusual surnames; or
* rare by a frequency measure: Whisper's byte-pair tokenizer was trained on web text, so a word it
  spells with :data:`RARE_TOKEN_COUNT` or more sub-word tokens is rare in general English
  (" milligrams" is 3 tokens, " morning" is 1).

Stopwords, numbers and words shorter than :data:`MIN_TERM_LENGTH` letters are never terms.
A *phrase* is a multiword term around them: a run of capitalized words inside a sentence that holds
a term or repeats ("Doctor Okonkwo", "Siobhan Gallagher", "Marie Curie"; a sentence's first word joins the
run only when nothing in the text says it is a common word: "Ask Doctor Okonkwo" with "ask" lowercase
elsewhere gives "Doctor Okonkwo", while titles such as "Nurse" stay), or an adjacent pair of
content words that holds a term, occurs at least twice and accounts for at least half of the
occurrences of each of its words ("insulin glargine", not "milligrams daily" or "take metformin").
Numbers break phrases.

Each term keeps the spelling most used mid-sentence (sentence-initial capitals are not evidence of
a proper noun), its count in the text and its token count, which rank terms for the hotwords.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from itertools import pairwise

RARE_TOKEN_COUNT = 3
"""A word spelled with at least this many Whisper BPE tokens (with its leading space) is rare."""
MIN_TERM_LENGTH = 4
"""Shorter words are never mined as single-word terms (acronyms come from pronunciation files)."""
MIN_PHRASE_REPEATS = 2
"""A lowercase two-word phrase must occur this often to be kept..."""
ASSOCIATION = 0.5
"""...and make up at least this share of the occurrences of each of its two words."""

_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves may might must shall also per please then
    """
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Function words never mined as terms (nor allowed inside a two-word phrase)."""

_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?;:]$")

TokenCounter = Callable[[str], int]


@dataclass
class Term:
    """A mined term: its display spelling, count in the related text and why it was mined."""

    text: str
    count: int
    tokens: int
    reason: str
    """``oov`` (not in the baseline vocabulary), ``rare`` (many BPE tokens) or ``phrase``."""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return asdict(self)


@dataclass
class MinedTerms:
    """Single-word terms and multiword phrases, each best first."""

    words: list[Term] = field(default_factory=list)
    phrases: list[Term] = field(default_factory=list)

    def all(self) -> list[Term]:
        """Words then phrases."""
        return [*self.words, *self.phrases]


@dataclass
class _Token:
    text: str
    sentence_start: bool
    word: bool = True
    """False for a number or symbol: it breaks phrases but is not itself a word."""


_TITLE_TEXT = """
    mr mrs ms miss mx dr doctor prof professor nurse sister matron captain capt sergeant sgt officer
    inspector detective constable judge justice sir dame lord lady saint st father reverend rev pastor
    rabbi imam president senator governor mayor minister chef coach general colonel major lieutenant
    """
TITLES = frozenset(_TITLE_TEXT.split())
"""Words that begin a name ("Nurse Siobhan Gallagher"): kept at a sentence's start even when the text
also uses them lowercase ("ask the nurse")."""

_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "mt.", "no.", "vs.", "e.g.", "i.e.", "etc."})


def _tokens(line: str) -> list[list[_Token]]:
    """Words of one line split into sentences; each word knows whether it starts its sentence."""
    sentences: list[list[_Token]] = [[]]
    for chunk in line.split():
        match = _WORD_RE.search(chunk)
        current = sentences[-1]
        has_word = any(token.word for token in current)
        if match and not any(ch.isdigit() for ch in chunk):
            current.append(_Token(match.group(0).replace("’", "'"), not has_word))
        else:
            current.append(_Token(chunk, False, word=False))
        if _SENTENCE_END.search(chunk) and chunk.lower() not in _ABBREVIATIONS:
            sentences.append([])
    return [sentence for sentence in sentences if any(token.word for token in sentence)]


def _is_candidate(word: str) -> bool:
    lower = word.lower()
    return len(word) >= MIN_TERM_LENGTH and lower not in STOPWORDS and not any(ch.isdigit() for ch in word)


def _preferred_spelling(spellings: Counter[str], initial_only: set[str]) -> str:
    """Most frequent mid-sentence spelling; a word only ever seen sentence-initially is lowercased."""
    mid = Counter({form: n for form, n in spellings.items() if form not in initial_only})
    if mid:
        return mid.most_common(1)[0][0]
    return spellings.most_common(1)[0][0].lower()


def _is_capitalized(word: str) -> bool:
    return word[:1].isupper()


def _capitalized_runs(sentence: list[_Token], terms: set[str], common: set[str]) -> Iterable[str]:
    """Runs of 2+ capitalized words. A run at sentence start keeps its first word only when the run holds
    a term and that word is not ``common`` (seen lowercase mid-sentence and not a title): "Nurse Siobhan
    Gallagher" keeps all, "Ask Doctor Okonkwo" gives "Doctor Okonkwo", "Start Metformin" never gets here."""
    run: list[_Token] = []
    for token in [*sentence, _Token("", False, word=False)]:
        if token.word and _is_capitalized(token.text) and token.text.lower() not in STOPWORDS:
            run.append(token)
            continue
        if len(run) >= 2:
            words = [t.text for t in run]
            first = words[0].lower()
            if run[0].sentence_start and (first in common or not any(w.lower() in terms for w in words)):
                words = words[1:]
            if len(words) >= 2:
                yield " ".join(words)
        run = []


def mine_terms(
    sentences: Iterable[str],
    vocabulary: frozenset[str],
    token_count: TokenCounter,
    max_phrase_words: int = 3,
) -> MinedTerms:
    """Mine domain terms and phrases from related-text ``sentences``.

    ``vocabulary`` is the baseline vocabulary (lowercase words); ``token_count(" word")`` counts the
    sub-word tokens a model's tokenizer spells the word with. Terms are sorted best first: out of
    vocabulary before rare, then by count in the text, then by token count.
    """
    spellings: dict[str, Counter[str]] = {}
    initial_counts: Counter[str] = Counter()
    parsed = [sentence for line in sentences for sentence in _tokens(line)]
    for sentence in parsed:
        for token in sentence:
            if not token.word:
                continue
            key = token.text.lower()
            spellings.setdefault(key, Counter())[token.text] += 1
            if token.sentence_start:
                initial_counts[token.text] += 1
    preferred = {
        key: _preferred_spelling(forms, {form for form, n in forms.items() if initial_counts[form] == n})
        for key, forms in spellings.items()
    }
    words: list[Term] = []
    for key, forms in spellings.items():
        if not _is_candidate(key):
            continue
        text = preferred[key]
        tokens = token_count(" " + text)
        if key not in vocabulary:
            words.append(Term(text, sum(forms.values()), tokens, "oov"))
        elif tokens >= RARE_TOKEN_COUNT:
            words.append(Term(text, sum(forms.values()), tokens, "rare"))
    words.sort(key=lambda t: (t.reason != "oov", -t.count, -t.tokens, t.text.lower()))
    term_keys = {t.text.lower() for t in words}
    common = {  # written lowercase, and most often so mid-sentence: "ask", not "Marie" nor "Nurse"
        key
        for key, forms in spellings.items()
        if key not in TITLES and preferred[key].islower() and any(form.islower() for form in forms)
    }
    phrases = _mine_phrases(parsed, term_keys, common, preferred, token_count, max_phrase_words)
    return MinedTerms(words=words, phrases=phrases)


def _mine_phrases(
    parsed: list[list[_Token]],
    terms: set[str],
    common: set[str],
    preferred: dict[str, str],
    token_count: TokenCounter,
    max_words: int,
) -> list[Term]:
    """Capitalized runs and collocated pairs; a pair is spelled with each word's preferred spelling ("Bravecto
    chews", not "bravecto chews": a lowercase copy of a name in the hotwords gets written lowercase)."""
    runs: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for sentence in parsed:
        for run in _capitalized_runs(sentence, terms, common):
            runs[" ".join(run.split()[:max_words])] += 1
        for token in sentence:
            if token.word:
                words[token.text.lower()] += 1
        for first, second in pairwise(sentence):
            a, b = first.text.lower(), second.text.lower()
            if not (first.word and second.word) or a in STOPWORDS or b in STOPWORDS:
                continue
            if not (a in terms or b in terms) or _is_capitalized(second.text):
                continue  # proper-noun runs are handled above
            pairs[f"{a} {b}"] += 1
    phrases = [Term(text, n, token_count(" " + text), "phrase") for text, n in runs.items()]
    for key, n in pairs.items():
        a, b = key.split()
        # Keep collocations ("insulin glargine"), not a frequent term's chance neighbours ("milligrams daily").
        if n >= MIN_PHRASE_REPEATS and n >= ASSOCIATION * max(words[a], words[b]):
            text = f"{preferred[a]} {preferred[b]}"
            phrases.append(Term(text, n, token_count(" " + text), "phrase"))
    phrases.sort(key=lambda t: (-t.count, -t.tokens, t.text.lower()))
    return phrases
