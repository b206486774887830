"""CSV records of a text upload read line by line, so each row keeps its line number and a bad row is skipped
alone: quoted fields may span lines, and a quote left open is named with the lines it swallowed."""

from __future__ import annotations

import csv
from collections.abc import Iterator


def csv_rows(lines: list[tuple[int, str]]) -> Iterator[tuple[int, list[str] | str]]:
    """``(first line number, fields)`` of each CSV record (quoted fields may span lines), or ``(line, reason)``
    for a record the CSV reader refuses (reading goes on with the next line)."""
    numbers: list[int] = []

    def feed() -> Iterator[str]:
        for number, line in lines:
            numbers.append(number)
            yield line + "\n"

    reader = csv.reader(feed())
    used = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = str(exc)
            if "field limit" in problem:
                problem = f"a field is longer than {csv.field_size_limit():,} characters"
            start, used = numbers[min(used, len(numbers) - 1)], len(numbers)
            yield start, f"malformed CSV ({problem}); this row was skipped"
            continue
        start, used = numbers[used], len(numbers)
        if row:
            yield start, row


def unclosed_quote(row: list[str]) -> str:
    """``"; a quote ... not closed ..."`` when a field of ``row`` runs over later lines (a quote opened and never
    closed reads every following line into it), for a row whose field count is wrong; else ``""``."""
    spanned = sum(field.rstrip("\n").count("\n") for field in row)
    if not spanned:
        return ""
    return (
        f'; a quote (") opened on this line is not closed, so the {spanned} line(s) after it were read into this '
        'field: close it, or write a quote inside a text twice ("")'
    )
