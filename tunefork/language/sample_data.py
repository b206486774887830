"""Generated language data shipped with tunefork: NER sentences with a new GADGET label, and intent examples.

Nothing is downloaded: every record comes from templates and vocabularies in this module, and the same
arguments always give the same records (each function draws from its own ``random.Random(seed)``).

* :func:`gadget_ner_examples` writes sentences about product launches that mention gadgets (the new
  ``GADGET`` label) together with people, companies and places (``PERSON``, ``ORG``, ``GPE``, which the
  bundled ``en_core_web_sm`` already finds). ``names="train"`` and ``names="test"`` draw gadgets and people
  from disjoint vocabularies, so held-out sentences never repeat an entity value of the training ones.
  ``annotated_only=("GADGET",)`` keeps only the GADGET spans: the data of a user who annotates only the new
  label, while the model must still find the others.
* :func:`intent_examples` and :func:`out_of_scope_examples` make a small pharmacy and smart-home assistant
  data set with slot entities (some of them synonyms of a canonical value) and unrelated sentences.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any, Literal

GADGET_LABEL = "GADGET"
BASE_LABELS = ("PERSON", "ORG", "GPE")
NameSet = Literal["train", "test"]
_Filler = tuple[str, str | None, str]
"""What fills a template slot: its text, its entity label (``None``: not an entity) and its canonical value."""
_ATTEMPTS_PER_ITEM = 50

_FIRST_NAMES = (
    "John", "Michael", "David", "James", "Robert", "William", "Richard", "Thomas", "Daniel", "Paul",
    "Mark", "Steven", "Sarah", "Emily", "Jennifer", "Elizabeth", "Laura", "Rachel", "Susan", "Karen",
    "Anna", "Maria", "Linda", "Helen",
)  # fmt: skip
_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall",
    "Allen", "Scott", "King", "Wright",
)  # fmt: skip
_ORGS = (
    "Google", "Microsoft", "Amazon", "Apple", "Samsung", "Sony", "Intel", "IBM", "Toyota", "Honda", "Boeing",
    "Disney", "Nike", "Siemens", "Panasonic", "Huawei", "Lenovo", "Motorola", "General Motors",
    "Goldman Sachs", "Hewlett-Packard",
)  # fmt: skip
_GPES = (
    "France", "Germany", "Japan", "China", "India", "Canada", "Brazil", "Mexico", "Italy", "Spain",
    "London", "Paris", "Tokyo", "Berlin", "New York", "Chicago", "Los Angeles", "Boston", "Sydney",
    "Toronto", "Seoul", "Madrid", "Australia", "Russia",
)  # fmt: skip
# Brand words were screened from generated head + tail compounds (Sound, Flex, Glow... + Watch, Book, Beat...):
# these are the ones en_core_web_sm least often mistakes for a PERSON, ORG or GPE (variants "Mini", "Air",
# "Max"... were dropped for the same reason), so gadget confusion stays a small part of the base labels' errors.
_BRANDS = (
    "ClearWatch", "FlexBook", "SnapDock", "QuietBeat", "FitBook", "SnapBeat", "BrightGlass", "SoundTab",
    "GlowBeat", "EchoBeat", "GlowBook", "VoltDock", "AirMax", "BrightLens", "HyperPods", "FlexLink",
    "GlowBuds", "VoltCam", "VoltLens", "BoomView", "ZenWave", "ClearPods",
)  # fmt: skip
_MODELS = tuple(str(number) for number in range(2, 13)) + tuple(f"{a}{n}" for a in "XSQ" for n in range(1, 10))
_VARIANTS = ("", " Pro", " SE")
_CATEGORIES = ("phone", "headphones", "smartwatch", "laptop", "tablet", "speaker", "camera", "earbuds")

_NER_TEMPLATES = (
    "{person} bought the {gadget} {category} in {gpe}.",
    "{org} will sell the {gadget} in {gpe} this summer.",
    "{person} said the {gadget} is the best {category} {org} has ever made.",
    "Reviewers in {gpe} compared the {gadget} with a {category} from {org}.",
    "{person}, who works at {org}, reviewed the {gadget} {category}.",
    "The {gadget} was launched by {org} at an event in {gpe}.",
    "{person} flew to {gpe} to present the {gadget}.",
    "Shops in {gpe} sold out of the {gadget} within hours.",
    "{org} hired {person} to design the successor to the {gadget}.",
    "My sister ordered a {gadget} {category} from a store in {gpe}.",
    "According to {person}, the {gadget} will ship to {gpe} first.",
    "{person} left {org} after the {gadget} flopped in {gpe}.",
    "Is the {gadget} {category} available in {gpe} yet?",
    "{org} is suing the maker of the {gadget} in {gpe}.",
    "I lent my {gadget} to {person} for the trip to {gpe}.",
    "The battery of the {gadget} lasted two days, {person} told reporters in {gpe}.",
    "{person} from {org} demonstrated the {gadget} on stage.",
    "Customers in {gpe} complained that the {gadget} overheats.",
    "Engineers at {org} in {gpe} built the {gadget} in secret.",
    "{person} prefers the {gadget} to anything {org} sells.",
    "Can you compare the {gadget} with the newest {category} from {org}?",
    "The {gadget} costs less in {gpe} than anywhere else, says {person}.",
    "{org} recalled thousands of {gadget} units in {gpe}.",
    "{person} wrote a glowing review of the {gadget} {category}.",
    "Last week {person} met executives from {org} to discuss the {gadget}.",
    "Police in {gpe} found a stolen {gadget} in a car.",
    "{person} uses a {gadget} to record podcasts in {gpe}.",
    "Sales of the {gadget} doubled in {gpe} after {org} cut the price.",
    "{org} announced that the {gadget} will replace its older {category}.",
    "Does the {gadget} work with accessories made by {org}?",
    "{person} returned the {gadget} because the screen cracked.",
    "The {gadget} {category} is made in {gpe} by a supplier of {org}.",
    "{person} and their team at {org} tested the {gadget} for months.",
    "Travelers to {gpe} can rent a {gadget} at the airport.",
    "{person} thinks the {gadget} will beat the rival {category} from {org}.",
    "A teacher in {gpe} gave every student a {gadget}.",
)

_SYNONYMS: dict[str, tuple[tuple[str, str], ...]] = {
    "medication": (
        ("ibuprofen", "ibuprofen"), ("Advil", "ibuprofen"), ("Motrin", "ibuprofen"),
        ("acetaminophen", "acetaminophen"), ("Tylenol", "acetaminophen"), ("paracetamol", "acetaminophen"),
        ("atorvastatin", "atorvastatin"), ("Lipitor", "atorvastatin"), ("metformin", "metformin"),
        ("lisinopril", "lisinopril"), ("amoxicillin", "amoxicillin"), ("omeprazole", "omeprazole"),
        ("insulin", "insulin"), ("levothyroxine", "levothyroxine"), ("Synthroid", "levothyroxine"),
    ),
    "room": (
        ("living room", "living room"), ("lounge", "living room"), ("bedroom", "bedroom"), ("kitchen", "kitchen"),
        ("office", "office"), ("study", "office"), ("bathroom", "bathroom"), ("basement", "basement"),
        ("nursery", "nursery"), ("guest room", "guest room"),
    ),
    "device": (
        ("lights", "lights"), ("lamp", "lights"), ("fan", "fan"), ("air conditioner", "air conditioner"),
        ("AC", "air conditioner"), ("aircon", "air conditioner"), ("TV", "television"), ("telly", "television"),
        ("television", "television"), ("heater", "heater"), ("coffee maker", "coffee maker"),
        ("dishwasher", "dishwasher"), ("humidifier", "humidifier"),
    ),
}  # fmt: skip
"""Entity texts by label, each with its canonical value (a synonym maps to another text's value)."""
_TIMES = ("8 am", "9 pm", "noon", "midnight", "7:30 am", "6 pm", "10 pm", "half past seven", "5:15 pm", "bedtime")
_DEGREES = (*range(62, 79, 2), *range(18, 26))
_OPENERS = ("", "", "", "hey, ", "ok, ", "hi there, ")
_REQUEST_CLOSERS = ("", "", "", " please", ", thanks", ".")
_QUESTION_CLOSERS = ("", "", "?")
_INTENT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "refill_prescription": (
        "I need a refill of my {medication}",
        "refill my {medication} prescription",
        "can you refill {medication} for me",
        "I'm almost out of {medication}",
        "order more {medication}",
        "refill my prescription",
        "my {medication} is running low, can I get a refill",
        "send a refill request for {medication} to the pharmacy",
        "renew my {medication} prescription",
        "get me another month of {medication}",
    ),
    "check_order_status": (
        "where is my order {order_number}",
        "has my {medication} shipped yet",
        "what's the status of order {order_number}",
        "is my prescription ready for pickup",
        "when will my {medication} be ready",
        "track my pharmacy order",
        "did the pharmacy finish my {medication} refill",
        "is order {order_number} out for delivery",
        "how long until my {medication} arrives",
    ),
    "set_medication_reminder": (
        "remind me to take my {medication} at {time}",
        "set a reminder for {medication} every day at {time}",
        "alert me at {time} to take {medication}",
        "I keep forgetting my {medication}, remind me at {time}",
        "add a {time} reminder for my {medication}",
        "don't let me forget my {medication} tonight",
        "schedule a daily {medication} reminder",
        "nudge me about the {medication} at {time}",
    ),
    "set_temperature": (
        "set the {room} to {temperature}",
        "make it {temperature} in the {room}",
        "turn the heat up to {temperature}",
        "change the thermostat to {temperature}",
        "it's too cold in the {room}, warm it up",
        "can you cool the {room} down to {temperature}",
        "I'd like the {room} at {temperature} by {time}",
        "lower the temperature in the {room}",
    ),
    "control_device": (
        "turn on the {device} in the {room}",
        "switch off the {device}",
        "turn the {room} {device} off",
        "can you power on the {device}",
        "shut off the {device} in the {room} at {time}",
        "kill the {device}",
        "start the {device}",
        "turn off the {device} before I go to bed",
        "switch the {device} on in the {room}",
    ),
}
_OUT_OF_SCOPE_TEMPLATES = (
    "what's the weather like in {city} tomorrow",
    "tell me a joke about {topic}",
    "who won the {sport} game last night",
    "how do I make {dish}",
    "play some {genre} music",
    "how far is {city} from {other_city}",
    "translate {word} into {language}",
    "what time does the {place} open on sundays",
    "how does a {appliance} work",
    "what are the side effects of {medicine}",
    "my {home_room} needs painting",
    "recommend a good book about {topic}",
    "how many calories are in {dish}",
    "find cheap flights to {city}",
    "what's a good name for a {pet}",
    "who invented the {appliance}",
    "is it safe to take {medicine} with coffee",
    "add {dish} to my shopping list",
    "read me the latest news about {sport}",
    "how do I clean the {home_room} floor",
)
_OUT_OF_SCOPE_FILLERS = {
    "city": ("Paris", "Denver", "Tokyo", "Chicago", "Lisbon", "Austin", "Dublin", "Seattle"),
    "other_city": ("Boston", "Rome", "Atlanta", "Berlin", "Miami"),
    "topic": ("cats", "history", "space", "cooking", "the ocean", "computers", "gardening"),
    "sport": ("football", "basketball", "baseball", "hockey", "tennis"),
    "dish": ("pancakes", "lasagna", "banana bread", "fried rice", "chicken soup", "guacamole"),
    "genre": ("jazz", "rock", "classical", "country", "hip hop"),
    "word": ("hello", "thank you", "good morning", "library", "umbrella"),
    "language": ("Spanish", "French", "German", "Japanese", "Italian"),
    "place": ("library", "bank", "post office", "pharmacy", "museum"),
    "appliance": ("thermostat", "microwave", "dishwasher", "refrigerator", "air conditioner"),
    "medicine": ("ibuprofen", "aspirin", "melatonin", "vitamin D"),
    "home_room": ("kitchen", "bedroom", "living room", "hallway", "garage"),
    "pet": ("dog", "cat", "goldfish", "parrot", "hamster"),
}

_SLOT = re.compile(r"\{(\w+)\}")


def _split(values: Sequence[str], names: NameSet) -> list[str]:
    """Every other value: the even positions for ``train``, the odd ones for ``test`` (disjoint halves)."""
    return list(values[0 if names == "train" else 1 :: 2])


def _person_names(names: NameSet) -> list[str]:
    """Full person names of one split: first and last names both come from that split's half."""
    return [f"{first} {last}" for first in _split(_FIRST_NAMES, names) for last in _split(_LAST_NAMES, names)]


def gadget_names(names: NameSet = "train") -> list[str]:
    """Every gadget name of one split: brand, model number and optional variant (``FlexBook X2 Pro``).

    Each brand belongs to one split only, so ``train`` and ``test`` share no gadget name.
    """
    return [
        f"{brand} {model}{variant}" for brand in _split(_BRANDS, names) for model in _MODELS for variant in _VARIANTS
    ]


def _fill(template: str, values: dict[str, _Filler]) -> tuple[str, list[dict[str, Any]]]:
    """Fill ``template``'s ``{slot}`` fields and return the text and a span for each labelled filler."""
    text, spans, cursor = "", [], 0
    for match in _SLOT.finditer(template):
        text += template[cursor : match.start()]
        surface, label, value = values[match.group(1)]
        if label is not None:
            spans.append({"start": len(text), "end": len(text) + len(surface), "label": label, "value": value})
        text += surface
        cursor = match.end()
    return text + template[cursor:], spans


def _entity(surface: str, label: str) -> _Filler:
    """A filler labelled ``label`` whose value is its own text."""
    return surface, label, surface


def gadget_ner_examples(
    count: int,
    seed: int,
    *,
    names: NameSet = "train",
    annotated_only: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """``count`` sentences ``{"text", "spans": [{"start", "end", "label"}]}`` with GADGET, PERSON, ORG, GPE spans.

    Spans are character offsets aligned to spaCy's English tokens and cover every mention of the four
    labels. ``names`` picks the vocabulary half (``train`` and ``test`` share no gadget or person name);
    ``annotated_only`` keeps only the spans of those labels (``("GADGET",)``: a user annotating only gadgets).
    """
    rng = random.Random(seed)
    people, gadgets = _person_names(names), gadget_names(names)
    records = []
    for _ in range(count):
        template = rng.choice(_NER_TEMPLATES)
        values = {
            "person": _entity(rng.choice(people), "PERSON"),
            "org": _entity(rng.choice(_ORGS), "ORG"),
            "gpe": _entity(rng.choice(_GPES), "GPE"),
            "gadget": _entity(rng.choice(gadgets), GADGET_LABEL),
            "category": (rng.choice(_CATEGORIES), None, ""),
        }
        text, spans = _fill(template, values)
        kept = [span for span in spans if annotated_only is None or span["label"] in annotated_only]
        records.append(
            {"text": text, "spans": [{key: span[key] for key in ("start", "end", "label")} for span in kept]}
        )
    return records


def _intent_values(rng: random.Random) -> dict[str, _Filler]:
    """One random filler for every slot an intent template may use (synonyms carry their canonical value)."""
    values: dict[str, _Filler] = {}
    for label, synonyms in _SYNONYMS.items():
        surface, value = rng.choice(synonyms)
        values[label] = (surface, label, value)
    values["time"] = _entity(rng.choice(_TIMES), "time")
    values["temperature"] = _entity(f"{rng.choice(_DEGREES)} degrees", "temperature")
    values["order_number"] = _entity(str(rng.randint(10000, 99999)), "order_number")
    return values


def _decorate(rng: random.Random, text: str, closers: Sequence[str]) -> str:
    """Vary a request the way people type it: optional greeting, politeness and capitalisation."""
    text = rng.choice(_OPENERS) + text + rng.choice(closers)
    return text[0].upper() + text[1:] if rng.random() < 0.5 else text


def intent_examples(per_intent: int, seed: int) -> list[dict[str, Any]]:
    """``per_intent`` distinct requests for each pharmacy or smart-home intent, grouped by intent.

    Records are ``{"text", "intent", "entities": [{"start", "end", "label", "value"}]}``; ``value`` is the
    canonical value of a synonym (``Tylenol`` -> ``acetaminophen``, ``AC`` -> ``air conditioner``) and the
    text itself otherwise. Raises ``ValueError`` when ``per_intent`` distinct requests cannot be made.
    """
    rng = random.Random(seed)
    records = []
    for intent, templates in _INTENT_TEMPLATES.items():
        seen: set[str] = set()
        for _ in range(per_intent * _ATTEMPTS_PER_ITEM):
            if len(seen) == per_intent:
                break
            text, entities = _fill(_decorate(rng, rng.choice(templates), _REQUEST_CLOSERS), _intent_values(rng))
            if text.lower() not in seen:
                seen.add(text.lower())
                records.append({"text": text, "intent": intent, "entities": entities})
        if len(seen) < per_intent:
            raise ValueError(f"could only make {len(seen)} distinct {intent} requests, not {per_intent}")
    return records


def out_of_scope_examples(count: int, seed: int) -> list[str]:
    """``count`` distinct everyday requests that are none of :func:`intent_examples`' intents.

    Some are deliberately close to the domain (side effects of a medicine, how a thermostat works, when the
    pharmacy opens) so that a classifier cannot reject them from their vocabulary alone.
    """
    rng = random.Random(seed)
    sentences: list[str] = []
    seen: set[str] = set()
    for _ in range(count * _ATTEMPTS_PER_ITEM):
        if len(sentences) == count:
            break
        values = {slot: (rng.choice(options), None, "") for slot, options in _OUT_OF_SCOPE_FILLERS.items()}
        text, _ = _fill(_decorate(rng, rng.choice(_OUT_OF_SCOPE_TEMPLATES), _QUESTION_CLOSERS), values)
        if text.lower() not in seen:
            seen.add(text.lower())
            sentences.append(text)
    if len(sentences) < count:
        raise ValueError(f"could only make {len(sentences)} distinct out-of-scope sentences, not {count}")
    return sentences
