"""A generated technical-maintenance domain for bench/speech_customization.py, never used to tune tunefork.

Sentences are built from templates and a vocabulary unlike the pharmacy domain's (equipment names,
alphanumeric model names, acronyms, part names) with a seeded generator, so the benchmark can check that
what helps on the shipped domain also helps on one nobody looked at while choosing defaults.
"""

from __future__ import annotations

import random

PRONUNCIATIONS = [
    ("PLC", "p l c"),
    ("VFD", "v f d"),
    ("HVAC", "h vac"),
    ("XR-7", "x r seven"),
    ("KT-450", "k t four fifty"),
    ("glycol", "gly call"),
    ("Baumann", "bow man"),
    ("thermocouple", "thermo couple"),
    ("Siemens", "see mens"),
    ("Grundfos", "grund foss"),
]
EQUIPMENT = [
    "centrifugal pump", "Grundfos pump", "Baumann valve", "XR-7 compressor", "KT-450 chiller",
    "VFD", "PLC", "HVAC unit", "Siemens drive", "heat exchanger",
]  # fmt: skip
PARTS = [
    "impeller", "thermocouple", "solenoid", "manifold", "gasket", "actuator", "bearing housing",
    "glycol loop", "pressure transducer", "flow sensor",
]  # fmt: skip
ACTIONS = ["replace", "inspect", "recalibrate", "lubricate", "tighten", "flush", "reset"]
PLACES = ["boiler room", "north mezzanine", "chiller plant", "loading dock", "roof level"]
TEMPLATES = [
    "Please {action} the {part} on the {equipment} before the next shift.",
    "The {equipment} in the {place} tripped again, check the {part}.",
    "We need to {action} the {part} because the {equipment} is overheating.",
    "Log the {part} reading from the {equipment} every four hours.",
    "The technician will {action} the {equipment} in the {place} tomorrow morning.",
    "Order a spare {part} for the {equipment} and note the serial number.",
    "Shut down the {equipment} and {action} the {part} first.",
]
TERMS = sorted(
    {display for display, _ in PRONUNCIATIONS} | {"impeller", "solenoid", "manifold", "actuator", "transducer"}
)
"""Terms whose recall the benchmark reports."""


def fill_templates(templates: list[str], slots: dict[str, list[str]], count: int, seed: int) -> list[str]:
    """``count`` distinct sentences from ``templates``, each slot drawn from its list in ``slots`` order (seeded)."""
    rng = random.Random(seed)
    made: dict[str, None] = {}
    while len(made) < count:
        template = rng.choice(templates)
        made[template.format(**{name: rng.choice(values) for name, values in slots.items()})] = None
    return list(made)


def sentences(count: int, seed: int) -> list[str]:
    """``count`` distinct generated sentences (seeded)."""
    slots = {"action": ACTIONS, "part": PARTS, "equipment": EQUIPMENT, "place": PLACES}
    return fill_templates(TEMPLATES, slots, count, seed)
