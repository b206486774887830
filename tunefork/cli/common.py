"""What every command shares: the workspace from ``--home``, consoles, progress (bars or log lines), error display."""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import typing
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup, _TyperParameter

from tunefork.cli.progress_lines import progress_lines
from tunefork.errors import TuneforkError
from tunefork.evaluation.result import EvaluationResult
from tunefork.progress import ProgressCallback
from tunefork.timestamps import with_rfc3339_times
from tunefork.workspace import Workspace


class DiagnosticsConsole(Console):
    """The stderr console (warnings, progress): when its reader has gone away (``tunefork ... 2>&1 | head -1``),
    it stops writing, quietly, where Rich's default would end the process (``SystemExit``) in the middle of the
    work, a training left Running, say. What stdout answers still ends a command whose reader has gone."""

    def on_broken_pipe(self) -> None:
        self.quiet = True


PIPED_WIDTH = 160
"""Columns of standard output when it is not a terminal and ``COLUMNS`` is unset (a file, a pipe, a program
reading the answer): Rich would take 80 and cut the tables' texts short."""


def _output_width() -> int | None:
    """:data:`PIPED_WIDTH` for output that is not a terminal, else ``None`` (Rich asks the terminal or ``COLUMNS``)."""
    return None if os.environ.get("COLUMNS") or sys.stdout.isatty() else PIPED_WIDTH


console = Console(width=_output_width())
err_console = DiagnosticsConsole(stderr=True)

WHOLE_COLUMNS = frozenset({"name", "id"})
"""Table columns never cut short (see :class:`PlainTable`)."""

VALUE_WORDS = {str: "TEXT", int: "INTEGER", float: "NUMBER", bool: "BOOLEAN"}


def help_value(param: _TyperParameter, ctx: click.Context) -> str:
    """What ``--help`` shows for a parameter's value: nothing for a flag, else TEXT, INTEGER, PATH, the choices...

    Replaces Typer's Python type names (``<bool>``, ``<list[str]>``); a repeatable option ends in ``...``.
    """
    if getattr(param, "is_flag", False):
        return ""
    described = param.type_descriptor
    if described.is_choice:
        return "|".join(str(getattr(choice, "value", choice)) for choice in described.choices or ())
    if described.is_path:
        return "PATH"
    if described.is_list:
        return help_word(typing.get_args(described.annotation)[0]) + "..."
    return help_word(described.annotation)


def help_word(annotation: Any) -> str:
    """TEXT, INTEGER, NUMBER... for a parameter's type."""
    return VALUE_WORDS.get(annotation, getattr(annotation, "__name__", "VALUE").upper())


_TyperParameter.display_type = help_value  # type: ignore[method-assign]


_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal obeys instead of showing (escape sequences, bidirectional overrides); tab and newline pass."""


def visible(text: str) -> str:
    """``text`` with terminal control characters written as escapes (``\\x1b``, ``\\u202e``): a logged request's
    escape sequences set the window title and cleared the admin's screen in ``endpoint logs list`` (a review)."""
    return _TERMINAL_CONTROLS.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def plain(value: Any) -> str:
    """``value`` as text that Rich prints as is: names and reasons come from users and may hold ``[tags]`` or
    terminal control characters (:func:`visible`).

    Every user-supplied string printed through Rich markup goes through here (or :class:`PlainTable`).
    """
    return escape(visible(str(value)))


class PlainTable(Table):
    """A Rich table whose string cells and title are printed as they are, never read as markup.

    In a narrow terminal the ``name`` and ``id`` columns wrap onto more lines instead of being cut with an
    ellipsis like the others: they are what users type next, so every character must stay visible.
    """

    def __init__(self, *headers: str, title: str | None = None) -> None:
        super().__init__(title=Text(visible(title)) if title is not None else None)
        for header in headers:  # a Text: a model named "base [v1]" lost "[v1]", "my[/x]" raised (a code review)
            self.add_column(Text(visible(header)), overflow="fold" if header in WHOLE_COLUMNS else "ellipsis")

    def add_row(self, *cells: Any, **options: Any) -> None:
        """Add a row; string cells become plain :class:`~rich.text.Text`."""
        super().add_row(*(Text(visible(cell)) if isinstance(cell, str) else cell for cell in cells), **options)


class FriendlyErrorGroup(TyperGroup):
    """Shows a ``TuneforkError`` as a one-line message and exit code 1 instead of a traceback, and so a full disk
    (the error names the file system; what was half written is removed by the staging folders' cleanup)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            where = f" ({os.path.dirname(exc.filename)})" if isinstance(exc.filename, str) else ""
            err_console.print(f"[bold red]Error:[/] {plain(exc.strerror)}{plain(where)}: free some space and run the "
                              "command again (nothing half-written is kept).", highlight=False)  # fmt: skip
            raise typer.Exit(1) from exc
        except TuneforkError as exc:
            message = str(exc)
            err_console.print(f"[bold red]Error:[/] {plain(message)}", highlight=False)
            unquoted = [issue for issue in getattr(exc, "rejections", []) if _reason(issue) not in message]
            for issue in unquoted[:50]:
                err_console.print(f"  - {_issue_text(issue)}", highlight=False)
            if len(unquoted) > 50:
                err_console.print(f"  ... and {len(unquoted) - 50} more", highlight=False)
            raise typer.Exit(1) from exc


def _reason(issue: Any) -> str:
    return str((issue if isinstance(issue, dict) else issue.__dict__)["reason"])


def _issue_text(issue: Any) -> str:
    """Reasons already name the file, line and item (the importers guarantee it); escaped for Rich."""
    return plain(_reason(issue))


def issue_lines(issues: list[Any]) -> list[str]:
    """Readable lines for rejections or warnings (escaped: print them inside Rich markup as they are)."""
    return [_issue_text(issue) for issue in issues]


def workspace_from(ctx: typer.Context) -> Workspace:
    """The workspace chosen by the top-level ``--home`` option (or ``TUNEFORK_HOME``)."""
    root = ctx.find_root()
    if "workspace" not in root.meta:
        root.meta["workspace"] = Workspace.open(root.params.get("home"))
        root.call_on_close(root.meta["workspace"].close)
    return root.meta["workspace"]


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A Rich progress bar on stderr (stdout stays clean for ``--json``) driven by a callback; when stderr is not a
    terminal (a log, a pipe), where a bar shows nothing, plain lines there at a modest rate instead
    (:mod:`tunefork.cli.progress_lines`)."""
    if not err_console.is_terminal:
        with progress_lines(description, _say_on_stderr) as progress:
            yield progress
        return
    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(plain(description), total=None)

        def update(done: int, total: int, step: str) -> None:
            progress.update(task, completed=done, total=total or None, description=plain(step or description))

        yield update


def _say_on_stderr(line: str) -> None:
    err_console.print(visible(line), markup=False, highlight=False, soft_wrap=True)


def result_table(result: EvaluationResult) -> Table:
    """An evaluation result's side-by-side table, with its verdict as the caption (names shown as plain text)."""
    shown = result.table()
    verdict = result.verdict()
    caption = Text(visible(f"Verdict: {verdict}")) if verdict else None
    table = Table(title=Text(visible(f"Evaluation on {shown.title}")), caption=caption)
    table.add_column("Metric", style="bold")
    for model in shown.models:
        table.add_column(Text(visible(model)), justify="right")
    for label, cells in shown.rows:
        table.add_row(Text(visible(label)), *(Text(visible(cell)) for cell in cells))
    return table


def print_verbatim(*lines: str) -> None:
    """Print each line on stdout as written (terminal controls shown as escapes, :func:`visible`): no Rich markup or
    highlighting, and no wrapping inside it."""
    for line in lines:
        console.print(visible(line), soft_wrap=True, highlight=False, markup=False)


def print_warnings(warnings: Iterable[str]) -> None:
    """Each warning on stderr, after a red WARNING."""
    for warning in warnings:
        err_console.print(f"[bold red]WARNING:[/] {plain(warning)}", highlight=False)


def print_result(result: EvaluationResult, details: bool = False) -> None:
    """Warnings in red on stderr, then the side-by-side table and its notes; with ``details``, what ``report.md``
    shows after them (per-intent scores, confusion pairs and misclassified examples; the worst utterances)."""
    print_warnings(result.warnings)
    console.print(result_table(result))
    print_verbatim(*result.table().notes)
    if details:
        print_markdown_lines(result.markdown_details())


def _markdown_cells(line: str) -> list[str]:
    """The cells of a Markdown table row (``\\|`` inside a cell is a bar)."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def print_markdown_lines(lines: list[str]) -> None:
    """What report.md holds, for a terminal: a ``## title`` in bold, a Markdown table as a table (an entities
    review read raw ``|---|`` rows), every other line as it is."""
    index = 0
    while index < len(lines):
        line = lines[index]
        if heading := re.match(r"#{1,6} ", line):
            console.print(Text(visible(line[heading.end() :]), style="bold"))
        elif line.startswith("|") and index + 1 < len(lines) and set(lines[index + 1]) <= set("|-: "):
            rows = []
            index += 2
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(_markdown_cells(lines[index]))
                index += 1
            table = PlainTable(*_markdown_cells(line))
            for column in table.columns:  # labels and examples are read whole, in any terminal
                column.overflow = "fold"
            for row in rows:
                table.add_row(*row)
            console.print(table)
            continue
        elif line:
            print_verbatim(line)
        index += 1


def when(iso: str | None, seconds: bool = False) -> str:
    """A stored time (ISO 8601, UTC when naive) as a sentence or a table says it: ``2026-12-03 18:05 UTC``
    (``18:05:09 UTC`` with ``seconds``); ``-`` for none."""
    if not iso:
        return "-"
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def print_json(value: Any) -> None:
    """Print plain JSON to stdout (no colour, no wrapping) for scripts; times as the REST API gives them."""
    typer.echo(json.dumps(with_rfc3339_times(value), indent=2, ensure_ascii=False, default=str))


def monitor_names(names: list[str]) -> str:
    """Monitor names as a warning or a question lists them: ``'a', 'b'``."""
    return plain(", ".join(f"'{name}'" for name in names))


def warn_about_monitors(names: list[str], what: str) -> None:
    """A warning naming the monitors ``names`` and ``what`` happened to them; nothing when there are none."""
    if names:
        err_console.print(f"[bold red]WARNING:[/] monitor(s) {monitor_names(names)} {what}", highlight=False)
