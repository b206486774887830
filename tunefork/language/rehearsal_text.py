"""Generated everyday sentences dense in the base model's labels: rehearsal material for entity fine-tuning.

The shipped general sentences (:mod:`tunefork.language.general_text`) are mostly entity-free: the 160 of
them set aside for rehearsal hold about 50 dates, 25 times, a dozen numbers and no sums of money, too few
to keep DATE, TIME, MONEY and CARDINAL alive while the recognizer learns a new label from hundreds of
sentences. These sentences fill the gap: templates of everyday talk (plans, shopping, travel, work, news,
sport) filled with dates, times, sums, counts, percentages, measures, ordinals, people, organisations,
places, nationalities, languages and events. The base model labels them with its own predictions (what
rehearsal teaches is the base model's behaviour, not these fillers' intended labels), so a filler that the
base model reads differently does no harm.

All templates and fillers were written for tunefork; none is taken from the shipped general sentences, and
the same ``count`` and ``seed`` always give the same sentences.
"""

from __future__ import annotations

import random
import re


def _items(text: str) -> list[str]:
    """The ``|``-separated fillers of ``text`` (keeps the lists below compact)."""
    return text.split("|")


_FILLERS: dict[str, list[str]] = {
    "date": _items(
        "Monday|next Tuesday|last Friday|March 3|early July|June 21st|2019|last year|this weekend|"
        "two weeks ago|the end of the month|tomorrow|yesterday|the summer of 2015|"
        "December 24, 2021|the 1990s|three days|every Sunday|next month|the first week of April|"
        "this spring|the fall|New Year's Eve|Christmas|the day after tomorrow|ten years ago|"
        "Wednesday afternoon|September|the weekend|May 5th|a few days|2024|last winter"
    ),
    "time": _items(
        "7:30|9 am|half past six|noon|midnight|this morning|tonight|10:15 p.m.|late afternoon|"
        "6 o'clock|8:00|quarter to five|the evening|11 pm|5:45|dawn|4 pm"
    ),
    "duration": _items("20 minutes|an hour|two hours|45 minutes|a few minutes|half an hour|90 minutes|three hours"),
    "money": _items(
        "$45|20 dollars|$3.50|120 euros|60 pounds|five hundred dollars|$1.2 million|30 euros|$12|"
        "$250|$9.99|two thousand dollars|$80,000|fifteen dollars|$5|$700|40 cents|$3 billion"
    ),
    "num": _items(
        "three|12|two hundred|four|1,500|seven|two|five|nine|eleven|30|18|six|forty|100|"
        "a thousand|2,300|eight|one|fifty"
    ),
    "ordinal": _items("first|second|third|fourth|fifth|10th|twentieth|last"),
    "percent": _items("15%|ten percent|3.5 percent|half|80 percent|2%|twenty percent"),
    "distance": _items("5 kilometers|two miles|ten feet|100 meters|12 miles|half a mile|300 yards"),
    "weight": _items("three pounds|500 grams|two kilos|a pound|250 grams|half a kilo"),
    "temperature": _items("20 degrees|minus five degrees|40 degrees Fahrenheit|zero degrees"),
    "person": _items(
        "Olivia Bennett|Marcus Reed|Priya Shah|Tom|Grace|Dr. Alvarez|Kevin O'Brien|Hannah Lee|"
        "Mr. Patel|Sofia|Ben Carter|Aunt Julia|Carlos Mendes|Nina Petrova|Ahmed|Lucy Chen|Jake|"
        "Professor Wallace"
    ),
    "org": _items(
        "the Red Cross|NASA|the United Nations|Walmart|Harvard|the BBC|Ford|Starbucks|"
        "the World Bank|Netflix|Delta|Oxford University|FedEx|the FBI|Pfizer|Reuters|"
        "the European Union|Tesla"
    ),
    "gpe": _items(
        "Chicago|Ohio|Kenya|Vancouver|Rome|Texas|the United States|Dublin|Mumbai|Florida|Peru|"
        "Denver|Vietnam|Lisbon|California|Egypt|Atlanta|Norway"
    ),
    "norp": _items("French|Italian|Canadian|Mexican|Japanese|Greek|American|German|Irish|Korean|Brazilian|Democrats"),
    "language": _items("Spanish|English|Mandarin|Portuguese|Arabic|Hindi"),
    "loc": _items("the Alps|Lake Michigan|the Pacific|the Sahara|Europe|the Rocky Mountains|Asia"),
    "fac": _items("the Golden Gate Bridge|Heathrow Airport|the Eiffel Tower|Penn Station|Wembley Stadium"),
    "event": _items("the Olympics|World War II|the Super Bowl|the World Cup|Hurricane Katrina"),
}
"""Slot -> what fills it."""
_TEMPLATES = (
    "Can we move the meeting to {date} at {time}?",
    "The dentist appointment is on {date} at {time}, so I will leave work early.",
    "I paid {money} for {num} tickets to the concert.",
    "{person} said the rent will go up by {money} starting {date}.",
    "Our flight to {gpe} leaves at {time} on {date}.",
    "We drove {distance} before we stopped for lunch at {time}.",
    "The store is offering {percent} off everything until {date}.",
    "{person} finished in {ordinal} place out of {num} runners.",
    "The report from {org} says prices rose {percent} in {date}.",
    "My sister moved to {gpe} {date} and started working for {org}.",
    "The bakery opens at {time} and the bread costs {money} a loaf.",
    "We waited {duration} for the bus and it was still late.",
    "{person} speaks {language} and a little {language} too.",
    "The {norp} team won the match {num} to {num} {date}.",
    "I need {num} eggs, {weight} of flour and a bottle of milk.",
    "The hotel in {gpe} charged us {money} a night.",
    "This is the {ordinal} time this week that the train was cancelled.",
    "{org} announced on {date} that it will hire {num} new workers.",
    "The temperature dropped to {temperature} last night in {gpe}.",
    "We hiked across {loc} for {date} with {num} friends.",
    "{person} and {person} are getting married on {date}.",
    "The package from {org} should arrive by {time} {date}.",
    "I have been saving {money} every month since {date}.",
    "The museum near {fac} is free on {date} after {time}.",
    "My grandfather fought in {event} and never talked about it.",
    "{num} people came to the meeting at the library {date}.",
    "The new phone costs {money}, which is {percent} more than last year.",
    "Please call {person} back before {time}; it is about the invoice.",
    "We watched {event} at a {norp} restaurant in {gpe}.",
    "The kids sleep for about {duration} every afternoon.",
    "The school trip to {gpe} costs {money} per child and lasts {date}.",
    "Turn left after {distance} and you will see {fac}.",
    "{person} from {org} will give a talk on {date} at {time}.",
    "The bill came to {money} for {num} of us, so we split it.",
    "Only {percent} of the voters in {gpe} turned out {date}.",
    "The {ordinal} chapter of the book is set in {gpe} during {event}.",
    "I run {distance} three times a week, usually at {time}.",
    "The rent is due on the {ordinal} of every month.",
    "We bought {num} bags of rice and spent {money} in total.",
    "{person} has lived in {gpe} since {date} and works at {org}.",
    "The parking ticket was {money} because I was {duration} late.",
    "{org} lost {money} in the last quarter, according to {org}.",
    "My {norp} neighbour teaches {language} on {date}.",
    "The plane flew over {loc} for about {duration}.",
    "I will be in {gpe} from {date} until {date}.",
    "The recipe needs {weight} of butter and {num} apples.",
    "Tickets for {event} went on sale {date} for {money} each.",
    "{person} won {money} in the lottery {date}.",
    "The library closes at {time} on weekdays and at {time} on {date}.",
    "Around {percent} of the students at {org} come from {gpe}.",
)


def rehearsal_sentences(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct generated sentences (fewer if the templates cannot make that many), always the same."""
    rng = random.Random(seed)
    sentences: list[str] = []
    seen: set[str] = set()
    for attempt in range(count * 20):
        if len(sentences) >= count:
            break
        template = _TEMPLATES[attempt % len(_TEMPLATES)]
        sentence = re.sub(r"\{(\w+)\}", lambda match: rng.choice(_FILLERS[match.group(1)]), template)
        sentence = sentence[0].upper() + sentence[1:]
        if sentence not in seen:
            seen.add(sentence)
            sentences.append(sentence)
    return sentences
