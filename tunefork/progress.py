"""A tiny progress protocol shared by library code; the CLI renders it with Rich, jobs as percent."""

from collections.abc import Callable

ProgressCallback = Callable[[int, int, str], None]
"""Called as ``progress(done, total, description)`` while a long step runs."""


def no_progress(done: int, total: int, description: str) -> None:
    """Default callback: report nothing."""
