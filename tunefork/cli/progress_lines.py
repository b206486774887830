"""Progress for a log: plain lines when stderr is not a terminal (CI, a file, a pipe), where a Rich bar shows nothing.

Work that ends within :data:`QUIET_S` prints nothing. Longer work prints ``[m:ss] step (done/total)`` lines: the
first after :data:`QUIET_S`, then one when the step changes (at most one every :data:`STEP_GAP_S`: a step that
names each item or loss it reaches is not a line per item) and one at least every :data:`INTERVAL_S` while it runs,
even with no news (so a log shows the work is alive), and ``[m:ss] description: done`` when it ends.

Progress never fails the work it reports on: once stderr cannot be written (a pipe whose reader went away, as in
``tunefork ... 2>&1 | head -1``, or a closed file), no more lines are written and the work goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tunefork.progress import ProgressCallback

QUIET_S = 2.0
"""Work that ends sooner prints no line."""
STEP_GAP_S = 10.0
"""Least time between two lines for a changed step."""
INTERVAL_S = 30.0
"""Most time between two lines while the work runs."""
TICK_S = 1.0
"""How often a line that has become due is looked for between reports (a long silent step still gets its lines)."""


def _elapsed(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


class PlainProgress:
    """A progress callback that writes lines with ``write`` at the rate the module docstring describes.

    ``clock`` gives the time in seconds (monotonic); :meth:`tick` writes a line that has become due without a report.
    """

    def __init__(
        self, description: str, write: Callable[[str], None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.description, self.write, self.clock = description, write, clock
        self.started = self.last_line = clock()
        self.step, self.done, self.total = description, 0, 0
        self.shown_step: str | None = None  # the step of the last line; None before the first
        self.silenced = False  # set when a line could not be written: no more are tried
        self.lock = threading.Lock()
        self.tick()

    def __call__(self, done: int, total: int, step: str) -> None:
        with self.lock:
            self.done, self.total, self.step = done, total, step or self.description
            self._write_if_due()

    def tick(self) -> None:
        """Write a line if one is due now."""
        with self.lock:
            self._write_if_due()

    def finish(self) -> None:
        """Say the work is done, if any line was written for it."""
        with self.lock:
            if self.shown_step is not None:
                self._emit(f"[{_elapsed(self.clock() - self.started)}] {self.description}: done")

    def _write_if_due(self) -> None:
        now = self.clock()
        since = now - self.last_line
        if self.shown_step is None:
            due = now - self.started >= QUIET_S
        elif self.step != self.shown_step:
            due = since >= STEP_GAP_S
        else:
            due = since >= INTERVAL_S
        if due:
            counts = f" ({self.done}/{self.total})" if self.total else ""
            self._emit(f"[{_elapsed(now - self.started)}] {self.step}{counts}")
            self.shown_step, self.last_line = self.step, now

    def _emit(self, line: str) -> None:
        """Write ``line`` unless an earlier line could not be; a write that fails silences the rest quietly."""
        if self.silenced:
            return
        try:
            self.write(line)
        except (OSError, ValueError):  # BrokenPipeError, a closed or full stream: progress is not worth failing for
            self.silenced = True


@contextmanager
def progress_lines(description: str, write: Callable[[str], None]) -> Iterator[ProgressCallback]:
    """A :class:`PlainProgress` whose due lines are also written between reports (by a thread stopped on exit);
    the ``done`` line only when the work ends without an error (the error says the rest)."""
    progress = PlainProgress(description, write)
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(TICK_S):
            progress.tick()

    ticker = threading.Thread(target=tick, name="progress-lines", daemon=True)
    ticker.start()
    try:
        yield progress
    finally:
        stop.set()
        ticker.join()
    progress.finish()
