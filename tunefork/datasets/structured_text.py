"""Azure Custom Speech structured text (markdown) -> sentence, list and pronunciation records.

Accepted syntax (one construct per line; blank lines and ``>`` comment lines are skipped)::

    @ list food =            a list definition; its items follow as '- item' lines
    - pizza
    - ice cream

    # Ordering               a section heading ('#Ordering' works too); '- sentence' lines follow
    - I want {@food}         a sentence template: {@name} is replaced by each item of list 'name'
    - {@food} please
    I would like {@food}     plain lines outside list/lexicon blocks are sentences too

    @ speech:phoneticlexicon  pronunciations follow as '- display/phones' lines
    - cat/k ae t

Lists may be defined before or after the sentences that use them. A template expands to every
combination of its lists' items, at most :data:`MAX_EXPANSIONS` of them: beyond that a deterministic
sample (seeded by the template text) is kept and a warning says so. Other ``@`` definitions (entities,
prebuilt models) are not supported: the header line is rejected and its items are ignored.

Azure's phones (its own phone set) are kept with the record but not used: a lexicon entry's spoken form is
its display form, so the word is learned as written (its pronunciation guessed from the spelling, as for
any new word) and its display form biases recognition; a warning at the lexicon's header says so. Read as
words, "b r ax v eh k t ow" would have been spelled out letter by letter.

Records: ``{"id", "type": "sentence", "text", "section", "line"}``,
``{"id", "type": "list", "name", "items", "line"}`` and
``{"id", "type": "pronunciation", "display", "spoken", "phones", "line"}``.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunefork.datasets.ids import IdAllocator
from tunefork.datasets.lines import read_text_lines
from tunefork.datasets.results import ItemIssue, ParsedItems

MAX_EXPANSIONS = 100
"""Most sentences one template may expand to."""

_LIST_HEADER = re.compile(r"^@\s*list\s+([^\s=]+)\s*=\s*$", re.IGNORECASE)
_LEXICON_HEADER = re.compile(r"^@\s*speech\s*:\s*phoneticlexicon\s*$", re.IGNORECASE)
_SECTION = re.compile(r"^#+\s*(.*?)\s*$")
_ITEM = re.compile(r"^[-*+]\s+(.*?)\s*$")
_REFERENCE = re.compile(r"\{@\s*([^{}\s]+)\s*\}")


PHONES_NOT_USED = (
    "the phonetic lexicon's phones are not used: each display form is learned as written (its pronunciation "
    "guessed from the spelling) and biases recognition; to say how a word sounds, upload a pronunciation file "
    "('DISPLAY<TAB>spoken form', e.g. 'Bravecto<TAB>bra vek toe')"
)


@dataclass
class _Document:
    lists: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    templates: list[tuple[int, str, str]] = field(default_factory=list)
    lexicon: list[tuple[int, str, str]] = field(default_factory=list)


class _Parser:
    """Line-by-line state machine: which block (list, lexicon, section, ignored) lines belong to."""

    def __init__(self, display_name: str, parsed: ParsedItems) -> None:
        self.name = display_name
        self.parsed = parsed
        self.doc = _Document()
        self.block = "section"
        self.section = ""
        self.current_list: list[str] = []
        self.seen_pronunciations: dict[tuple[str, str], int] = {}

    def reject(self, number: int, reason: str) -> None:
        self.parsed.rejections.append(ItemIssue(self.name, f"{self.name} line {number}: {reason}", number))

    def warn(self, number: int, reason: str) -> None:
        self.parsed.warnings.append(ItemIssue(self.name, f"{self.name} line {number}: {reason}", number))

    def feed(self, number: int, line: str) -> None:
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            return
        if stripped.startswith("@"):
            self._header(number, stripped)
        elif match := _SECTION.match(stripped):
            self.block, self.section = "section", match.group(1)
        elif match := _ITEM.match(stripped):
            self._item(number, match.group(1))
        elif self.block == "section":
            self._sentence(number, stripped)
        elif self.block != "ignored":
            self.reject(number, f"expected a '- ' item inside the {self.block} block")

    def _header(self, number: int, stripped: str) -> None:
        if match := _LIST_HEADER.match(stripped):
            name = match.group(1)
            if name in self.doc.lists:
                self.reject(number, f"duplicate id: list '{name}' is already defined on line {self.doc.lists[name][0]}")
                self.block = "ignored"
                return
            self.current_list = []
            self.doc.lists[name] = (number, self.current_list)
            self.block = "list"
        elif _LEXICON_HEADER.match(stripped):
            self.block = "lexicon"
            self.warn(number, PHONES_NOT_USED)
        else:
            self.reject(
                number,
                f"unsupported definition '{stripped}' (only '@ list name =' and "
                "'@ speech:phoneticlexicon'); its items are ignored",
            )
            self.block = "ignored"

    def _item(self, number: int, text: str) -> None:
        text = " ".join(text.split())
        if self.block == "list":
            if text in self.current_list:
                self.warn(number, f"list item '{text}' repeated; kept once")
            elif text:
                self.current_list.append(text)
        elif self.block == "lexicon":
            self._pronunciation(number, text)
        elif self.block == "section":
            self._sentence(number, text)

    def _sentence(self, number: int, text: str) -> None:
        text = " ".join(text.split())
        leftover = _REFERENCE.sub("", text)
        if "{" in leftover or "}" in leftover:
            self.reject(number, "malformed reference: write list references as {@listname}")
        elif text:
            self.doc.templates.append((number, self.section, text))

    def _pronunciation(self, number: int, text: str) -> None:
        display, slash, spoken = text.rpartition("/")
        display, spoken = display.strip(), " ".join(spoken.split())
        if not slash:
            self.reject(number, "expected 'display/phones' in the phonetic lexicon")
        elif not display or not spoken:
            self.reject(number, "empty display form or phones in the phonetic lexicon")
        elif (display, spoken) in self.seen_pronunciations:
            self.reject(number, f"duplicate of line {self.seen_pronunciations[display, spoken]} ('{display}')")
        else:
            self.seen_pronunciations[display, spoken] = number
            self.doc.lexicon.append((number, display, spoken))


def _combinations(sizes: list[int], seed_text: str) -> tuple[list[tuple[int, ...]], int]:
    """Index tuples to fill the slots: all of them, or a sorted deterministic sample of MAX_EXPANSIONS."""
    total = math.prod(sizes)
    if total <= MAX_EXPANSIONS:
        return list(itertools.product(*(range(n) for n in sizes))), total
    seed = int.from_bytes(hashlib.sha256(seed_text.encode("utf-8")).digest()[:8], "big")
    picked = sorted(random.Random(seed).sample(range(total), MAX_EXPANSIONS))
    combos = []
    for flat in picked:
        digits = []
        for n in reversed(sizes):
            flat, digit = divmod(flat, n)
            digits.append(digit)
        combos.append(tuple(reversed(digits)))
    return combos, total


def _expand(parser: _Parser, number: int, section: str, template: str, id_prefix: str) -> list[dict[str, Any]]:
    names = _REFERENCE.findall(template)
    missing = sorted({n for n in names if n not in parser.doc.lists or not parser.doc.lists[n][1]})
    if missing:
        parser.reject(number, f"unknown or empty list {', '.join(repr(n) for n in missing)} in '{template}'")
        return []
    if not names:
        return [
            {
                "id": f"{id_prefix}sentence-{number}",
                "type": "sentence",
                "text": template,
                "section": section,
                "line": number,
            }
        ]
    options = [parser.doc.lists[n][1] for n in names]
    combos, total = _combinations([len(o) for o in options], template)
    if total > len(combos):
        parser.warn(number, f"template expands to {total} sentences; kept a deterministic sample of {len(combos)}")
    pieces = _REFERENCE.split(template)  # text, name, text, name, ..., text
    records = []
    for k, combo in enumerate(combos, start=1):
        filled = [pieces[0]]
        for slot, choice in enumerate(combo):
            filled.extend([options[slot][choice], pieces[2 * slot + 2]])
        text = " ".join("".join(filled).split())
        records.append(
            {
                "id": f"{id_prefix}sentence-{number}-{k}",
                "type": "sentence",
                "text": text,
                "section": section,
                "line": number,
            }
        )
    return records


def parse_structured_text(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """Parse one structured-text markdown file (see the module docs for the syntax accepted)."""
    decoded = read_text_lines(path, display_name)
    parsed = ParsedItems(rejections=list(decoded.rejections))
    parser = _Parser(display_name, parsed)
    for number, line in decoded.lines:
        parser.feed(number, line)
    list_ids = IdAllocator()
    for name, (number, items) in parser.doc.lists.items():
        if not items:
            parser.reject(number, f"list '{name}' has no '- item' lines")
            continue
        parsed.records.append(
            {
                "id": f"{id_prefix}list-{list_ids.allocate(name)}",
                "type": "list",
                "name": name,
                "items": list(items),
                "line": number,
            }
        )
    for number, section, template in parser.doc.templates:
        parsed.records.extend(_expand(parser, number, section, template, id_prefix))
    for number, display, phones in parser.doc.lexicon:
        parsed.records.append(
            {
                "id": f"{id_prefix}pronunciation-{number}",
                "type": "pronunciation",
                "display": display,
                "spoken": display,
                "phones": phones,
                "line": number,
            }
        )
    return parsed
