"""Near-domain negatives of the background class: everyday requests with the project's words (issue 12)."""

from __future__ import annotations

from tunefork.language.background import background_texts
from tunefork.language.near_domain import FRAMES, PLACEHOLDER, near_domain_requests, usable_frames
from tunefork.language.sample_data import intent_examples

TRAIN = [(e["text"], e["intent"]) for e in intent_examples(10, 0)]
WEATHER_BOT = [
    ("will it rain in paris tomorrow", "forecast"),
    ("weather in rome on friday", "forecast"),
    ("is it going to rain this weekend", "forecast"),
    ("what's the weather like in oslo", "forecast"),
    ("book a taxi to the airport at 7pm", "taxi"),
    ("i need a cab at 8:30", "taxi"),
    ("get me a taxi home", "taxi"),
    ("cab to the station please", "taxi"),
]


def test_requests_borrow_the_examples_words_and_numbers() -> None:
    made = near_domain_requests(WEATHER_BOT, 150, seed=0)
    assert len(made) == len(set(made)) == 150
    assert made == near_domain_requests(WEATHER_BOT, 150, seed=0)  # deterministic for a seed
    assert not any(PLACEHOLDER.search(text) for text in made)
    words = {"taxi", "airport", "station", "weather", "rain"}
    assert any(words & set(text.split()) for text in made)
    assert any("7pm" in text or "8:30" in text for text in made)


def test_frames_the_project_may_handle_are_left_out() -> None:
    """A weather bot gets no weather requests as negatives; other kinds of request stay."""
    frames = usable_frames(WEATHER_BOT)
    assert "will it rain in {place} {day}" not in frames
    assert "how's the weather looking {day}" not in frames
    assert "how many calories does a {w} have" in frames and "wake me up at {n}" in frames
    made = near_domain_requests(WEATHER_BOT, 150, seed=0)
    assert not any(text.startswith(("will it rain in", "how's the weather looking")) for text in made)
    assert any(text.startswith("how many calories does a") for text in made)
    dropped = set(FRAMES) - set(usable_frames([("what time is it", "clock"), ("hello", "greet")]))
    assert dropped == {"what's the local time in {place}", "which time zone is {place} in", "what is {n} times {n}"}


def test_a_shop_assistant_gets_requests_about_the_business_around_it() -> None:
    """Jobs at the shop, second-hand goods and laws borrow the shop's words but are no intent of it."""
    bike_shop = [
        ("book my bike in for a service", "book_service"),
        ("can you service my road bike on friday", "book_service"),
        ("is my bike ready yet", "repair_status"),
        ("when will my bike repair be done", "repair_status"),
    ]
    made = near_domain_requests(bike_shop, 150, seed=0)
    assert any(text.startswith("are you hiring any") for text in made)
    assert any(text.startswith("where can i buy a second hand") for text in made)
    assert any(" legal in " in text or text.startswith("what are the laws on") for text in made)


def test_the_background_class_holds_near_domain_requests_and_never_an_example() -> None:
    negatives = background_texts(TRAIN, [])
    assert negatives.near_domain and "near-domain requests" in negatives.describe()
    assert set(negatives.near_domain) <= set(negatives.texts)
    assert not {t.lower() for t, _ in TRAIN} & {t.lower() for t in negatives.texts}
