"""A tiny progress protocol shared by library code; the CLI renders it with Rich (plain lines when stderr is a log),
jobs as percent."""

from collections.abc import Callable

ProgressCallback = Callable[[int, int, str], None]
"""Called as ``progress(done, total, description)`` while a long step runs."""


def no_progress(done: int, total: int, description: str) -> None:
    """Default callback: report nothing."""


def within(progress: ProgressCallback, step: int, steps: int, label: str) -> ProgressCallback:
    """The callback of step ``step`` (0-based) of ``steps`` of ``progress``: the count stays at the outer step
    and each inner report shows as ``label: description``, so a long step (a retraining) says what it is doing."""
    return lambda done, total, description: progress(step, steps, f"{label}: {description}")
