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


class OverallProgress:
    """One fraction for a whole piece of work reported step by step: it only rises and reaches 1 only at the end.

    Library code reports each step's own ``done / total`` (a training: the intents' folds, then the recognizer's
    epochs...), which starts again from 0 at every step; stored as is, a job's progress went 1.0 while it still
    ran, then back to 0.17. A fraction lower than the last one starts a new step, which moves the overall
    fraction through :data:`STEP_SHARE` of what remains; the work's end sets 1 (its caller does).
    The step and its own count stay in the description.
    """

    STEP_SHARE = 0.5

    def __init__(self) -> None:
        self.base, self.last, self.value = 0.0, 0.0, 0.0

    def update(self, done: int, total: int) -> float:
        """The overall fraction after a report of ``done`` of ``total`` in the current step."""
        if not total:
            return self.value
        fraction = min(max(done / total, 0.0), 1.0)
        if fraction < self.last:
            self.base = self.value
        self.last = fraction
        self.value = max(self.value, self.base + (1.0 - self.base) * self.STEP_SHARE * fraction)
        return self.value
