"""The English normalizer: one test per policy rule, plus idempotence and symmetry properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunefork.errors import TuneforkError
from tunefork.evaluation.normalizer import EnglishNormalizer, IdentityNormalizer, get_normalizer

normalize = EnglishNormalizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello   World", "hello world"),
        ("Hello, world! How are you?", "hello world how are you"),
        ("Don't stop", "don't stop"),
        ("He said 'quoted' words", "he said quoted words"),
        ("the students' books", "the students books"),
        ("It’s curly", "it's curly"),
        ("state-of-the-art", "state of the art"),
        ("well—known … dash – here", "well known dash here"),
        ("  leading\ttabs\nand newlines  ", "leading tabs and newlines"),
        ("U.S.A. at 5 a.m.", "usa at five am"),
        ("rock & roll", "rock and roll"),
    ],
)
def test_case_punctuation_and_whitespace(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25", "twenty five"),
        ("twenty-five", "twenty five"),
        ("0", "zero"),
        ("3.5", "three point five"),
        ("3.05", "three point zero five"),
        ("21st", "twenty first"),
        ("the 2nd and 3rd", "the second and third"),
        ("11th", "eleventh"),
        ("5%", "five percent"),
        ("5 %", "five percent"),
        ("3.5%", "three point five percent"),
        ("five per cent", "five percent"),
        ("$5", "five dollars"),
        ("$1", "one dollar"),
        ("$5.50", "five dollars fifty cents"),
        ("$0.99", "ninety nine cents"),
        ("$2.5", "two point five dollars"),
        ("$5 million", "five million dollars"),
        ("£3", "three pounds"),
        ("1,000", "one thousand"),
        ("1,234,567", "one million two hundred thirty four thousand five hundred sixty seven"),
        ("007", "zero zero seven"),
        ("mp3", "mp three"),
        ("10:30", "ten thirty"),
        ("10:05", "ten oh five"),
        ("the 1990s", "the nineteen nineties"),
    ],
)
def test_numbers_are_spelled_out(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1910", "nineteen ten"),
        ("2024", "twenty twenty four"),
        ("1100", "eleven hundred"),
        ("1905", "nineteen oh five"),
        ("2005", "two thousand five"),
        ("2099", "twenty ninety nine"),
        ("born in 1999.", "born in nineteen ninety nine"),
    ],
)
def test_standalone_four_digit_numbers_read_as_years(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1099", "one thousand ninety nine"),
        ("2100", "two thousand one hundred"),
        ("1,910", "one thousand nine hundred ten"),
        ("$1910", "one thousand nine hundred ten dollars"),
        ("1910%", "one thousand nine hundred ten percent"),
        ("1910.5", "one thousand nine hundred ten point five"),
    ],
)
def test_quantities_are_not_years(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("25", "twenty five"),
        ("25", "twenty-five"),
        ("1910", "nineteen ten"),
        ("2024", "twenty twenty-four"),
        ("105", "one hundred and five"),
        ("105", "one hundred five"),
        ("105", "a hundred and five"),
        ("1,005", "one thousand and five"),
        ("105th", "one hundred and fifth"),
        ("5%", "five percent"),
        ("$5", "five dollars"),
        ("21st", "twenty-first"),
    ],
)
def test_written_and_spoken_numbers_match(written: str, spoken: str) -> None:
    assert normalize(written) == normalize(spoken)


def test_and_is_kept_outside_numbers() -> None:
    assert normalize("bread and butter") == "bread and butter"
    assert normalize("one and two") == "one and two"
    assert normalize("a hundred and fifty people and a dog") == "one hundred fifty people and a dog"


def test_titles_are_spelled_out_as_said() -> None:
    """'Dr. Patel' heard as 'Doctor Patel' was two errors (a speech review)."""
    assert normalize("Dr. Patel and Mrs. Oyelaran") == normalize("doctor patel and missus oyelaran")
    assert normalize("Mr Smith Jr., Prof. Lee") == "mister smith junior professor lee"
    assert normalize("St. Mary's") == "st mary's"  # saint or street: left alone


def test_fractions_units_and_hyphenated_letters_read_as_said() -> None:
    """A vet review: '1/2 tablet' read 'one two tablet', '5 mg' and 'five milligrams' were two errors apart, and
    Whisper's 'B-I-D' was three words against 'b.i.d.' (1.2)."""
    assert normalize("Give 1/2 tablet, then 3/4 and 2/3.") == "give one half tablet then three quarters and two thirds"
    assert normalize("12/25 and 5/2") == "twelve twenty five and five two"  # no fraction: as before
    assert normalize("Give 5 mg of meloxicam") == normalize("give five milligrams of meloxicam")
    assert normalize("The dog weighs 12 kg, the cat 1 kg and 0.5mg") == (
        "the dog weighs twelve kilograms the cat one kilogram and zero point five milligrams")  # fmt: skip
    assert normalize("mg alone") == "mg alone"  # a unit only after a number
    assert normalize("B-I-D") == normalize("b.i.d.") == normalize("BID") == "bid"
    assert normalize("an x-ray and a well-known T-shirt") == "an x ray and a well known t shirt"
    # a code review: '21 kg' read 'twenty one kilogram', 'first mg' as a quantity, 'A-B testing' as 'ab testing'
    assert normalize("21 kg and 0.1 mg") == "twenty one kilograms and zero point one milligrams"
    assert normalize("the first mg") == "the first mg"
    assert normalize("A-B testing") == normalize("A/B testing") == "a b testing"


def test_identity_normalizer_only_collapses_whitespace() -> None:
    raw = IdentityNormalizer()
    assert raw("  Hello,   World 25 ") == "Hello, World 25"
    assert (raw.name, raw.version) == ("raw", "1.0")


def test_get_normalizer() -> None:
    default = get_normalizer()
    assert isinstance(default, EnglishNormalizer)
    assert (default.name, default.version) == ("tunefork-english", "1.2")
    assert isinstance(get_normalizer("raw"), IdentityNormalizer)
    with pytest.raises(TuneforkError, match="Unknown normalizer"):
        get_normalizer("klingon")


_PIECES = st.one_of(
    st.sampled_from(["hello", "World", "don't", "'quoted'", "a", "and", "hundred", "per", "cent", "U.S.", "a.m."]),
    st.from_regex(r"[0-9]{1,6}", fullmatch=True),
    st.from_regex(r"[$£€]?[0-9]{1,3}(,[0-9]{3})?(\.[0-9]{1,3})?(st|nd|rd|th|s|%)?", fullmatch=True),
    st.sampled_from(list(".,;:!?-'\"()[]&%$/—…’")),
    st.text(alphabet="abcXYZ019-'.,", min_size=1, max_size=6),
)
_TEXTS = st.lists(_PIECES, max_size=12).flatmap(
    lambda pieces: st.lists(st.sampled_from(["", " ", "  ", "\t"]), min_size=len(pieces), max_size=len(pieces)).map(
        lambda seps: "".join(p + s for p, s in zip(pieces, seps, strict=True))
    )
)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_normalizer_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(_TEXTS)
def test_output_has_only_lowercase_words_without_digits(text: str) -> None:
    result = normalize(text)
    assert result == result.lower()
    assert not any(ch.isdigit() for ch in result)
    assert result == " ".join(result.split())
    assert all(not word.startswith("'") and not word.endswith("'") for word in result.split())
