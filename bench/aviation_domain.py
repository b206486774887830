"""A generated aviation-operations domain for checking term handling on data no default was tuned on (issue 17).

Like ``bench/maintenance_domain.py``, but with its own vocabulary: report and navigation acronyms, aircraft
model numbers, aircraft parts and crew names, with pronunciation entries of its own. It was written before any
term-handling change it checks and is only ever scored as a whole (``bench/term_losses.py``): nobody reads its
failures to choose a default.
"""

from __future__ import annotations

from maintenance_domain import fill_templates

PRONUNCIATIONS = [
    ("ATIS", "ay tis"),
    ("NOTAM", "no tam"),
    ("METAR", "mee tar"),
    ("ILS", "i l s"),
    ("VOR", "v o r"),
    ("A320", "a three twenty"),
    ("Q400", "q four hundred"),
    ("Bombardier", "bom bar dee ay"),
    ("Kowalczyk", "ko val chick"),
    ("Okafor", "oh ka for"),
    ("pitot", "pee toe"),
    ("Rotax", "row tax"),
]
AIRCRAFT = ["A320", "Q400", "Bombardier jet", "Rotax trainer", "Cessna", "cargo freighter"]
PARTS = [
    "pitot tube", "aileron", "altimeter", "transponder", "yaw damper", "empennage", "stall warning vane",
    "rudder trim", "de-icing boot", "Rotax engine",
]  # fmt: skip
ACTIONS = ["inspect", "replace", "test", "service", "verify", "reseat"]
PLACES = ["gate twelve", "the north apron", "the hangar", "taxiway bravo", "the cargo ramp"]
REPORTS = ["ATIS", "NOTAM", "METAR"]
NAVAIDS = ["ILS", "VOR"]
CREW = ["Captain Kowalczyk", "First Officer Okafor", "the flight engineer"]
TEMPLATES = [
    "{crew} reported that the {part} on the {aircraft} failed during the climb.",
    "Please {action} the {part} on the {aircraft} before it leaves {place}.",
    "Check the latest {report} before the {aircraft} departs from {place}.",
    "Request the {report} and confirm the {navaid} approach for runway two seven.",
    "{crew} will {action} the {part} once the {aircraft} is parked at {place}.",
    "A new {report} says the {navaid} at the field is out of service until tomorrow.",
    "The {aircraft} flagged a fault on the {part} and returned to {place}.",
]
TERMS = sorted(
    {display for display, _ in PRONUNCIATIONS} | {"aileron", "altimeter", "transponder", "empennage", "yaw damper"}
)
"""Terms whose recall is reported."""


def sentences(count: int, seed: int) -> list[str]:
    """``count`` distinct generated sentences (seeded)."""
    slots = {
        "crew": CREW, "part": PARTS, "aircraft": AIRCRAFT, "action": ACTIONS, "place": PLACES,
        "report": REPORTS, "navaid": NAVAIDS,
    }  # fmt: skip
    return [sentence[0].upper() + sentence[1:] for sentence in fill_templates(TEMPLATES, slots, count, seed)]
