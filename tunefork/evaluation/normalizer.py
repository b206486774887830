"""Text normalizers applied identically to references and hypotheses before scoring.

A normalizer is any callable ``text -> text`` with a ``name`` and a ``version``; both are stored
with every evaluation so numbers from different normalizer versions are never compared silently.

``EnglishNormalizer`` ("tunefork-english" 1.2) policy, in the order the steps run:

1. Unicode: curly/modifier apostrophes, backtick and acute accent become ``'``; NFKC; any Unicode
   decimal digit becomes its ASCII digit; lowercase.
2. Clock times ``H:MM`` / ``HH:MM`` (hour 0-24, minutes 0-59): hour words plus minute words, minutes
   01-09 as "oh five", ``:00`` dropped ("10:30" -> "ten thirty", "10:05" -> "ten oh five", "10:00" -> "ten").
3. Every run of digits is spelled out with ``num2words`` (hyphens and commas of its output become spaces):

   * simple fractions (since 1.2; they read "one two"): "1/2" -> "one half", "3/4" -> "three quarters",
     "2/3" -> "two thirds", "1/8" -> "one eighth" (denominators 2, 3, 4 and 8, numerator below it);

   * thousands separators are dropped: "1,000" -> "one thousand";
   * decimals read digit by digit after "point": "3.05" -> "three point zero five";
   * ordinals: "21st" -> "twenty first" (any of st/nd/rd/th is accepted);
   * percentages: "5%" / "5 %" -> "five percent"; a stray "%" -> "percent"; "per cent" -> "percent";
   * currency ``$ £ €``: "$5" -> "five dollars", "$1" -> "one dollar", "$5.50" -> "five dollars fifty cents",
     "$0.99" -> "ninety nine cents", "$2.5" -> "two point five dollars", "$5 million" -> "five million dollars";
   * years: a bare 4-digit number from 1100 to 2099 (no separator, decimal, currency, percent, ordinal or
     scale word) is read as a year: "1910" -> "nineteen ten", "2024" -> "twenty twenty four",
     "1905" -> "nineteen oh five", "2005" -> "two thousand five";
   * plurals: "1990s" / "1990's" -> "nineteen nineties", "80s" -> "eighties"-style plural of the last word;
   * numbers with a leading zero ("007") or more than 15 digits are read digit by digit;
   * digits glued to letters are split off: "mp3" -> "mp three".
4. ``&`` -> "and".
5. Dotted single-letter acronyms lose their dots: "a.m." -> "am", "U.S.A." -> "usa"; three or more hyphenated
   letters their hyphens (since 1.2: "B-I-D" was three words): "B-I-D" -> "bid" ("A-B testing" is two words).
6. Every other punctuation or symbol character (hyphens and dashes included) becomes a space, except
   the apostrophe; apostrophes at the start or end of a word are removed, so "don't" stays and
   "'quoted'" becomes "quoted".
7. Number-word policy on the resulting words (both sides): "a" before a scale word becomes "one"
   ("a hundred" -> "one hundred"), and "and" is dropped between a scale word (hundred, thousand,
   million, billion, trillion) and a following number word, so the "and" that num2words writes and
   the "and" a speaker says are both removed: "105", "one hundred and five", "one hundred five" and
   "a hundred and five" all become "one hundred five". Any other "and" is kept. Titles are spelled out as they
   are said: "dr" -> "doctor", "mr" -> "mister", "mrs" -> "missus", "prof" -> "professor", "jr" -> "junior"
   (since 1.1: "Dr. Patel" and "Doctor Patel" were two errors apart); "st" (saint or street) is left alone.
   Units after a number word are spelled out (since 1.2: "5 mg" and "five milligrams" were two errors): mg, mcg,
   kg, km, cm, mm, lb/lbs and oz, singular after "one" alone ("one kilogram", "twenty one kilograms").
8. Whitespace collapsed to single spaces.

Known limitations (documented, not bugs): spoken digit strings ("five five five") do not match
numbers written as one integer ("555"); "two thousand twenty four" does not match "2024" (which is
read "twenty twenty four"); British/American spelling variants are not mapped.

The normalizer is idempotent: ``normalize(normalize(x)) == normalize(x)``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Protocol, runtime_checkable

from num2words import num2words

from tunefork.errors import TuneforkError

__all__ = [
    "DEFAULT_NORMALIZER",
    "EnglishNormalizer",
    "IdentityNormalizer",
    "Normalizer",
    "get_normalizer",
    "normalizer_names",
]

DEFAULT_NORMALIZER = "tunefork-english"


@runtime_checkable
class Normalizer(Protocol):
    """What scoring needs from a normalizer: a name, a version and ``text -> text``."""

    name: str
    version: str

    def __call__(self, text: str) -> str:
        """Return the normalized form of ``text`` (words separated by single spaces)."""
        ...


class IdentityNormalizer:
    """No normalization beyond splitting on whitespace and joining with single spaces (raw WER)."""

    name = "raw"
    version = "1.0"

    def __call__(self, text: str) -> str:
        """Collapse whitespace only; case, punctuation and digits are kept as written."""
        return " ".join(text.split())

    def __repr__(self) -> str:
        return f"IdentityNormalizer(name={self.name!r}, version={self.version!r})"


# --- step 1: Unicode preparation -------------------------------------------------------------

_APOSTROPHES = "\u2019\u2018\u02bc\u0060\u00b4\u2032"


class _PrepareTable(dict):
    """``str.translate`` table: apostrophe variants -> ``'``, Unicode decimal digits -> ASCII digits."""

    def __missing__(self, codepoint: int) -> int | str:
        char = chr(codepoint)
        if char in _APOSTROPHES:
            value: int | str = "'"
        elif codepoint >= 128 and unicodedata.decimal(char, None) is not None:
            value = str(unicodedata.decimal(char))
        else:
            value = codepoint
        self[codepoint] = value
        return value


class _PunctuationTable(dict):
    """``str.translate`` table: punctuation, symbols, separators and control characters -> space.

    The apostrophe is kept; everything else (letters, digits, combining marks) maps to itself.
    """

    def __missing__(self, codepoint: int) -> int | str:
        char = chr(codepoint)
        value: int | str = codepoint
        if char != "'" and unicodedata.category(char)[0] in "PSZC":
            value = " "
        self[codepoint] = value
        return value


_PREPARE = _PrepareTable()
_PUNCTUATION = _PunctuationTable()

# --- steps 2 and 3: times and numbers ----------------------------------------------------------

_TIME_RE = re.compile(r"(?<![0-9:])([0-9]{1,2}):([0-9]{2})(?![0-9:])")

_SCALES = ("hundred", "thousand", "million", "billion", "trillion")

_NUMBER_RE = re.compile(
    r"""
    (?:(?P<currency>[$£€])[ ]?)?
    (?P<integer>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)
    (?:\.(?P<fraction>[0-9]+))?
    (?:
        (?P<ordinal>st|nd|rd|th)\b
      | (?P<plural>'?s)\b
      | [ ]?(?P<percent>%)
    )?
    (?:[ ]+(?P<scale>hundred|thousand|million|billion|trillion)\b)?
    """,
    re.VERBOSE,
)

_CURRENCY_UNITS = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_MAX_CARDINAL_DIGITS = 15
_YEAR_RANGE = range(1100, 2100)

_ACRONYM_RE = re.compile(r"(?<!\w)[^\W\d_](?:\.[^\W\d_])+\.?(?!\w)")
_SPELLED_RE = re.compile(r"(?<![\w-])[^\W\d_](?:-[^\W\d_]){2,}(?![\w-])")
"""Three or more single letters joined by hyphens ("B-I-D", as Whisper spells an abbreviation; "A-B testing" stays
two words, as "A/B testing" reads)."""
_FRACTION_RE = re.compile(r"(?<![\w/.])(?P<top>[1-7])/(?P<bottom>[2348])(?![\w/])")
_DENOMINATORS = {"2": ("half", "halves"), "3": ("third", "thirds"), "4": ("quarter", "quarters"),
                 "8": ("eighth", "eighths")}  # fmt: skip


def _expand_fraction(match: re.Match[str]) -> str:
    """'1/2' -> ' one half ', '3/4' -> ' three quarters ' (a numerator at least the denominator is left alone)."""
    top, bottom = int(match["top"]), match["bottom"]
    if top >= int(bottom):
        return match[0]
    one, many = _DENOMINATORS[bottom]
    return f" {_cardinal(str(top))} {one if top == 1 else many} "


def _clean_number_words(words: str) -> str:
    """num2words output with its hyphens and commas turned into spaces."""
    return " ".join(words.replace("-", " ").replace(",", " ").split())


def _digit_by_digit(digits: str) -> str:
    """'007' -> 'zero zero seven'."""
    return " ".join(_DIGIT_WORDS[int(d)] for d in digits)


@lru_cache(maxsize=8192)
def _cardinal(digits: str) -> str:
    """Cardinal words for a string of ASCII digits (leading zeros or huge numbers: digit by digit)."""
    if (len(digits) > 1 and digits[0] == "0") or len(digits) > _MAX_CARDINAL_DIGITS:
        return _digit_by_digit(digits)
    return _clean_number_words(num2words(int(digits), lang="en"))


@lru_cache(maxsize=8192)
def _ordinal(digits: str) -> str:
    """Ordinal words: '21' -> 'twenty first'."""
    if len(digits) > _MAX_CARDINAL_DIGITS:
        return _digit_by_digit(digits)
    return _clean_number_words(num2words(int(digits), lang="en", to="ordinal"))


@lru_cache(maxsize=8192)
def _year(value: int) -> str:
    """Year-style words: 1910 -> 'nineteen ten', 2024 -> 'twenty twenty four'."""
    return _clean_number_words(num2words(value, lang="en", to="year"))


def _pluralize(words: str) -> str:
    """Plural of the last word: 'nineteen ninety' -> 'nineteen nineties', 'six' -> 'sixes'."""
    head, _, last = words.rpartition(" ")
    if last.endswith("y"):
        last = last[:-1] + "ies"
    elif last.endswith(("x", "s")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}".strip()


def _money(currency: str, digits: str, cents: str) -> str:
    """'$5.50' -> 'five dollars fifty cents'; zero parts are left out."""
    unit, units, sub, subs = _CURRENCY_UNITS[currency]
    parts = []
    if int(digits) or not int(cents):
        parts.append(f"{_cardinal(digits)} {unit if int(digits) == 1 else units}")
    if int(cents):
        parts.append(f"{_cardinal(str(int(cents)))} {sub if int(cents) == 1 else subs}")
    return " ".join(parts)


def _is_year(match: re.Match[str]) -> bool:
    """A bare 4-digit number in 1100-2099 with nothing around it that makes it a quantity."""
    integer = match["integer"]
    bare = not (match["currency"] or match["fraction"] or match["ordinal"] or match["percent"] or match["scale"])
    return bare and len(integer) == 4 and integer[0] != "0" and int(integer) in _YEAR_RANGE


def _number_words(match: re.Match[str]) -> str:
    """Spoken form of one number match (without currency unit, scale or percent)."""
    digits = match["integer"].replace(",", "")
    if match["ordinal"] and match["fraction"] is None:
        return _ordinal(digits)
    if match["fraction"] is not None:
        return f"{_cardinal(digits)} point {_digit_by_digit(match['fraction'])}"
    if _is_year(match):
        return _year(int(digits))
    return _cardinal(digits)


def _expand_number(match: re.Match[str]) -> str:
    """Replacement for ``_NUMBER_RE``: the whole numeric expression in words, padded with spaces."""
    currency, fraction, scale = match["currency"], match["fraction"], match["scale"]
    if currency and fraction is not None and len(fraction) == 2 and not scale and not match["percent"]:
        return f" {_money(currency, match['integer'].replace(',', ''), fraction)} "
    parts = [_number_words(match)]
    if match["plural"]:
        parts[0] = _pluralize(parts[0])
    if scale:
        parts.append(scale)
    if match["percent"]:
        parts.append("percent")
    if currency:
        unit, units, _, _ = _CURRENCY_UNITS[currency]
        single = match["integer"] == "1" and fraction is None and not scale
        parts.append(unit if single else units)
    return " " + " ".join(parts) + " "


def _expand_time(match: re.Match[str]) -> str:
    """Replacement for ``_TIME_RE``: '10:30' -> 'ten thirty', '10:05' -> 'ten oh five', '10:00' -> 'ten'."""
    hour, minutes = int(match[1]), int(match[2])
    if hour > 24 or minutes > 59:
        return f"{match[1]} {match[2]}"
    words = [_cardinal(str(hour))]
    if minutes:
        words.append(("oh " if minutes < 10 else "") + _cardinal(str(minutes)))
    return " " + " ".join(words) + " "


# --- step 7: word-level number policy ---------------------------------------------------------

_SMALL_NUMBERS = [*range(20), *range(20, 100, 10)]
_CARDINAL_WORDS = frozenset(num2words(n, lang="en") for n in _SMALL_NUMBERS)
"""zero..nineteen, twenty..ninety: the number words a unit follows ("first mg" is no quantity)."""
_NUMBER_WORDS = _CARDINAL_WORDS | frozenset(num2words(n, lang="en", to="ordinal") for n in _SMALL_NUMBERS)
"""The cardinals and their ordinals: the words an "and" after a scale word precedes."""
_SCALE_WORDS = frozenset(_SCALES)
_NUMBER_RUN_WORDS = _CARDINAL_WORDS | _SCALE_WORDS | {"point"}
"""Words a number's words run through: "one" after them ends a bigger number ("twenty one", "point one")."""
_TITLES = {"dr": "doctor", "mr": "mister", "mrs": "missus", "prof": "professor", "jr": "junior"}
"""Abbreviated titles and the words said for them (step 7)."""
_UNITS = {"mg": "milligram", "mcg": "microgram", "kg": "kilogram", "km": "kilometer", "cm": "centimeter",
          "mm": "millimeter", "lb": "pound", "lbs": "pound", "oz": "ounce"}  # fmt: skip
"""Unit abbreviations spelled out after a number word (step 7), singular after "one"."""


def _apply_word_rules(words: list[str]) -> list[str]:
    """'per cent' -> 'percent'; 'a' + scale -> 'one'; drop 'and' between a scale word and a number word; titles
    spelled out ('dr' -> 'doctor')."""
    out: list[str] = []
    count = len(words)
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < count else ""
        if word == "cent" and out and out[-1] == "per":
            out[-1] = "percent"
            continue
        if word == "a" and following in _SCALE_WORDS:
            word = "one"
        elif word == "and" and out and out[-1] in _SCALE_WORDS and following in _NUMBER_WORDS:
            continue
        elif word in _UNITS and out and (out[-1] in _CARDINAL_WORDS or out[-1] in _SCALE_WORDS):
            alone = out[-1] == "one" and not (out[-2:-1] and out[-2] in _NUMBER_RUN_WORDS)  # "twenty one kilograms"
            word = _UNITS[word] + ("" if alone else "s")
        out.append(_TITLES.get(word, word))
    return out


class EnglishNormalizer:
    """English normalizer for WER: case, punctuation, hyphens and numbers (see module docstring)."""

    name = DEFAULT_NORMALIZER
    version = "1.2"

    def __call__(self, text: str) -> str:
        """Normalize ``text``; the result is lowercase words separated by single spaces."""
        text = unicodedata.normalize("NFKC", text.translate(_PREPARE)).translate(_PREPARE)
        text = unicodedata.normalize("NFKC", text.lower())
        text = _TIME_RE.sub(_expand_time, text)
        text = _FRACTION_RE.sub(_expand_fraction, text)
        text = _NUMBER_RE.sub(_expand_number, text)
        text = text.replace("&", " and ").replace("%", " percent ")
        text = _ACRONYM_RE.sub(lambda match: match[0].replace(".", ""), text)
        text = _SPELLED_RE.sub(lambda match: match[0].replace("-", ""), text)
        text = text.translate(_PUNCTUATION)
        words = [word.strip("'") for word in text.split()]
        return " ".join(_apply_word_rules([word for word in words if word]))

    def __repr__(self) -> str:
        return f"EnglishNormalizer(name={self.name!r}, version={self.version!r})"


_REGISTRY: dict[str, type] = {
    EnglishNormalizer.name: EnglishNormalizer,
    IdentityNormalizer.name: IdentityNormalizer,
}


def normalizer_names() -> list[str]:
    """Names accepted by :func:`get_normalizer`."""
    return sorted(_REGISTRY)


def get_normalizer(name: str | None = None) -> Normalizer:
    """The normalizer called ``name``; ``None`` gives the default ("tunefork-english")."""
    chosen = name or DEFAULT_NORMALIZER
    try:
        return _REGISTRY[chosen]()
    except KeyError:
        known = ", ".join(normalizer_names())
        raise TuneforkError(f"Unknown normalizer {chosen!r}; choose one of: {known}.") from None
