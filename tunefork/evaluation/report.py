"""The one writer of evaluation reports: ``evaluation.json``, ``report.md`` and each result's own files.

Every result follows :class:`~tunefork.evaluation.result.EvaluationResult`; this module renders the
Markdown report the same way for every kind (warnings first, the table, the verdict, the details) and
writes every file atomically, so a reader sees the previous report or the new one, never half.
"""

from __future__ import annotations

from pathlib import Path

from tunefork.evaluation.result import EvaluationResult, md_cell
from tunefork.store.artifacts import atomic_write_bytes, atomic_write_json, atomic_write_text, write_jsonl

JSON_FILE = "evaluation.json"
MARKDOWN_FILE = "report.md"


def render_markdown(result: EvaluationResult) -> str:
    """The readable report: warnings first, the metrics side by side, the verdict, then the result's details."""
    table = result.table()
    lines = [f"# Evaluation report: {table.title}", ""]
    for warning in result.warnings:
        lines += [f"> **⚠ WARNING:** {md_cell(warning)}", ""]
    lines += [
        "| Metric | " + " | ".join(md_cell(model) for model in table.models) + " |",
        "|---|" + "---:|" * len(table.models),
    ]
    lines += [f"| {label} | " + " | ".join(md_cell(cell) for cell in cells) + " |" for label, cells in table.rows]
    lines.append("")
    lines += [f"{note}" for note in table.notes] + ([""] if table.notes else [])
    verdict = result.verdict()
    if verdict:
        lines += [f"Verdict: **{verdict}**", ""]
    lines += result.markdown_details()
    return "\n".join(lines)


def write_report(result: EvaluationResult, folder: Path) -> list[Path]:
    """Write ``evaluation.json``, ``report.md`` and the result's own files into ``folder``; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / JSON_FILE, result.to_json())
    atomic_write_text(folder / MARKDOWN_FILE, render_markdown(result))
    paths = [folder / JSON_FILE, folder / MARKDOWN_FILE]
    for name, content in result.report_files().items():
        path = folder / name
        if isinstance(content, bytes):
            atomic_write_bytes(path, content)
        elif isinstance(content, str):
            atomic_write_text(path, content)
        else:
            write_jsonl(path, content)
        paths.append(path)
    return paths
