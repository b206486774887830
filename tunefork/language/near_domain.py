"""Near-domain negatives for the background class: everyday assistant requests that borrow the project's words.

The shipped general sentences and the vocabulary-swapped sentences of :mod:`tunefork.language.background`
are statements; what a deployed bot actually receives besides its intents are *requests* of other kinds, often
with the bot's own words in them (``how many calories does a ramen have``, ``wake me up at 7pm``). A
classifier that never saw such requests answers them with the intent whose words they share, and the
out-of-scope trade-off measured on statements cannot see it (bench/RESULTS.md, issue 12).

These texts are generic assistant request frames (clock and time zones, alarms and lists, weather,
nutrition, cooking, trivia, words and languages, conversions, small talk, media, games, news, the phone
itself, directions) and requests about the business around the bot (jobs there, second-hand goods, laws,
other firms, the company itself: what customers of a bike shop or a cinema ask its assistant besides its
intents, bench/RESULTS.md), filled with the intents' own content words and number or time tokens. A frame is left out
when one of its own words is characteristic of an intent (it occurs in at least :data:`CLASH_SHARE` of that
intent's examples): a project that handles weather requests must not get weather requests as negatives.

Everything is deterministic for a given seed.
"""

from __future__ import annotations

import random
import re

from tunefork.language.content_words import MIN_WORD_LENGTH, STOPWORDS, WORD, domain_words

CLASH_SHARE = 0.25
"""A frame word in at least this share of one intent's examples makes the frame a possible intent: left out."""
FILLER_WORDS = 60
"""The most frequent content words of the examples that fill ``{w}``."""
REQUEST_WORDS = frozenset(["tell", "give", "show", "know", "find", "help", "like", "take", "look", "open", "turn"])
"""Verbs of asking that say nothing about what is asked for: never a reason to drop a frame."""
NUMBER = re.compile(r"^\d{1,2}(?:[:.]\d\d)?(?:am|pm)?$")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

FRAMES: tuple[str, ...] = (
    # clock, dates, time zones
    "what's the local time in {place}",
    "which time zone is {place} in",
    "how many hours behind {place} are we",
    "is it daytime in {place} right now",
    "what's today's date",
    "what day of the week is {day}",
    # alarms, timers, reminders, lists
    "wake me up at {n}",
    "alarm for {n} please",
    "start a {n} minute countdown",
    "remind me about the {w} at {n}",
    "put {w} on my to do list",
    "add {w} to the shopping list",
    # weather
    "will it rain in {place} {day}",
    "do i need a coat {day}",
    "how hot will it get {day}",
    "forecast for {place} {day}",
    "is it windy outside",
    "how's the weather looking {day}",
    # nutrition and health
    "how many calories does a {w} have",
    "is {w} good for you",
    "how much sugar is in a {w}",
    "is {w} high in protein",
    "how much fibre should i eat a day",
    "can {w} help me lose weight",
    # cooking
    "give me a recipe that uses {w}",
    "what goes well with {w}",
    "how do i cook {w} in the oven",
    "what can i make for dinner with {w}",
    "what drink should i serve with {w}",
    "how long does {w} keep in the fridge",
    # trivia
    "who invented the {w}",
    "tell me a fun fact about {w}",
    "what is the history of {w}",
    "when was the first {w} made",
    "how many people live in {place}",
    "what's the biggest city in {place}",
    "how deep is the ocean",
    # words and languages
    "how do you say {w} in german",
    "spell {w} for me",
    "what's a synonym for {w}",
    "define the word {w}",
    "what rhymes with {w}",
    "say {w} in italian",
    # conversions and sums
    "convert {n} pounds into kilograms",
    "what is {n} times {n}",
    "how many cups are in a litre",
    "{n} fahrenheit in celsius",
    "how many feet in {n} metres",
    "what's the square root of {n}",
    # small talk
    "how's your day going",
    "are you a real person",
    "what's your name",
    "do you like {w}",
    "i'm feeling bored",
    "good morning to you",
    "you're funny",
    "what do you dream about",
    # music, films, books
    "put on a song about {w}",
    "play the radio",
    "turn up the volume",
    "suggest a film about {w}",
    "recommend a novel about {w}",
    "what's on tv tonight",
    # jokes and games
    "tell me a {w} joke",
    "know any good jokes about {w}",
    "let's play a word game",
    "flip a coin for me",
    "roll a dice",
    "give me a riddle about {w}",
    # news and sport
    "any news about {w} today",
    "what's the latest headline",
    "did {place} win their match",
    "when do the olympics start",
    "who's top of the league",
    # the phone itself, the web
    "call my mum",
    "text my brother that i'm running late",
    "turn on the torch",
    "take a selfie",
    "search the web for {w}",
    "look up {w} on wikipedia",
    # the business around the bot: jobs, second hand, laws, other firms, the company itself
    "are you hiring any {w} staff",
    "how do i get a job working with {w}",
    "how much does a {w} technician earn",
    "where can i buy a second hand {w}",
    "can i sell you my old {w}",
    "what are the laws on {w} in {place}",
    "is {w} legal in {place}",
    "who makes the best {w}",
    "which company has the cheapest {w} in {place}",
    "how do i become a {w} expert",
    "any {w} courses near {place}",
    "who owns this company",
    "are your shares worth buying",
    "how do i start my own {w} business",
    # directions
    "directions to the nearest supermarket",
    "how long is the drive to {place}",
    "find a petrol station nearby",
    "where can i park near {place}",
)
FILLERS: dict[str, tuple[str, ...]] = {
    "place": ("london", "berlin", "mumbai", "toronto", "lagos", "seoul", "chile", "norway", "texas", "melbourne"),
    "day": ("tomorrow", "tonight", "this weekend", "on friday", "next week", "this afternoon"),
    "n": ("7", "6:30", "ten", "45", "3", "12"),
}


def _stem(word: str) -> str:
    """A crude stem: ``cities`` -> ``city``, ``times`` -> ``time``, ``raining`` / ``rained`` -> ``rain``."""
    for suffix, replacement in (("sses", "ss"), ("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def _content_stems(text: str) -> set[str]:
    return {
        _stem(word)
        for word in WORD.findall(PLACEHOLDER.sub(" ", text.lower()))
        if len(word) >= MIN_WORD_LENGTH and "'" not in word and word not in STOPWORDS and word not in REQUEST_WORDS
    }


def characteristic_stems(examples: list[tuple[str, str]]) -> set[str]:
    """Stems that occur in at least :data:`CLASH_SHARE` of some intent's ``(text, intent)`` examples."""
    by_intent: dict[str, list[set[str]]] = {}
    for text, intent in examples:
        by_intent.setdefault(intent, []).append(_content_stems(text))
    found: set[str] = set()
    for stems in by_intent.values():
        counts: dict[str, int] = {}
        for text_stems in stems:
            for stem in text_stems:
                counts[stem] = counts.get(stem, 0) + 1
        found |= {stem for stem, count in counts.items() if count >= CLASH_SHARE * len(stems)}
    return found


def usable_frames(examples: list[tuple[str, str]]) -> list[str]:
    """:data:`FRAMES` without those that share a characteristic word with an intent (see the module docs)."""
    clash = characteristic_stems(examples)
    return [frame for frame in FRAMES if not _content_stems(frame) & clash]


def near_domain_requests(examples: list[tuple[str, str]], count: int, seed: int) -> list[str]:
    """Up to ``count`` distinct near-domain requests for ``(text, intent)`` examples (see the module docs).

    ``{w}`` is filled with one of the examples' most frequent content words, ``{n}`` with one of their number
    or time tokens (``7pm``, ``8:30``) or a generic number, ``{place}`` and ``{day}`` with generic values.
    """
    frames = usable_frames(examples)
    texts = [text for text, _ in examples]
    words = [word for word in domain_words(texts) if "'" not in word][:FILLER_WORDS]
    numbers = sorted({token for text in texts for token in text.lower().split() if NUMBER.match(token)})
    fillers = {**FILLERS, "w": tuple(words), "n": FILLERS["n"] + tuple(numbers)}
    if not frames or not words:
        return []
    rng = random.Random(seed)
    made: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 4):
        if len(made) == count:
            break
        text = PLACEHOLDER.sub(lambda match: rng.choice(fillers[match.group(1)]), rng.choice(frames))
        if text not in seen:
            seen.add(text)
            made.append(text)
    return made
