"""When monitors run: cron schedules (``croniter``) and maintenance windows to skip, all in UTC.

A window is ``"[DAY] HH:MM-HH:MM"``: ``"Sat 00:00-06:00"`` skips Saturday mornings, ``"02:00-03:00"``
every night; a window whose end is before its start runs past midnight (``"Sun 23:00-01:00"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time

from croniter import CroniterBadDateError, croniter

from tunefork.errors import TuneforkError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WINDOW = re.compile(r"^\s*(?:(?P<day>[A-Za-z]{3})[a-z]*\s+)?(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")


MAX_SKIPPED_SLOTS = 10_000
"""Most slots :func:`next_slot` passes over in exclusion windows before it calls the schedule one that never runs."""


def check_schedule(schedule: str) -> str:
    """``schedule`` when it is a valid five-field cron expression that fires, else a :class:`TuneforkError`."""
    schedule = " ".join((schedule or "").split())
    if len(schedule.split()) != 5 or not croniter.is_valid(schedule):
        raise TuneforkError(f"'{schedule}' is not a cron schedule: give five fields, e.g. \"*/30 * * * *\".")
    next_slot(schedule, datetime.now(UTC))  # "0 0 30 2 *" is valid cron, but no date matches it
    return schedule


def next_slot(schedule: str, after: datetime, windows: list[str] | None = None) -> datetime:
    """The first time ``schedule`` fires strictly after ``after`` (UTC) outside the maintenance ``windows``;
    a :class:`TuneforkError` when no date matches it or every slot falls in a window."""
    slots = croniter(schedule, as_utc(after))
    for _ in range(MAX_SKIPPED_SLOTS):
        try:
            slot = slots.get_next(datetime)
        except CroniterBadDateError:
            raise TuneforkError(f"The schedule '{schedule}' never fires: no date matches it.") from None
        if not excluded(windows or [], slot):
            return slot
    raise TuneforkError(
        f"Every run of the schedule '{schedule}' falls in an exclusion window ({', '.join(windows or [])}); "
        "change the schedule or the windows."
    )


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC); make them aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _clock(text: str, window: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise TuneforkError(f"Exclusion window '{window}': '{text}' is not a time of day (HH:MM, 00:00 to 24:00).")
    return time.max if hours == 24 else time(hours, minutes)


@dataclass(frozen=True)
class Window:
    """A weekly (``day`` 0 = Monday) or daily (``day`` None) time range when a monitor does not run."""

    day: int | None
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> Window:
        """``"Sat 00:00-06:00"`` or ``"02:00-03:00"``; :class:`TuneforkError` saying the format otherwise."""
        match = WINDOW.match(text or "")
        if match is None:
            raise TuneforkError(f'Exclusion window \'{text}\': write it as "Sat 00:00-06:00" or "02:00-03:00" (UTC).')
        day = match.group("day")
        if day is not None and day.lower() not in DAYS:
            raise TuneforkError(f"Exclusion window '{text}': '{day}' is not a day (Mon, Tue... Sun).")
        start, end = _clock(match.group("start"), text), _clock(match.group("end"), text)
        if start == end:
            raise TuneforkError(f"Exclusion window '{text}' is empty: its start and end are the same.")
        return cls(DAYS.index(day.lower()) if day else None, start, end)

    def covers(self, when: datetime) -> bool:
        """True when ``when`` (UTC) falls inside the window."""
        when = as_utc(when)
        clock, weekday = when.time(), when.weekday()
        if self.start < self.end:
            return (self.day is None or weekday == self.day) and self.start <= clock < self.end
        # Past midnight: the evening part on the day, the morning part on the next day.
        evening = (self.day is None or weekday == self.day) and clock >= self.start
        morning = (self.day is None or weekday == (self.day + 1) % 7) and clock < self.end
        return evening or morning


def check_windows(texts: list[str]) -> list[str]:
    """The windows, checked (each must parse), as given."""
    for text in texts:
        Window.parse(text)
    return [text.strip() for text in texts]


def excluded(windows: list[str], when: datetime) -> bool:
    """True when ``when`` falls in one of the maintenance windows."""
    return any(Window.parse(text).covers(when) for text in windows)
