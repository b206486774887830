"""Regular expressions written by users, matched in linear time with RE2 (never with backtracking ``re``).

Python's :mod:`re` backtracks: ``(a+)+$`` takes seconds on 27 characters and doubles with each more,
and a thread stuck in it cannot be stopped. RE2 (``google-re2``) matches in time linear in the text for
every pattern it accepts. It refuses the constructs that need backtracking -- backreferences (``\\1``),
lookarounds (``(?=``, ``(?!``, ``(?<=``, ``(?<!``), atomic groups and possessive quantifiers -- and
these are refused at upload with RE2's reason. ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only in
RE2 (use ``\\pL``, ``\\pN`` for any letter or digit).

Two places take user patterns: Rasa ``regex`` blocks (:func:`compile_regex`) and ``REGEX`` predicates in
spaCy token patterns. spaCy's Matcher compiles ``REGEX`` with :mod:`re`, so
:func:`linear_token_pattern` rewrites each ``{"ATTR": {"REGEX": p}}`` into a custom token attribute whose
value is computed with RE2; :func:`token_regex_problem` checks a pattern's predicates at upload.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

MAX_PATTERN_CHARACTERS = 1000
"""Longest pattern accepted."""
_EXTENSION_PREFIX = "tunefork_regex_"


def _options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False  # reasons go back to the user, not to the server's stderr
    return options


def compile_regex(pattern: str) -> Any:
    """The RE2 program for ``pattern``; raises ValueError with the reason (naming the pattern) when refused."""
    import re2

    if not isinstance(pattern, str) or not pattern:
        raise ValueError("a regular expression must be a non-empty string")
    if len(pattern) > MAX_PATTERN_CHARACTERS:
        raise ValueError(
            f"regular expression of {len(pattern)} characters, over the {MAX_PATTERN_CHARACTERS} character limit"
        )
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
    try:
        re.compile(pattern)  # only to tell a typo from a construct RE2 leaves out; nothing is matched with it
    except (re.error, RecursionError, OverflowError):
        raise ValueError(f"invalid regular expression '{pattern}' ({reason})") from None
    raise ValueError(
        f"regular expression '{pattern}' is not supported by the linear-time regex engine ({reason}); "
        "backreferences and lookarounds cannot be matched safely"
    ) from None


def regex_problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be used as a user regex (a sentence naming it), or None when it can."""
    try:
        compile_regex(pattern)
    except ValueError as exc:
        return str(exc)
    return None


def _holds_regex(value: Any) -> bool:
    """True when a REGEX key sits anywhere inside ``value`` (nested dicts and lists)."""
    if isinstance(value, dict):
        return "REGEX" in value or any(_holds_regex(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_regex(v) for v in value)
    return False


def token_regex_problem(token: dict[str, Any]) -> str | None:
    """Why the ``REGEX`` predicates (or ``_`` attributes) of one token pattern cannot be used, or None."""
    for attr, value in token.items():
        if attr == "_":
            return "custom attributes ('_') are not supported in patterns"
        if not _holds_regex(value):
            continue
        if not isinstance(value, dict) or "REGEX" not in value or not isinstance(value["REGEX"], str):
            return f'\'{attr}\': REGEX takes one pattern string, as {{"{attr}": {{"REGEX": "pattern"}}}}'
        if any(_holds_regex(v) for key, v in value.items() if key != "REGEX"):
            return f"'{attr}': REGEX may not be nested inside other predicates"
        if problem := regex_problem(value["REGEX"]):
            return f"'{attr}': {problem}"
    return None


class _RegexAttribute:
    """Getter of a custom token attribute: does the RE2 program find a match in the token's ``attr``?"""

    def __init__(self, attr: str, pattern: str) -> None:
        upper = attr.upper()
        self.attribute = "text" if upper in ("ORTH", "TEXT") else "morph" if upper == "MORPH" else f"{attr.lower()}_"
        self.program = compile_regex(pattern)

    def __call__(self, token: Any) -> bool:
        value = getattr(token, self.attribute, "")
        return self.program.search(value if isinstance(value, str) else str(value)) is not None


def _regex_attribute(attr: str, pattern: str) -> str:
    """The name of the custom token attribute testing ``pattern`` on ``attr`` (registered once per process)."""
    from spacy.tokens import Token

    digest = hashlib.sha256(f"{attr}\0{pattern}".encode()).hexdigest()[:20]
    name = _EXTENSION_PREFIX + digest
    if not Token.has_extension(name):
        Token.set_extension(name, getter=_RegexAttribute(attr, pattern))
    return name


def linear_token_pattern(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``pattern`` with every ``{"ATTR": {"REGEX": p, ...}}`` predicate tested by RE2 instead of :mod:`re`.

    Other predicates of the same attribute stay as they are. Raises ValueError for a pattern RE2 refuses.
    """
    rewritten = []
    for token in pattern:
        if not isinstance(token, dict) or not any(isinstance(v, dict) and "REGEX" in v for v in token.values()):
            rewritten.append(token)
            continue
        out: dict[str, Any] = {}
        extensions: dict[str, bool] = {}
        for attr, value in token.items():
            if isinstance(value, dict) and "REGEX" in value:
                extensions[_regex_attribute(attr, value["REGEX"])] = True
                rest = {key: item for key, item in value.items() if key != "REGEX"}
                if rest:
                    out[attr] = rest
            else:
                out[attr] = value
        out["_"] = extensions
        rewritten.append(out)
    return rewritten


def linear_patterns(patterns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """EntityRuler patterns with :func:`linear_token_pattern` applied to each token pattern."""
    return [
        {**entry, "pattern": linear_token_pattern(entry["pattern"])}
        if isinstance(entry.get("pattern"), list)
        else entry
        for entry in patterns
    ]
