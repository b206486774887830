"""A generated small-animal veterinary domain for checking side effects of customization on data nobody tuned on.

Like ``bench/aviation_domain.py``, but with a clinic's vocabulary: drug and brand names, procedures, body parts, pet
names, and client and vet surnames of Irish, Welsh, Nigerian, Polish and Vietnamese origin, some of them close in sound
to everyday phrases (as real surnames and brand names often are), with pronunciation entries of its own. It was written
blind, before any change it checks, and is only ever scored as a whole: nobody reads its failures to choose a default.
"""

from __future__ import annotations

from maintenance_domain import fill_templates

PRONUNCIATIONS = [
    ("gabapentin", "gab a pen tin"),
    ("meloxicam", "mel ox i cam"),
    ("carprofen", "car pro fen"),
    ("Apoquel", "ap oh kwell"),
    ("Bravecto", "bra vek toe"),
    ("Cytopoint", "sigh toe point"),
    ("Onsior", "on see or"),
    ("Nexgard", "next guard"),
    ("Siobhan", "shiv awn"),
    ("Niamh", "neeve"),
    ("Hywel", "huh well"),
    ("Nwachukwu", "nwah choo koo"),
    ("Wojcik", "voy chick"),
    ("Nguyen", "win"),
]
DRUGS = [
    "gabapentin", "meloxicam", "carprofen", "Apoquel", "Bravecto", "Onsior", "Nexgard", "amoxicillin",
    "trazodone", "Galliprant", "Vetmedin", "maropitant",
]  # fmt: skip
INJECTIONS = ["Cytopoint", "Convenia", "Librela", "Cerenia"]
DOSES = ["half a tablet", "one tablet", "a quarter of a tablet", "two capsules", "one capsule", "one chew"]
PROCEDURES = [
    "dental scale and polish", "spay", "castration", "cruciate repair", "lump removal", "blood panel",
    "urinalysis", "ear flush", "hip X-ray", "abdominal ultrasound", "sedated nail clip",
]  # fmt: skip
BODY_PARTS = [
    "left hind leg", "right ear", "lower jaw", "abdomen", "front paw", "hip", "tail base", "upper molar",
    "eyelid", "cruciate ligament",
]  # fmt: skip
PETS = ["Biscuit", "Mochi", "Bramble", "Tigger", "Luna", "Ziggy", "Pickle", "Nala", "Bao", "Dai"]
SPECIES = ["Labrador", "spaniel", "tabby", "rabbit", "Maine Coon", "dachshund", "greyhound", "ferret"]
CLIENTS = [
    "Mrs Nwachukwu", "Mr Wojcik", "Siobhan Dunne", "Niamh Gallagher", "Mr Nguyen", "Mrs Adeyemi",
    "Hywel Pritchard", "Ms Tran", "Mr Attwell", "Aoife Brennan", "Dorota Zielinska", "Mr Oyelaran",
]  # fmt: skip
VETS = ["Doctor Okoye", "Doctor Llewellyn", "Doctor Pham", "Doctor Szymanski", "Doctor Ni Bhriain"]
TIMES = ["nine fifteen", "half past two", "ten o'clock", "quarter to five", "eleven thirty", "twenty past four"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday morning"]
TEMPLATES = [
    "{vet} wants {pet} started on {drug} twice a day with food.",
    "Please tell {client} that {pet} is ready to go home after the {procedure}.",
    "{client} rang about the {body_part}, so {pet} is booked in at {time}.",
    "The {species} has a sore {body_part}, so we suggest the {procedure}.",
    "Give {pet} {dose} of {drug} each morning and call us if it gets worse.",
    "{client} is collecting more {drug} for {pet} at {time} today.",
    "{vet} gave {pet} a {injection} injection, so the next one is due in four weeks.",
    "Let {client} know the {drug} has arrived and the {procedure} is on {day}.",
    "No food after midnight for {pet}, the {procedure} is first thing {day}.",
]
TERMS = sorted(
    {display for display, _ in PRONUNCIATIONS}
    | {"amoxicillin", "trazodone", "maropitant", "Convenia", "Librela", "cruciate", "urinalysis", "Adeyemi"}
)
"""Terms whose recall is reported."""


def sentences(count: int, seed: int) -> list[str]:
    """``count`` distinct generated sentences (seeded)."""
    slots = {
        "vet": VETS, "client": CLIENTS, "pet": PETS, "species": SPECIES, "drug": DRUGS, "injection": INJECTIONS,
        "dose": DOSES, "procedure": PROCEDURES, "body_part": BODY_PARTS, "time": TIMES, "day": DAYS,
    }  # fmt: skip
    return [sentence[0].upper() + sentence[1:] for sentence in fill_templates(TEMPLATES, slots, count, seed)]
