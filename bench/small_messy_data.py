"""Generated small-and-messy language projects for ``bench/small_messy.py`` (issue 12).

Three domains (IT help desk, banking, hotel) and seventeen held-out ones run only when asked for (food delivery,
fitness club, veterinary clinic, insurance, telecom, energy and water utilities, pharmacy, payroll, city council
services, letting agency, public library, car rental, university student services, bike shop, cinema, dental
practice, removals company), each with 9-10 intents, slot values with synonyms, and out-of-scope test requests
written for this benchmark: everyday or near-domain requests none of the intents handles. They come from this file
only, never from ``tunefork/data`` (the shipped general sentences that train the out-of-scope class), so the
out-of-scope test text and the training negatives have different sources.

Training and test requests are drawn from the same templates with different seeds and then made messy the
way people type: lower case, abbreviations (``pls``, ``acct``, ``u``), a swapped or dropped letter in some
words (slot values included), no final punctuation. Training annotates slot values with their canonical
value; the test set also uses synonyms declared only as synonym blocks.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

Slot = tuple[str, str]
"""A slot value: surface text and canonical value."""


@dataclass(frozen=True)
class Domain:
    """One benchmark domain: intents with templates (``{slot}`` fields), slot values, out-of-scope test requests."""

    name: str
    intents: dict[str, tuple[str, ...]]
    slots: dict[str, tuple[Slot, ...]]
    """Slot -> values used in training annotations."""
    test_synonyms: dict[str, tuple[Slot, ...]]
    """Slot -> extra surfaces declared as synonyms only (they appear in test requests, never annotated)."""
    out_of_scope: tuple[str, ...]
    test_templates: dict[str, tuple[str, ...]] | None = None
    """Intent -> phrasings used only in test requests (never in training); ``None``: test shares training's."""


ABBREVIATIONS = {
    "please": "pls", "you": "u", "your": "ur", "thanks": "thx", "account": "acct", "password": "pwd",
    "tomorrow": "tmrw", "because": "bc", "message": "msg", "are": "r", "information": "info",
    "reservation": "resv", "number": "no.", "okay": "ok", "something": "smth",
}  # fmt: skip

HELPDESK = Domain(
    name="helpdesk",
    intents={
        "reset_password": (
            "i forgot my {system} password",
            "reset my {system} password please",
            "can you help me reset my password for {system}",
            "my {system} password expired",
            "need a new password for {system} asap",
        ),
        "unlock_account": (
            "my {system} account is locked",
            "locked out of {system} again",
            "unlock my account please, too many login attempts",
            "i can't log in, it says account locked",
            "please unlock my {system} account",
        ),
        "vpn_issue": (
            "vpn keeps disconnecting",
            "i can't connect to the vpn from home",
            "the vpn client says authentication failed",
            "vpn is super slow today",
            "how do i get the vpn working on my {device}",
        ),
        "printer_problem": (
            "the printer on floor {floor} is jammed",
            "printer {floor} won't print anything",
            "my documents are stuck in the print queue",
            "printer says out of toner on floor {floor}",
            "i can't add the floor {floor} printer",
        ),
        "request_software": (
            "can i get {software} installed",
            "please install {software} on my {device}",
            "i need a license for {software}",
            "request {software} for my team",
            "how do i get {software} on my laptop",
        ),
        "new_hardware": (
            "i need a new {device}",
            "my {device} is dying, can i get a replacement",
            "request a {device} for the new hire",
            "can i order a second monitor and a {device}",
            "my {device} screen is cracked, need a new one",
        ),
        "email_issue": (
            "{email} is not syncing",
            "i'm not receiving emails in {email}",
            "{email} keeps crashing when i open attachments",
            "my mailbox is full",
            "emails stuck in outbox in {email}",
        ),
        "wifi_down": (
            "wifi is down on floor {floor}",
            "no internet in the office",
            "the guest wifi doesn't work",
            "wifi keeps dropping in meeting room {floor}",
            "can't connect to the office wifi on my {device}",
        ),
        "access_request": (
            "i need access to {system}",
            "please give me admin rights in {system}",
            "can you add me to the {system} project",
            "request read access to {system}",
            "my manager approved access to {system}, please grant it",
        ),
        "ticket_status": (
            "what's the status of ticket {ticket}",
            "any update on {ticket}",
            "is ticket {ticket} resolved yet",
            "who is working on {ticket}",
            "please escalate ticket {ticket}",
        ),
    },
    slots={
        "system": (
            ("Jira", "Jira"),
            ("Salesforce", "Salesforce"),
            ("SAP", "SAP"),
            ("GitHub", "GitHub"),
            ("Confluence", "Confluence"),
            ("Workday", "Workday"),
        ),
        "software": (
            ("Photoshop", "Photoshop"),
            ("Zoom", "Zoom"),
            ("Slack", "Slack"),
            ("Tableau", "Tableau"),
            ("MS Office", "Microsoft Office"),
            ("Office 365", "Microsoft Office"),
            ("AutoCAD", "AutoCAD"),
        ),
        "device": (
            ("laptop", "laptop"),
            ("MacBook", "laptop"),
            ("monitor", "monitor"),
            ("keyboard", "keyboard"),
            ("docking station", "docking station"),
            ("headset", "headset"),
        ),
        "email": (("Outlook", "Outlook"), ("Gmail", "Gmail"), ("Thunderbird", "Thunderbird")),
        "floor": tuple((str(n), str(n)) for n in range(1, 9)),
        "ticket": tuple((f"INC{n}", f"INC{n}") for n in (40213, 40977, 41502, 42011, 42690, 43118, 43705, 44090)),
    },
    test_synonyms={
        "software": (("Microsoft Office", "Microsoft Office"), ("Teams", "Teams")),
        "device": (("notebook", "laptop"), ("dock", "docking station")),
        "email": (("Outlook client", "Outlook"),),
    },
    out_of_scope=(
        "what's the capital of australia",
        "can you recommend a good pizza place near the office",
        "how many vacation days do i have left",
        "book a meeting room for friday",
        "what time is the all hands",
        "who won the game last night",
        "order lunch for the team",
        "is the cafeteria open today",
        "how do i submit my expenses",
        "what's the parking policy",
        "tell me a joke",
        "when is the next payday",
        "translate this email into spanish",
        "what's the weather tomorrow",
        "how do i change my health insurance",
        "can i bring my dog to the office",
        "play some music",
        "set a timer for ten minutes",
        "what's a good laptop for gaming at home",
        "how tall is the eiffel tower",
    ),
)

BANKING = Domain(
    name="banking",
    intents={
        "check_balance": (
            "what's my {account} balance",
            "how much money is in my {account}",
            "show the balance of my {account}",
            "balance on {account} please",
            "do i have enough in my {account} to pay rent",
        ),
        "transfer_money": (
            "transfer {amount} from {account} to savings",
            "send {amount} to my {account}",
            "move {amount} into my {account}",
            "i want to transfer {amount} {date}",
            "can you wire {amount} to my brother",
        ),
        "lost_card": (
            "i lost my {card}",
            "my {card} was stolen",
            "block my {card} right now",
            "i can't find my {card} anywhere",
            "freeze my {card} please, i think i lost it",
        ),
        "pay_bill": (
            "pay my {bill} {date}",
            "pay {amount} for the {bill}",
            "set up autopay for my {bill}",
            "i need to pay the {bill}",
            "schedule the {bill} payment for {date}",
        ),
        "recent_transactions": (
            "show my last transactions",
            "what did i spend on {date}",
            "list recent payments from my {account}",
            "show transactions on my {card}",
            "what were my last five purchases",
        ),
        "dispute_charge": (
            "i don't recognize a charge of {amount}",
            "dispute the {amount} charge on my {card}",
            "there's a double charge on my {card}",
            "someone charged {amount} on my {card}",
            "i want a refund for a wrong charge",
        ),
        "change_pin": (
            "change my {card} pin",
            "i want a new pin for my {card}",
            "reset the pin on my card",
            "how do i change my pin",
            "forgot my {card} pin",
        ),
        "open_account": (
            "open a new {account}",
            "i want to open a {account}",
            "how do i open a {account}",
            "can my kid get a {account}",
            "start a joint {account} with my wife",
        ),
        "loan_info": (
            "what's the interest rate on a car loan",
            "can i get a loan of {amount}",
            "how do i apply for a mortgage",
            "what are your personal loan rates",
            "am i eligible for a {amount} loan",
        ),
    },
    slots={
        "account": (
            ("checking account", "checking"),
            ("checking", "checking"),
            ("savings account", "savings"),
            ("savings", "savings"),
            ("business account", "business"),
        ),
        "amount": (
            ("$50", "50"),
            ("200 dollars", "200"),
            ("$1,500", "1500"),
            ("75 bucks", "75"),
            ("$20", "20"),
            ("300 dollars", "300"),
            ("$3000", "3000"),
        ),
        "card": (
            ("credit card", "credit card"),
            ("debit card", "debit card"),
            ("visa card", "credit card"),
            ("mastercard", "credit card"),
        ),
        "bill": (
            ("electricity bill", "electricity"),
            ("power bill", "electricity"),
            ("water bill", "water"),
            ("phone bill", "phone"),
            ("internet bill", "internet"),
            ("rent", "rent"),
        ),
        "date": (
            ("today", "today"),
            ("tomorrow", "tomorrow"),
            ("on friday", "friday"),
            ("next monday", "monday"),
            ("yesterday", "yesterday"),
            ("at the end of the month", "end of month"),
        ),
    },
    test_synonyms={
        "account": (("current account", "checking"),),
        "card": (("amex", "credit card"), ("bank card", "debit card")),
        "bill": (("gas bill", "gas"), ("cell phone bill", "phone")),
    },
    out_of_scope=(
        "what's the stock price of apple",
        "should i buy bitcoin",
        "how do i file my taxes",
        "what's the exchange rate in paris",
        "recommend a good restaurant",
        "what time do you close on sunday",
        "how do i become a millionaire",
        "tell me about the weather",
        "who is the ceo of the bank",
        "what's the best credit score app",
        "help me plan a budget for my wedding",
        "is gold a good investment",
        "book a flight to rome",
        "how much is a cup of coffee in london",
        "what's two plus two",
        "can you call my mom",
        "how old is the universe",
        "write a poem about money",
        "what's the population of canada",
        "set an alarm for seven",
    ),
)

HOTEL = Domain(
    name="hotel",
    intents={
        "book_room": (
            "book a {room} for {date}",
            "i need a {room} for {nights} nights",
            "do you have a {room} available {date}",
            "reserve a {room} please",
            "can i book a room for {nights} nights from {date}",
        ),
        "cancel_booking": (
            "cancel my reservation",
            "i need to cancel my booking for {date}",
            "please cancel the {room} booking",
            "cancel reservation {booking}",
            "we can't come anymore, cancel it",
        ),
        "change_dates": (
            "change my booking to {date}",
            "can i move my reservation to {date}",
            "extend my stay by {nights} nights",
            "shorten my stay to {nights} nights",
            "push my check-in to {date}",
        ),
        "late_checkout": (
            "can i check out late",
            "late checkout please",
            "can i stay until 2pm on {date}",
            "is late check-out possible tomorrow",
            "how much is a late checkout",
        ),
        "room_service": (
            "send a {dish} to my room",
            "order {dish} to room {roomno}",
            "can i get a {dish}",
            "i'd like room service, a {dish} please",
            "bring two {dish} up to {roomno}",
        ),
        "wifi_password": (
            "what's the wifi password",
            "how do i connect to the wifi",
            "the wifi code doesn't work",
            "internet password please",
            "wifi login for room {roomno}",
        ),
        "airport_shuttle": (
            "is there a shuttle to the airport",
            "book the airport shuttle for {date}",
            "what time does the shuttle leave",
            "i need a ride to the airport {date}",
            "does the shuttle go to the airport at 5am",
        ),
        "parking_info": (
            "where can i park",
            "how much is parking per night",
            "do you have valet parking",
            "is there parking for an electric car",
            "can i leave my car after checkout",
        ),
        "housekeeping": (
            "please clean room {roomno}",
            "i need fresh towels",
            "can housekeeping come now",
            "no cleaning today please",
            "send extra pillows to room {roomno}",
        ),
    },
    slots={
        "room": (
            ("double room", "double"),
            ("single room", "single"),
            ("suite", "suite"),
            ("king room", "king"),
            ("twin room", "twin"),
            ("family room", "family"),
        ),
        "date": (
            ("tomorrow", "tomorrow"),
            ("tonight", "tonight"),
            ("friday", "friday"),
            ("next weekend", "next weekend"),
            ("march 3rd", "march 3"),
            ("the 14th", "14"),
        ),
        "nights": (("two", "2"), ("3", "3"), ("four", "4"), ("5", "5")),
        "dish": (
            ("club sandwich", "club sandwich"),
            ("caesar salad", "caesar salad"),
            ("burger", "burger"),
            ("pizza", "pizza"),
            ("pancakes", "pancakes"),
            ("fruit plate", "fruit plate"),
        ),
        "roomno": tuple((str(n), str(n)) for n in (204, 311, 415, 502, 618, 720)),
        "booking": tuple((f"HX-{n}", f"HX-{n}") for n in (5521, 6034, 7188, 8240)),
    },
    test_synonyms={
        "room": (("queen room", "double"), ("junior suite", "suite")),
        "dish": (("cheeseburger", "burger"), ("salad", "caesar salad")),
    },
    out_of_scope=(
        "what's the best museum in town",
        "how far is the beach",
        "is it going to rain tomorrow",
        "recommend a vegan restaurant nearby",
        "where can i rent a bike",
        "what time does the pharmacy open",
        "how do i say thank you in french",
        "who built this building",
        "can you book me a theater show",
        "what's the exchange rate",
        "tell me a bedtime story",
        "where is the nearest atm",
        "what's the time difference with new york",
        "how do i get to the train station",
        "what should i pack for hiking",
        "can you recommend a hair salon",
        "who won the world cup",
        "is the old town safe at night",
        "what's a good souvenir",
        "how much should i tip a taxi driver",
    ),
)

DELIVERY = Domain(
    name="delivery",
    intents={
        "track_order": (
            "where is my order {order}",
            "how long until my food arrives",
            "track order {order} please",
            "my order is late, where is it",
            "has the driver picked up my {dish} yet",
        ),
        "cancel_order": (
            "cancel my order",
            "please cancel order {order}",
            "i don't want the {dish} anymore, cancel it",
            "stop my order before it ships",
            "cancel the order from {restaurant}",
        ),
        "missing_item": (
            "my {dish} is missing",
            "the {dish} wasn't in the bag",
            "order {order} came without the {dish}",
            "you forgot my {dish}",
            "half my order is missing",
        ),
        "refund_request": (
            "i want a refund for order {order}",
            "refund my money, the food was cold",
            "can i get my money back for the {dish}",
            "the {dish} was wrong, i need a refund",
            "how do i get a refund",
        ),
        "change_address": (
            "deliver to {address} instead",
            "change my delivery address to {address}",
            "i gave the wrong address, it's {address}",
            "can the driver bring it to {address}",
            "update the address on order {order}",
        ),
        "schedule_order": (
            "order a {dish} for {time}",
            "can i schedule a delivery for {time}",
            "i want {dish} from {restaurant} at {time}",
            "deliver a {dish} {time} please",
            "set up an order for {time}",
        ),
        "restaurant_hours": (
            "is {restaurant} open now",
            "when does {restaurant} close",
            "what are the opening hours of {restaurant}",
            "is {restaurant} open on sunday",
            "until what time does {restaurant} deliver",
        ),
        "apply_promo": (
            "apply promo code {promo}",
            "i have a discount code {promo}",
            "my code {promo} doesn't work",
            "use coupon {promo} on my order",
            "where do i enter a promo code",
        ),
        "allergy_info": (
            "does the {dish} contain nuts",
            "is the {dish} gluten free",
            "i'm allergic to dairy, is the {dish} safe",
            "what allergens are in the {dish}",
            "is there peanut in the {dish} from {restaurant}",
        ),
    },
    slots={
        "order": tuple((f"#{n}", f"#{n}") for n in (48213, 50977, 61420, 73385, 88102)),
        "dish": (
            ("pad thai", "pad thai"),
            ("margherita pizza", "margherita pizza"),
            ("chicken burrito", "chicken burrito"),
            ("sushi platter", "sushi platter"),
            ("veggie burger", "veggie burger"),
            ("ramen", "ramen"),
        ),
        "restaurant": (
            ("Luigi's", "luigi's"),
            ("Golden Dragon", "golden dragon"),
            ("Taco Loco", "taco loco"),
            ("Sakura", "sakura"),
            ("Burger Barn", "burger barn"),
        ),
        "address": (
            ("12 Elm Street", "12 elm street"),
            ("45 Park Avenue", "45 park avenue"),
            ("the office on King Road", "king road office"),
            ("flat 3, 8 Mill Lane", "8 mill lane flat 3"),
        ),
        "time": (("7pm", "19:00"), ("noon", "12:00"), ("tomorrow at 6", "tomorrow 18:00"), ("8:30", "8:30")),
        "promo": tuple((code, code) for code in ("SAVE10", "FREESHIP", "WELCOME5", "LUNCH20")),
    },
    test_synonyms={
        "dish": (("pizza margherita", "margherita pizza"), ("burrito", "chicken burrito")),
        "restaurant": (("luigis", "luigi's"),),
    },
    out_of_scope=(
        "how do i make lasagna at home",
        "what's the weather like tonight",
        "recommend a good movie for tonight",
        "how many calories are in an avocado",
        "book a table for two at an italian restaurant",
        "how do i become a delivery driver",
        "what's the capital of peru",
        "set an alarm for 7am",
        "tell me a joke",
        "what wine goes with steak",
        "translate good morning into spanish",
        "how long should i boil an egg",
        "play some jazz music",
        "where's the nearest gas station",
        "my phone screen is cracked, how do i fix it",
        "who won the game last night",
        "remind me to buy groceries",
        "is a tomato a fruit or a vegetable",
        "how do i change my email password",
        "what time is it in tokyo",
    ),
    test_templates={
        "track_order": ("any update on {order}?", "the app says delivered but i got nothing"),
        "cancel_order": ("i ordered by mistake, please undo it",),
        "missing_item": ("there was no {dish} in my delivery",),
        "refund_request": ("i'd like my money back, order {order} never came",),
        "change_address": ("i moved, send it to {address}",),
        "schedule_order": ("book me a {dish} for {time}",),
        "restaurant_hours": ("does {restaurant} do late night delivery",),
        "apply_promo": ("the coupon {promo} says invalid",),
        "allergy_info": ("can someone with a shellfish allergy eat the {dish}",),
    },
)
"""Written after the defaults and the out-of-scope trade-off were chosen and never used to tune them: a held-out
check (``bench/small_messy.py --domains delivery``). Its test requests also use phrasings training never sees
(``test_templates``)."""

FITNESS = Domain(
    name="fitness",
    intents={
        "book_class": (
            "book me into {gym_class} on {day}",
            "i want a spot in the {gym_class} class {day}",
            "reserve {gym_class} at {club} for {day}",
            "can i sign up for {gym_class} {day}",
            "add me to the {day} {gym_class} session",
        ),
        "cancel_booking": (
            "cancel my {gym_class} booking",
            "i can't make {gym_class} on {day}, remove me",
            "take me off the {gym_class} class",
            "please drop my {day} booking",
            "cancel the class i booked at {club}",
        ),
        "freeze_membership": (
            "can i pause my membership for {duration}",
            "freeze my membership please, i'm travelling",
            "i'm injured, put my membership on hold for {duration}",
            "how do i freeze my account for {duration}",
            "suspend my membership while i'm away",
        ),
        "cancel_membership": (
            "i want to cancel my membership",
            "how do i end my gym contract",
            "stop my membership at the end of the month",
            "terminate my {plan} plan",
            "i'm moving away, cancel my {plan} membership",
        ),
        "update_payment": (
            "change the card for my monthly payment",
            "my direct debit failed, can i update my bank details",
            "use my new {card} card for the membership fee",
            "update my payment method",
            "the {card} card on file expired",
        ),
        "club_hours": (
            "when does {club} open on {day}",
            "is the {club} gym open on bank holidays",
            "what are the opening times at {club}",
            "how late is {club} open tonight",
            "is {club} open {day}",
        ),
        "personal_trainer": (
            "i'd like a session with a personal trainer",
            "can i book {trainer} for a pt session {day}",
            "how much does personal training cost",
            "is {trainer} available for one to one training",
            "set me up with a trainer for {duration}",
        ),
        "guest_pass": (
            "can i bring a friend to {club}",
            "i need a guest pass for {day}",
            "how many guest passes do i get on the {plan} plan",
            "get a day pass for my sister",
            "can my friend train with me {day}",
        ),
        "lost_property": (
            "i left my {item} in the changing room",
            "has anyone handed in a {item} at {club}",
            "lost my {item} at the gym {day}",
            "did someone find a {item} in the locker room",
            "where is lost and found at {club}",
        ),
    },
    slots={
        "gym_class": (
            ("spin", "spin"),
            ("yoga", "yoga"),
            ("pilates", "pilates"),
            ("hiit", "hiit"),
            ("boxfit", "boxfit"),
            ("aqua aerobics", "aqua aerobics"),
        ),
        "day": (
            ("monday", "monday"),
            ("tomorrow", "tomorrow"),
            ("this saturday", "saturday"),
            ("friday", "friday"),
            ("tonight", "tonight"),
        ),
        "club": (("Riverside", "riverside"), ("City Centre", "city centre"), ("Northgate", "northgate")),
        "duration": (("two weeks", "2 weeks"), ("a month", "1 month"), ("three months", "3 months")),
        "plan": (("off-peak", "off-peak"), ("premium", "premium"), ("student", "student")),
        "card": (("visa", "visa"), ("mastercard", "mastercard"), ("amex", "amex")),
        "trainer": (("Jordan", "jordan"), ("Priya", "priya"), ("Marco", "marco")),
        "item": (
            ("water bottle", "water bottle"),
            ("headphones", "headphones"),
            ("gym bag", "gym bag"),
            ("towel", "towel"),
            ("car keys", "car keys"),
        ),
    },
    test_synonyms={
        "gym_class": (("spinning", "spin"), ("hot yoga", "yoga")),
        "club": (("city center", "city centre"),),
        "item": (("earbuds", "headphones"),),
    },
    out_of_scope=(
        "how many calories does a spin class burn",
        "what's a good warm up before running",
        "how much protein should i eat after lifting",
        "is yoga good for back pain",
        "convert 5 kilometres to miles",
        "what muscles do squats work",
        "play my workout playlist",
        "who holds the world record for the marathon",
        "how do i fix a squeaky bike chain",
        "wake me up at 6 tomorrow",
        "what's the forecast for saturday morning",
        "recommend running shoes for flat feet",
        "how do you pronounce pilates",
        "what's the population of brazil",
        "how do i cook brown rice",
        "tell me something interesting",
        "what's the score in the cricket",
        "how many hours of sleep do adults need",
        "find me a good podcast",
        "what's 15 percent of 80",
    ),
    test_templates={
        "book_class": ("put my name down for {gym_class} {day}",),
        "cancel_booking": ("i won't be at {gym_class}, free up my place",),
        "freeze_membership": ("i'm having surgery, can my membership be paused",),
        "cancel_membership": ("please close my gym membership for good",),
        "update_payment": ("my bank changed, where do i put the new details",),
        "club_hours": ("what time does {club} shut on {day}",),
        "personal_trainer": ("i want someone to write me a training plan",),
        "guest_pass": ("my brother is visiting, can he come to {club} with me",),
        "lost_property": ("my {item} went missing after my workout",),
    },
)
"""Written on 2026-12-03 before the near-domain negatives (``tunefork/language/background.py``) existed and never
used to tune them: a second held-out check (``bench/small_messy.py --domains fitness``). About half of its
out-of-scope requests share the domain's words (classes, running, lifting, the gym's days); test requests also
use phrasings training never sees (``test_templates``)."""

VET = Domain(
    name="vet",
    intents={
        "book_appointment": (
            "i need to book an appointment for my {pet}",
            "can {pet_name} see {vet} on {day}",
            "book a check up for my {pet} at {clinic}",
            "is there a slot {day} for my {pet}",
            "my {pet} has been limping, can i bring him in {day}",
        ),
        "cancel_appointment": (
            "cancel {pet_name}'s appointment on {day}",
            "i need to cancel our visit with {vet}",
            "please cancel the appointment for my {pet}",
            "we can't come in {day}, cancel it",
            "cancel booking {booking}",
        ),
        "vaccination": (
            "is {pet_name} due for the {vaccine} vaccine",
            "when is my {pet}'s next {vaccine} booster",
            "my {pet} needs the {vaccine} jab",
            "can i get a copy of {pet_name}'s vaccination record",
            "has my {pet} had the {vaccine} shot",
        ),
        "prescription_refill": (
            "i need a refill of {medication} for {pet_name}",
            "{pet_name} is running out of {medication}",
            "can you repeat the {medication} prescription for my {pet}",
            "reorder {medication} please",
            "is {pet_name}'s {medication} ready to collect at {clinic}",
        ),
        "lab_results": (
            "are {pet_name}'s blood test results back",
            "any news on the lab results for my {pet}",
            "what did the urine sample show for {pet_name}",
            "can {vet} call me about the test results",
            "results for sample {sample} please",
        ),
        "emergency": (
            "my {pet} ate {toxin}, what do i do",
            "emergency, {pet_name} swallowed {toxin}",
            "my {pet} collapsed and is breathing fast",
            "{pet_name} was hit by a car, we are on our way",
            "my {pet} is bleeding a lot, is anyone there tonight",
        ),
        "clinic_hours": (
            "what time does {clinic} open {day}",
            "is {clinic} open on sundays",
            "when does the {clinic} surgery close",
            "opening hours for {clinic} please",
            "are you open {day}",
        ),
        "pay_invoice": (
            "how do i pay invoice {invoice}",
            "i want to pay my bill for {pet_name}'s surgery",
            "can i pay the vet bill in instalments",
            "send me a copy of invoice {invoice}",
            "why was i charged twice for {pet_name}'s visit",
        ),
        "update_microchip": (
            "i moved, please update {pet_name}'s microchip details",
            "change the phone number on my {pet}'s chip",
            "microchip {chip} has my old address",
            "register the microchip for my new {pet}",
            "can you scan {pet_name} to check the chip works",
        ),
    },
    slots={
        "pet": (
            ("dog", "dog"),
            ("cat", "cat"),
            ("puppy", "dog"),
            ("kitten", "cat"),
            ("rabbit", "rabbit"),
            ("guinea pig", "guinea pig"),
        ),
        "pet_name": (
            ("Bella", "bella"),
            ("Milo", "milo"),
            ("Luna", "luna"),
            ("Oscar", "oscar"),
            ("Biscuit", "biscuit"),
        ),
        "vet": (("Dr Patel", "patel"), ("Dr Okafor", "okafor"), ("Dr Lindqvist", "lindqvist")),
        "day": (("tomorrow", "tomorrow"), ("monday", "monday"), ("this afternoon", "today"), ("thursday", "thursday")),
        "clinic": (("Eastside", "eastside"), ("Harbour Road", "harbour road"), ("Millbrook", "millbrook")),
        "vaccine": (
            ("rabies", "rabies"),
            ("kennel cough", "kennel cough"),
            ("distemper", "distemper"),
            ("lepto", "leptospirosis"),
            ("cat flu", "cat flu"),
        ),
        "medication": (
            ("Apoquel", "apoquel"),
            ("Rimadyl", "rimadyl"),
            ("Metacam", "metacam"),
            ("thyroid tablets", "thyroid tablets"),
            ("flea treatment", "flea treatment"),
        ),
        "toxin": (
            ("chocolate", "chocolate"),
            ("grapes", "grapes"),
            ("rat poison", "rat poison"),
            ("ibuprofen", "ibuprofen"),
        ),
        "booking": tuple((f"APT-{n}", f"APT-{n}") for n in (3104, 3377, 3520, 3981, 4126)),
        "sample": tuple((f"LAB{n}", f"LAB{n}") for n in (70215, 70388, 71042, 71590)),
        "invoice": tuple((f"INV-{n}", f"INV-{n}") for n in (88012, 88375, 88914, 89201)),
        "chip": tuple((f"9810{n}", f"9810{n}") for n in (20045, 20761, 21398, 22904)),
    },
    test_synonyms={
        "pet": (("pup", "dog"), ("bunny", "rabbit")),
        "vaccine": (("leptospirosis", "leptospirosis"), ("bordetella", "kennel cough")),
        "medication": (("meloxicam", "metacam"), ("carprofen", "rimadyl")),
        "clinic": (("Harbor Rd", "harbour road"),),
    },
    out_of_scope=(
        "what's the weather like this weekend",
        "set an alarm for 7am",
        "how do i get to the train station",
        "tell me a joke",
        "what's 12 times 14",
        "who wrote pride and prejudice",
        "play some relaxing music",
        "remind me to call my mum tonight",
        "what's the euro exchange rate today",
        "how do i make pancakes",
        "what's the best food for an old cat",
        "how do i stop my puppy biting my hands",
        "which dog breeds are good with small kids",
        "how long do rabbits usually live",
        "can you recommend a dog groomer in town",
        "where can i adopt a kitten",
        "how often should i walk a labrador",
        "is it normal for my cat to sleep all day",
        "find me a pet sitter for next weekend",
        "how much does it cost to fly a dog abroad",
    ),
    test_templates={
        "book_appointment": ("{pet_name} isn't eating, when can {vet} see her",),
        "cancel_appointment": ("we won't make it to the vet {day}, please remove us",),
        "vaccination": ("which jabs does my {pet} still need this year",),
        "prescription_refill": ("we're on the last few {medication}, can we get more",),
        "lab_results": ("did the bloodwork for {pet_name} come back yet",),
        "emergency": ("help, my {pet} got into {toxin} and is shaking",),
        "clinic_hours": ("till what time is {clinic} staffed {day}",),
        "pay_invoice": ("where can i settle what i owe for {pet_name}",),
        "update_microchip": ("new phone number, need it changed on {pet_name}'s chip record",),
    },
)
"""Written on 2026-12-03 by helper h55 without reading the near-domain negatives' generator (branch ``h51-nd``),
its tests or its results, and never used to tune anything: a third held-out check (``--domains vet``). Half of its
out-of-scope requests are everyday requests, half share the domain's words (pets, breeds, dogs, cats) but ask for
something no intent handles; test requests also use phrasings training never sees (``test_templates``)."""

INSURANCE = Domain(
    name="insurance",
    intents={
        "file_claim": (
            "i need to file a claim, someone hit my {vehicle}",
            "how do i make a claim on policy {policy}",
            "my {vehicle} got rear ended {date}, want to claim",
            "need to claim for {peril}, policy {policy}",
            "hit a deer {date} and the front of the {vehicle} is smashed, open a claim pls",
        ),
        "claim_status": (
            "whats the status of claim {claim}",
            "any update on {claim}",
            "has my claim been approved yet",
            "when do i get the money for claim {claim}",
            "who is the adjuster on my claim {claim}",
        ),
        "get_quote": (
            "how much to insure a {vehicle}",
            "can i get a quote for {coverage}",
            "need a {coverage} quote asap",
            "price for insurance on my new {vehicle}",
            "what would {coverage} cost me per month",
        ),
        "add_driver": (
            "add my {driver} to my car insurance",
            "can i put my {driver} on policy {policy}",
            "my {driver} just got their license, add them to the policy",
            "need to add a driver to {policy} starting {date}",
            "is it cheaper to add my {driver} as a named driver",
        ),
        "change_vehicle": (
            "i bought a {vehicle}, switch it onto my policy",
            "replace my old car with a {vehicle} on {policy}",
            "sold my car, update the vehicle on my policy",
            "change the car on policy {policy} to a {vehicle} from {date}",
            "picking up a {vehicle} {date}, it needs to go on my insurance",
        ),
        "cancel_policy": (
            "cancel my {coverage} policy",
            "i want to cancel policy {policy}",
            "found cheaper insurance, end my policy {date}",
            "how do i cancel my insurance",
            "dont renew {policy} pls",
        ),
        "roadside_assistance": (
            "my car broke down on {road}, need a tow",
            "flat tire on {road}, can u send someone",
            "locked my keys in the {vehicle}",
            "battery is dead, need a jump start on {road}",
            "ran out of gas on {road}",
        ),
        "premium_payment": (
            "pay my premium for {policy}",
            "my payment for {policy} didnt go through",
            "move my monthly payment to {date}",
            "can i pay my insurance with a {card}",
            "how much is my next premium payment",
        ),
        "proof_of_insurance": (
            "send me my insurance card",
            "i need proof of insurance for the dmv",
            "email me the certificate for policy {policy}",
            "where can i download my id cards",
            "need a copy of my {coverage} declarations page",
        ),
        "coverage_question": (
            "does my policy cover {peril}",
            "am i covered for {peril} on {policy}",
            "is {peril} included in {coverage}",
            "whats my deductible for {peril}",
            "what does my {coverage} actually cover",
        ),
    },
    slots={
        "policy": tuple((f"POL-{n}", f"POL-{n}") for n in (4482913, 4510276, 4637705, 4791148, 4805532)),
        "claim": tuple((f"CLM-{n}", f"CLM-{n}") for n in (20931, 21477, 22806, 23315, 24062)),
        "vehicle": (
            ("Honda Civic", "honda civic"),
            ("Civic", "honda civic"),
            ("Toyota RAV4", "toyota rav4"),
            ("Ford F-150", "ford f-150"),
            ("F150", "ford f-150"),
            ("Tesla Model 3", "tesla model 3"),
            ("Subaru Outback", "subaru outback"),
        ),
        "coverage": (
            ("comprehensive", "comprehensive"),
            ("full coverage", "comprehensive"),
            ("liability only", "liability"),
            ("third party", "liability"),
            ("home insurance", "home"),
            ("renters insurance", "renters"),
        ),
        "date": (
            ("today", "today"),
            ("this morning", "today"),
            ("on monday", "monday"),
            ("friday", "friday"),
            ("on the 3rd", "3"),
            ("march 15", "march 15"),
        ),
        "driver": (
            ("son", "child"),
            ("daughter", "child"),
            ("wife", "spouse"),
            ("husband", "spouse"),
            ("partner", "spouse"),
            ("nanny", "other"),
        ),
        "road": (
            ("I-95", "i-95"),
            ("the M25", "m25"),
            ("highway 101", "highway 101"),
            ("Route 9", "route 9"),
            ("Main St", "main street"),
            ("exit 14 on I-80", "i-80 exit 14"),
        ),
        "card": (("visa", "visa"), ("mastercard", "mastercard"), ("debit card", "debit card"), ("amex", "amex")),
        "peril": (
            ("hail", "hail"),
            ("flood", "flood"),
            ("theft", "theft"),
            ("a cracked windshield", "glass"),
            ("fire", "fire"),
            ("a burst pipe", "water"),
        ),
    },
    test_synonyms={
        "vehicle": (("rav 4", "toyota rav4"), ("model 3", "tesla model 3")),
        "coverage": (("fully comp", "comprehensive"), ("tenant insurance", "renters")),
        "driver": (("hubby", "spouse"), ("teen", "child")),
        "road": (("the 101", "highway 101"),),
        "peril": (("windscreen chip", "glass"), ("storm damage", "storm")),
    },
    out_of_scope=(
        "whats the weather gonna be like saturday",
        "remind me to pick up the kids at 3",
        "how many ounces in a cup",
        "play something by taylor swift",
        "what year did the titanic sink",
        "find me a cheap flight to denver",
        "how do i unclog a kitchen sink",
        "good names for a golden retriever puppy",
        "whats an 18 percent tip on 64 dollars",
        "is the post office open on columbus day",
        "how do you spell necessary",
        "what license do i need to sell insurance",
        "recommend a body shop that does cheap dent repair",
        "how do i change a flat tire myself",
        "whats a good first car for a 17 year old",
        "how many points on your license for speeding",
        "what does an actuary actually do all day",
        "how do i fight a parking ticket",
        "is car insurance mandatory in every state",
        "how often should i change the oil in my car",
        "whats the blue book value of a 2015 camry",
        "how do i renew my drivers license online",
    ),
    test_templates={
        "file_claim": (
            "report an accident with my {vehicle}, it happened {date}",
            "{peril} wrecked our kitchen, i want it paid for under my policy",
        ),
        "claim_status": (
            "still waiting to hear back on {claim}, its been 3 weeks",
            "did u guys make a decision on my {vehicle} accident",
        ),
        "get_quote": (
            "i'm shopping around, what would you charge for a {vehicle}",
            "ballpark monthly price for {coverage}?",
        ),
        "add_driver": (
            "my {driver} passed the driving test, i want them covered on my car",
            "what do i need so my {driver} can legally drive the {vehicle}",
        ),
        "change_vehicle": (
            "traded in the old one for a {vehicle}, pls move my cover over",
            "the {vehicle} is gone, i have a different car now",
        ),
        "cancel_policy": (
            "i'm switching insurers, stop my cover from {date}",
            "we sold the house so we dont need the {coverage} anymore",
        ),
        "roadside_assistance": (
            "stuck on the shoulder of {road}, engine wont start",
            "the {vehicle} just died in the middle of {road}, help",
        ),
        "premium_payment": (
            "take this months insurance money from my new {card}",
            "the direct debit bounced, how do i settle up",
        ),
        "proof_of_insurance": (
            "the rental place wants to see i'm insured, can you send something",
            "got pulled over, how do i show my cover on my phone",
        ),
        "coverage_question": (
            "if there's {peril}, do i get paid out",
            "what am i actually paying for, what's in my {coverage} plan",
        ),
    },
)
"""Written on 2026-12-03 by helper h72 without reading ``tunefork/language/`` (its shipped general sentences, its
near-domain templates, its tests) and never used to tune anything: a held-out check (``--domains insurance``).
Its 22 out-of-scope requests (27% of the test set) were written from scratch: 11 everyday requests and 11
near-domain ones that borrow the domain's words (licences, cars, tyres, parking tickets, insurance jobs) but ask
for something no intent handles. Every intent has two test-only phrasings (``test_templates``)."""

TELECOM = Domain(
    name="telecom",
    intents={
        "data_usage": (
            "how much data do i have left",
            "check data usage on {number}",
            "am i close to my data cap on {plan}",
            "data balance pls",
            "why is my data running out so fast this month",
        ),
        "change_plan": (
            "switch me to {plan}",
            "upgrade my plan to {plan}",
            "i want to downgrade to {plan} next month",
            "whats the difference between my plan and {plan}",
            "move line {number} onto {plan}",
        ),
        "roaming": (
            "turn on roaming for {country}",
            "will my phone work in {country}",
            "how much is roaming in {country}",
            "going to {country} on {date}, activate intl roaming",
            "add a travel pass for {country} to my {phone}",
        ),
        "bill_dispute": (
            "my bill is {amount} more than usual",
            "i was charged {amount} for something i didnt use",
            "why is my bill so high this month",
            "dispute a charge on invoice {invoice}",
            "there's a {amount} fee on my bill i dont understand",
        ),
        "sim_card": (
            "activate my new sim",
            "how do i set up an esim on my {phone}",
            "my {phone} says no sim card",
            "need a replacement sim, mine got damaged",
            "move my esim to my new {phone}",
        ),
        "outage": (
            "no signal in {area}",
            "is there an outage in {area}",
            "my home internet has been down since {date}",
            "calls keep dropping around {area}",
            "4g not working at all today",
        ),
        "port_number": (
            "i want to keep my number when i switch to you",
            "port my number {number} from {carrier}",
            "transfer my number over from {carrier}",
            "how long does porting a number take",
            "need my account number and pin to move my number to {carrier}",
        ),
        "unlock_phone": (
            "unlock my {phone} so i can use another carrier",
            "is my {phone} network locked",
            "need the unlock code for my {phone}",
            "can u carrier unlock a {phone} bought from {carrier}",
            "my {phone} wont take a foreign sim",
        ),
        "cancel_service": (
            "cancel my contract",
            "close line {number}",
            "whats the early termination fee",
            "i want to end my service on {date}",
            "disconnect my {plan} plan",
        ),
        "pay_bill": (
            "pay my bill",
            "set up autopay with my {card}",
            "when is my bill due",
            "pay {amount} on my account",
            "my payment on invoice {invoice} failed",
        ),
    },
    slots={
        "number": (
            ("555-0142", "5550142"),
            ("312-555-0188", "3125550188"),
            ("07700 900123", "07700900123"),
            ("+1 646 555 0101", "16465550101"),
            ("ending 4471", "4471"),
        ),
        "plan": (
            ("Unlimited Max", "unlimited max"),
            ("Unlimited Plus", "unlimited plus"),
            ("Basic 5GB", "basic 5gb"),
            ("Family Share 4", "family share 4"),
            ("prepaid", "prepaid"),
            ("Go 15", "go 15"),
        ),
        "country": (
            ("Spain", "spain"),
            ("Mexico", "mexico"),
            ("Japan", "japan"),
            ("Canada", "canada"),
            ("the UK", "uk"),
            ("Thailand", "thailand"),
        ),
        "phone": (
            ("iPhone 15", "iphone 15"),
            ("iPhone 13 Pro", "iphone 13 pro"),
            ("Galaxy S23", "galaxy s23"),
            ("Pixel 8", "pixel 8"),
            ("Moto G", "moto g"),
        ),
        "amount": (("$40", "40"), ("$12.99", "12.99"), ("85 dollars", "85"), ("$200", "200"), ("30 bucks", "30")),
        "area": (
            ("downtown", "downtown"),
            ("zip 94110", "94110"),
            ("Brookside", "brookside"),
            ("the north end", "north end"),
            ("Oak Park", "oak park"),
        ),
        "carrier": (
            ("Verizon", "verizon"),
            ("T-Mobile", "t-mobile"),
            ("AT&T", "at&t"),
            ("Vodafone", "vodafone"),
            ("Mint", "mint mobile"),
        ),
        "invoice": tuple((f"BL-{n}", f"BL-{n}") for n in (7730215, 7731988, 7745620, 7760473)),
        "date": (
            ("friday", "friday"),
            ("monday", "monday"),
            ("the 12th", "12"),
            ("the 3rd", "3"),
            ("saturday", "saturday"),
        ),
        "card": (("visa", "visa"), ("mastercard", "mastercard"), ("debit card", "debit card"), ("amex", "amex")),
    },
    test_synonyms={
        "plan": (("unl max", "unlimited max"), ("family plan", "family share 4")),
        "country": (("england", "uk"), ("cancun", "mexico")),
        "phone": (("S23", "galaxy s23"), ("ip15", "iphone 15")),
        "carrier": (("tmobile", "t-mobile"), ("ATT", "at&t")),
        "date": (("sat", "saturday"),),
    },
    out_of_scope=(
        "what time does the super bowl start",
        "convert 30 celsius to fahrenheit",
        "give me a recipe for banana bread",
        "who sings bohemian rhapsody",
        "how far away is the moon",
        "set a reminder for the dentist on tuesday",
        "whats another word for happy",
        "directions to the nearest walmart",
        "how long do i microwave a potato",
        "how many days until christmas",
        "text my wife that im running late",
        "call mom",
        "how do i become a cell tower technician",
        "which phone has the best camera right now",
        "my laptop wont connect to my home printer",
        "how do i back up my photos to the cloud",
        "is 5g bad for your health",
        "whats the best wifi router for a big house",
        "how do i take a screenshot on an iphone",
        "how much is netflix a month",
        "why does my phone battery drain so fast",
        "who invented the telephone",
    ),
    test_templates={
        "data_usage": (
            "how many gigs are left till my cycle resets",
            "did i go over my allowance on {number}",
        ),
        "change_plan": (
            "my current package is too expensive, put me on something like {plan}",
            "can i go on {plan} instead of what i have now",
        ),
        "roaming": (
            "heading abroad to {country}, what happens if i use data there",
            "i landed in {country} and my {phone} has no service",
        ),
        "bill_dispute": (
            "you overcharged me {amount}, i want it taken off",
            "this statement is wrong, i never sent those premium texts",
        ),
        "sim_card": (
            "got a new {phone}, how do i get my line onto it without a physical card",
            "the little chip card isnt being read by my {phone}",
        ),
        "outage": (
            "is the network broken near {area}? nothing loads",
            "zero bars at home in {area} since {date}",
        ),
        "port_number": (
            "bringing my old {carrier} number with me, how do i do that",
            "leaving for {carrier} but i want to keep {number}",
        ),
        "unlock_phone": (
            "i paid off the {phone}, can it be used on other networks now",
            "want to use my {phone} with {carrier}, its locked to you",
        ),
        "cancel_service": (
            "i'm done with you guys, shut my account down",
            "stop service on {number} at the end of this cycle",
        ),
        "pay_bill": (
            "put {amount} towards what i owe",
            "charge my {card} for this months phone bill",
        ),
    },
)
"""Written on 2026-12-03 by helper h72 without reading ``tunefork/language/`` (its shipped general sentences, its
near-domain templates, its tests) and never used to tune anything: a held-out check (``--domains telecom``). Its
22 out-of-scope requests (27% of the test set) were written from scratch: 10 everyday requests and 12 near-domain
ones that borrow the domain's words (phones, texts, calls, wifi, 5g, carriers' jobs) but ask for something no
intent handles. Every intent has two test-only phrasings (``test_templates``)."""

UTILITIES = Domain(
    name="utilities",
    intents={
        "submit_meter_reading": (
            "my meter reading is {reading}",
            "submit a {fuel} reading of {reading}",
            "here's my {fuel} meter reading for account {account}: {reading}",
            "meter {meter} reads {reading} as of {date}",
            "how do i give you a meter reading",
        ),
        "change_tariff": (
            "switch me to {tariff}",
            "i want to move to the {tariff} tariff",
            "is {tariff} cheaper than what i'm on now",
            "change my {fuel} tariff to {tariff} from {date}",
            "what tariffs can i switch to on account {account}",
        ),
        "report_outage": (
            "power cut in {postcode}",
            "no {fuel} at my house since {date}",
            "is there an outage near {postcode}",
            "all the lights went out on our street",
            "when will the {fuel} be back on in {postcode}",
        ),
        "report_leak": (
            "there's water leaking in {place}",
            "i can smell gas in {place}",
            "burst pipe in {place}, water everywhere",
            "report a leak at {postcode}",
            "water is bubbling up out of {place} near {postcode}",
        ),
        "moving_home": (
            "i'm moving house on {date}",
            "moving out of {postcode}, close my account {account}",
            "just moved into {postcode}, set up the {fuel} in my name",
            "how do i tell you i'm moving home",
            "we move in {date}, need the {fuel} account transferred",
        ),
        "bill_query": (
            "why is my bill so high",
            "my {fuel} bill went up to {amount}",
            "explain the charges on account {account}",
            "i was billed {amount} but i used way less than that",
            "the bill says estimated but my reading was {reading}",
        ),
        "payment_arrangement": (
            "i can't afford my bill, can i pay in instalments",
            "set up a payment plan for {amount} a month",
            "change my direct debit to {amount}",
            "move my direct debit date to {date}",
            "i'm behind on my {fuel} payments on {account}",
        ),
        "smart_meter": (
            "book a smart meter installation",
            "my smart meter {meter} isn't sending readings",
            "can i get a smart meter fitted on {date}",
            "the in-home display stopped working",
            "smart meter {meter} says no signal",
        ),
        "request_refund": (
            "my account is in credit, can i have it back",
            "refund the {amount} credit on {account}",
            "i overpaid by {amount}, please send it back",
            "how do i get a refund of my credit balance",
            "you still owe me {amount} since i closed account {account}",
        ),
        "update_details": (
            "change the email on account {account}",
            "update my phone number please",
            "add my partner to the account",
            "my name changed, please update account {account}",
            "the postcode on my account is wrong, it should be {postcode}",
        ),
    },
    slots={
        "account": (
            ("A-3309174", "A3309174"),
            ("A3318820", "A3318820"),
            ("a3402551", "A3402551"),
            ("A 3417 786", "A3417786"),
            ("A-3425093", "A3425093"),
        ),
        "meter": (
            ("E10K48213", "E10K48213"),
            ("G4A 22917", "G4A22917"),
            ("19K0553612", "19K0553612"),
            ("E6S 10447", "E6S10447"),
            ("W0917730", "W0917730"),
        ),
        "reading": (
            ("04521", "4521"),
            ("12873", "12873"),
            ("6690 kwh", "6690"),
            ("3318.4", "3318.4"),
            ("00987", "987"),
        ),
        "fuel": (
            ("electricity", "electricity"),
            ("electric", "electricity"),
            ("power", "electricity"),
            ("gas", "gas"),
            ("water", "water"),
        ),
        "tariff": (
            ("Fixed Saver 24", "fixed saver 24"),
            ("Green Flex", "green flex"),
            ("Economy 7", "economy 7"),
            ("E7", "economy 7"),
            ("Standard Variable", "standard variable"),
            ("EV Night", "ev night"),
        ),
        "date": (
            ("today", "today"),
            ("tomorrow", "tomorrow"),
            ("next friday", "friday"),
            ("monday", "monday"),
            ("the 1st of june", "june 1"),
            ("31/05", "may 31"),
        ),
        "postcode": (
            ("SW9 8PL", "SW9 8PL"),
            ("M14 5RT", "M14 5RT"),
            ("LS6 2AB", "LS6 2AB"),
            ("BS3 4QE", "BS3 4QE"),
            ("EH7 5JW", "EH7 5JW"),
        ),
        "amount": (("£45", "45"), ("£120.50", "120.50"), ("80 quid", "80"), ("£60", "60"), ("200 pounds", "200")),
        "place": (
            ("the kitchen", "kitchen"),
            ("under the sink", "under sink"),
            ("the street outside", "street"),
            ("the front garden", "garden"),
            ("the bathroom ceiling", "bathroom"),
            ("the pavement", "street"),
        ),
    },
    test_synonyms={
        "reading": (("12,873", "12873"), ("4521 units", "4521")),
        "fuel": (("leccy", "electricity"), ("mains water", "water")),
        "tariff": (("economy seven", "economy 7"), ("svt", "standard variable")),
        "date": (("1 june", "june 1"),),
        "postcode": (("m145rt", "M14 5RT"),),
        "amount": (("ninety quid", "90"),),
        "place": (("the road outside", "street"), ("the loo", "bathroom")),
    },
    out_of_scope=(
        "whats on telly tonight",
        "how long do i boil an egg for a runny yolk",
        "book me a table for two at 8 on saturday",
        "what was the score in the arsenal match",
        "wake me up at half six",
        "how do you say thank you in japanese",
        "is it going to snow in manchester this weekend",
        "which of the brontes wrote wuthering heights",
        "add oat milk to my shopping list",
        "what's 15 percent of 240",
        "how many miles is it from leeds to edinburgh",
        "how do i bleed a radiator",
        "are solar panels worth it on a terraced house",
        "which light bulbs use the least energy",
        "how do i get a job as a meter reader",
        "what should i set my thermostat to in winter",
        "my boiler pressure keeps dropping, how do i top it up",
        "can you recommend a decent electrician round here",
        "how much does it cost to fit a car charger at home",
        "what's the difference between a kilowatt and a kilowatt hour",
        "is it safe to drink tap water when pregnant",
        "who actually owns the national grid",
    ),
    test_templates={
        "submit_meter_reading": (
            "{reading} on the {fuel} meter, took it this morning",
            "photo of the dial came out blurry but i think it says {reading}, can u log that for {account}",
        ),
        "change_tariff": (
            "my fixed deal ends {date}, what should i go on after",
            "{tariff}?? sign me up for that one",
        ),
        "report_outage": (
            "whole block is dark round {postcode}, any idea whats going on",
            "taps have run dry, nothing coming out at all",
        ),
        "report_leak": (
            "smells like rotten eggs in {place}, is that gas??",
            "a puddle keeps growing in {place} and it wont stop no matter what i do",
        ),
        "moving_home": (
            "got the keys {date}! the new place needs the energy putting in my name",
            "leaving {postcode} end of the month, what happens with the meters",
        ),
        "bill_query": (
            "{amount}?! for one month, u having a laugh",
            "can someone go through my latest statement with me, the standing charge and unit rates make no sense",
        ),
        "payment_arrangement": (
            "struggling a bit this month, any chance i can spread what i owe",
            "lower the monthly dd to {amount} pls",
        ),
        "smart_meter": (
            "smart meter install {date}?",
            "the little screen that shows my usage has just shown dashes since the engineer came",
        ),
        "request_refund": (
            "theres {amount} sitting on my account doing nothing, pay it out to my bank",
            "when do i actually get my money back, closed the account ages ago",
        ),
        "update_details": (
            "got married, need my surname changed on the bills",
            "pls take my ex off account {account}",
        ),
    },
)
"""Written on 2026-12-04 by helper h81 without reading ``tunefork/language/`` (its shipped general sentences, its
near-domain templates, its tests) and never used to tune anything: a held-out check (``--domains utilities``). Its
22 out-of-scope requests (27% of the test set) were written from scratch: 11 everyday requests and 11 near-domain
ones that borrow the domain's words (radiators, boilers, thermostats, solar panels, kilowatts, tap water, meter
readers' jobs) but ask for something no intent handles. Every intent has two test-only phrasings
(``test_templates``)."""

PHARMACY = Domain(
    name="pharmacy",
    intents={
        "refill_prescription": (
            "refill {rx}",
            "i need a refill on my {medication}",
            "please refill prescription {rx} for pickup at {store}",
            "can i get a {supply} of my {medication} refilled",
            "running low on {medication}, refill it pls",
        ),
        "transfer_prescription": (
            "transfer my prescriptions from {pharmacy}",
            "move my {medication} prescription from {pharmacy} to {store}",
            "how do i transfer a prescription to you",
            "i want to switch pharmacies, my meds are at {pharmacy}",
            "can you transfer {rx} to the {store} location",
        ),
        "opening_hours": (
            "what time do you close",
            "are you open on {date}",
            "what are the pharmacy hours at {store}",
            "is the {store} pharmacy open {date}",
            "when does the pharmacy counter open in the morning",
        ),
        "side_effects": (
            "is {symptom} a side effect of {medication}",
            "what are the side effects of {medication}",
            "can i drink alcohol while taking {medication}",
            "i've had {symptom} since starting {medication}, is that normal",
            "should i take {medication} on an empty stomach",
        ),
        "update_insurance": (
            "i have new insurance, it's {insurer}",
            "update my insurance card to {insurer}",
            "my member id is {member_id}, please add it to my profile",
            "do you take {insurer}",
            "my insurance changed to {insurer}, member id {member_id}",
        ),
        "prescription_delivery": (
            "can you deliver my {medication}",
            "i want my prescriptions delivered",
            "where is my delivery for {rx}",
            "send {rx} to my house {date}",
            "do you deliver to my area, i can't get to {store}",
        ),
        "prescription_ready": (
            "is my prescription ready",
            "is {rx} ready for pickup",
            "has my doctor sent over my {medication} yet",
            "can i pick up my {medication} at {store} {date}",
            "why is {rx} still not ready",
        ),
        "vaccination": (
            "book a {vaccine}",
            "can i get a {vaccine} at {store}",
            "do i need an appointment for a {vaccine}",
            "schedule my {vaccine} for {date}",
            "do you have the {vaccine} in stock",
        ),
        "price_check": (
            "how much is {medication}",
            "price of a {supply} of {medication} with {insurer}",
            "is there a cheaper generic for {medication}",
            "how much will {rx} cost me",
            "do you have coupons for {medication}",
        ),
        "auto_refill": (
            "sign me up for auto refill",
            "put {rx} on automatic refills",
            "stop auto refilling my {medication}",
            "set up auto refill for my {medication} at {store}",
            "turn off auto refill for {rx}",
        ),
    },
    slots={
        "medication": (
            ("lisinopril", "lisinopril"),
            ("metformin", "metformin"),
            ("atorvastatin", "atorvastatin"),
            ("Lipitor", "atorvastatin"),
            ("amoxicillin", "amoxicillin"),
            ("Zoloft", "sertraline"),
            ("sertraline", "sertraline"),
            ("albuterol inhaler", "albuterol"),
            ("levothyroxine", "levothyroxine"),
        ),
        "rx": (
            ("Rx 6004127", "6004127"),
            ("6012988", "6012988"),
            ("rx# 6031450", "6031450"),
            ("RX6045513", "6045513"),
            ("6058802", "6058802"),
        ),
        "store": (
            ("Elm Street", "elm street"),
            ("Elm St", "elm street"),
            ("downtown", "downtown"),
            ("Maple Ave", "maple avenue"),
            ("Route 30", "route 30"),
            ("Westfield Mall", "westfield mall"),
        ),
        "pharmacy": (
            ("CVS", "cvs"),
            ("Walgreens", "walgreens"),
            ("Rite Aid", "rite aid"),
            ("Walmart", "walmart"),
            ("Costco", "costco"),
        ),
        "insurer": (
            ("Aetna", "aetna"),
            ("Blue Cross", "blue cross blue shield"),
            ("BCBS", "blue cross blue shield"),
            ("Cigna", "cigna"),
            ("UnitedHealthcare", "unitedhealthcare"),
            ("Medicare Part D", "medicare part d"),
            ("Humana", "humana"),
        ),
        "member_id": (
            ("W284017733", "W284017733"),
            ("XEH 5521 9087", "XEH55219087"),
            ("ZGP804412", "ZGP804412"),
            ("1EG4-TE5-MK72", "1EG4TE5MK72"),
        ),
        "date": (
            ("today", "today"),
            ("tomorrow", "tomorrow"),
            ("saturday", "saturday"),
            ("sunday", "sunday"),
            ("christmas eve", "december 24"),
            ("the 4th of july", "july 4"),
        ),
        "vaccine": (
            ("flu shot", "flu"),
            ("flu vaccine", "flu"),
            ("covid booster", "covid"),
            ("shingles vaccine", "shingles"),
            ("Shingrix", "shingles"),
            ("tdap", "tdap"),
            ("RSV shot", "rsv"),
        ),
        "symptom": (
            ("dizziness", "dizziness"),
            ("nausea", "nausea"),
            ("a rash", "rash"),
            ("headaches", "headache"),
            ("trouble sleeping", "insomnia"),
            ("a dry cough", "cough"),
        ),
        "supply": (
            ("90 day supply", "90 days"),
            ("30 day supply", "30 days"),
            ("3 months", "90 days"),
            ("month's worth", "30 days"),
        ),
    },
    test_synonyms={
        "medication": (("metformin er", "metformin"), ("synthroid", "levothyroxine"), ("amox", "amoxicillin")),
        "rx": (("#6004127", "6004127"),),
        "store": (("elm st.", "elm street"), ("the mall", "westfield mall")),
        "pharmacy": (("walgreen's", "walgreens"), ("the cvs inside target", "cvs")),
        "insurer": (("united healthcare", "unitedhealthcare"), ("part d", "medicare part d")),
        "date": (("sat", "saturday"), ("xmas eve", "december 24")),
        "vaccine": (("covid shot", "covid"), ("shingles jab", "shingles")),
        "symptom": (("feeling sick to my stomach", "nausea"), ("cant sleep", "insomnia")),
        "supply": (("90-day", "90 days"),),
    },
    out_of_scope=(
        "what's a good movie to watch tonight",
        "how many tablespoons are in a quarter cup",
        "get me an uber to the airport",
        "when does daylight saving time end this year",
        "who painted the mona lisa",
        "set an alarm for 7 tomorrow morning",
        "how do i get red wine out of a carpet",
        "gift ideas for my dad's 60th",
        "how do i make cold brew at home",
        "what time does the library close tonight",
        "how old is the oldest tree in the world",
        "how do i become a pharmacy technician",
        "what's the difference between tylenol and advil",
        "do you sell reading glasses",
        "where's the nearest urgent care",
        "can you recommend a good pediatrician",
        "what's good for a sore throat",
        "are you hiring cashiers",
        "where can i get passport photos taken",
        "is it safe to fly when you're 30 weeks pregnant",
        "how much sleep does a teenager need",
        "how do i get rid of expired pills",
    ),
    test_templates={
        "refill_prescription": (
            "{medication} refill",
            "hi so my doctor said keep taking the {medication} and i've only got like 3 left, could you do another"
            " round of it for me",
        ),
        "transfer_prescription": (
            "{pharmacy} is closing near me, can you take over all my scripts",
            "pls pull my {medication} over from {pharmacy}, they keep messing it up",
        ),
        "opening_hours": (
            "hours {store}",
            "is anyone there late tonight? i get off work at 9 and need to grab something from the counter",
        ),
        "side_effects": (
            "started the {medication} {date} and now i've got {symptom}, should i be worried",
            "does {medication} mess with birth control",
        ),
        "update_insurance": (
            "switched jobs so the old card is dead, new one is {insurer} member {member_id}",
            "can i send u a pic of my new insurance card",
        ),
        "prescription_delivery": (
            "im stuck at home sick, can someone drop my meds off",
            "the driver never showed up with my {medication}",
        ),
        "prescription_ready": (
            "ready yet? {rx}",
            "got a text saying my order was waiting but when i came in nobody could find it, is my {medication}"
            " actually there",
        ),
        "vaccination": (
            "walk-in {vaccine} {date}?",
            "my kid needs her {vaccine} before school starts, what do i do",
        ),
        "price_check": (
            "{medication} without insurance, ballpark?",
            "my copay for {medication} doubled, is there any way to pay less",
        ),
        "auto_refill": (
            "i dont want to keep calling every month for my {medication}, can it just happen by itself",
            "cancel the automatic thing on {rx}, i changed doctors",
        ),
    },
)
"""Written on 2026-12-04 by helper h81 without reading ``tunefork/language/`` (its shipped general sentences, its
near-domain templates, its tests) and never used to tune anything: a held-out check (``--domains pharmacy``). Its
22 out-of-scope requests (27% of the test set) were written from scratch: 11 everyday requests and 11 near-domain
ones that borrow the domain's words (pills, painkillers, sore throats, urgent care, photos, pharmacy jobs) but ask
for something no intent handles. Every intent has two test-only phrasings (``test_templates``)."""

PAYROLL = Domain(
    name="payroll",
    intents={
        "view_payslip": (
            "where can i find my payslip for {month}",
            "send me a copy of my {month} payslip",
            "i can't open my payslip on the portal",
            "can i get my payslips from {month} to {month}",
            "download the payslip for employee {employee_id}",
        ),
        "tax_code": (
            "why has my tax code changed to {tax_code}",
            "is {tax_code} the right tax code for me",
            "i think i'm on an emergency tax code",
            "my payslip says {tax_code}, what does that mean",
            "hmrc sent me a new tax code {tax_code} for {tax_year}, has payroll got it",
        ),
        "leave_balance": (
            "how much {leave_type} do i have left",
            "what's my {leave_type} balance",
            "how many days holiday have i got left this year",
            "check my remaining {leave_type} please",
            "how many hours of {leave_type} have i built up",
        ),
        "submit_expense": (
            "submit an expense claim for {amount} for {expense}",
            "how do i claim back {expense}",
            "i need to claim {amount} {expense} from last week",
            "where do i upload receipts for {expense}",
            "claim {amount} for {expense} on my {month} expenses",
        ),
        "overtime": (
            "i worked {hours} overtime in {month}, when will it be paid",
            "my overtime is missing from my payslip",
            "log {hours} of overtime for last weekend",
            "what's the overtime rate for bank holidays",
            "i did {hours} extra in {month} but it's not been paid",
        ),
        "update_bank_details": (
            "i need to change my bank details",
            "update my sort code to {sort_code} and account number {bank_account}",
            "my new account number is {bank_account}",
            "please pay my wages into a different account, sort code {sort_code}",
            "i switched banks, how do i update where my salary goes",
        ),
        "pension": (
            "increase my pension contribution to {percent}",
            "how do i opt out of the workplace pension",
            "can i reduce my pension to {percent} from {month}",
            "how much does the company put into my pension",
            "i want to pay {percent} into my pension through salary sacrifice",
        ),
        "tax_form": (
            "where is my {form} for {tax_year}",
            "can i get a copy of my {form}",
            "i need my {form} for my mortgage application",
            "when will the {tax_year} {form} be available",
            "i never received my {form}",
        ),
        "pay_discrepancy": (
            "i've been underpaid {amount} this month",
            "my {month} pay is wrong",
            "why is my net pay lower in {month}",
            "i was overpaid by {amount}, how do i pay it back",
            "there's a deduction of {amount} on my payslip i don't recognise",
        ),
        "pay_date": (
            "when is payday this month",
            "when do we get paid in {month}",
            "will we be paid early because of christmas",
            "if payday falls on a bank holiday does the money go in before or after",
            "what date will my first salary be paid",
        ),
    },
    slots={
        "month": (
            ("january", "january"),
            ("march", "march"),
            ("Feb", "february"),
            ("april", "april"),
            ("last month", "last month"),
            ("june", "june"),
            ("Dec", "december"),
            ("october", "october"),
        ),
        "tax_code": (
            ("1257L", "1257L"),
            ("1257l", "1257L"),
            ("BR", "BR"),
            ("K475", "K475"),
            ("0T", "0T"),
            ("1100L", "1100L"),
            ("D0", "D0"),
        ),
        "leave_type": (
            ("annual leave", "annual leave"),
            ("holiday", "annual leave"),
            ("AL", "annual leave"),
            ("toil", "toil"),
            ("TOIL", "toil"),
            ("sick leave", "sick leave"),
            ("flexi", "flexi"),
        ),
        "amount": (
            ("£42.50", "42.50"),
            ("£120", "120"),
            ("35 quid", "35"),
            ("£1,250", "1250"),
            ("$86", "86"),
            ("£9.80", "9.80"),
        ),
        "expense": (
            ("mileage", "mileage"),
            ("train tickets", "travel"),
            ("train fare", "travel"),
            ("hotel", "accommodation"),
            ("client lunch", "meals"),
            ("taxi", "taxi"),
            ("parking", "parking"),
        ),
        "hours": (
            ("6 hours", "6"),
            ("12.5 hrs", "12.5"),
            ("10h", "10"),
            ("4 hrs", "4"),
            ("eight hours", "8"),
            ("3.5 hours", "3.5"),
        ),
        "sort_code": (
            ("20-45-77", "204577"),
            ("401162", "401162"),
            ("30 94 21", "309421"),
            ("09-01-28", "090128"),
        ),
        "bank_account": (
            ("41236987", "41236987"),
            ("0031 7765", "00317765"),
            ("73920146", "73920146"),
            ("5518 2093", "55182093"),
        ),
        "percent": (("5%", "5"), ("8 percent", "8"), ("10%", "10"), ("3%", "3"), ("12 %", "12")),
        "form": (
            ("P60", "p60"),
            ("p60", "p60"),
            ("P45", "p45"),
            ("P11D", "p11d"),
            ("W-2", "w-2"),
            ("W2", "w-2"),
        ),
        "tax_year": (
            ("2025/26", "2025-26"),
            ("25/26", "2025-26"),
            ("2024-25", "2024-25"),
            ("last tax year", "last tax year"),
            ("2023/24", "2023-24"),
        ),
        "employee_id": (
            ("E104233", "E104233"),
            ("20417", "20417"),
            ("EMP-31882", "EMP31882"),
            ("e-55190", "E55190"),
        ),
    },
    test_synonyms={
        "month": (("sept", "september"), ("jan", "january")),
        "tax_code": (("1257 L", "1257L"), ("k 475", "K475")),
        "leave_type": (("hols", "annual leave"), ("time off in lieu", "toil"), ("a/l", "annual leave")),
        "amount": (("forty quid", "40"), ("£63.20", "63.20")),
        "expense": (("uber", "taxi"), ("petrol", "mileage"), ("airbnb", "accommodation")),
        "hours": (("7hrs", "7"),),
        "sort_code": (("20 45 77", "204577"),),
        "percent": (("6pc", "6"),),
        "form": (("p 60", "p60"), ("w2 form", "w-2"), ("p11-d", "p11d")),
        "tax_year": (("24/25", "2024-25"),),
    },
    out_of_scope=(
        "whats the weather like in glasgow tmrw",
        "give me a quick recipe for banana bread",
        "how many grams in a pound",
        "who sang bohemian rhapsody",
        "remind me to call mum at 6",
        "what time does tesco shut on a sunday",
        "quickest way from kings cross to heathrow",
        "how do i unblock a kitchen sink",
        "whats the plural of octopus",
        "how long does it take to walk 5k",
        "any good podcasts for a long drive",
        "can i work from home on fridays",
        "how do i ask my manager for a pay rise",
        "whats the national minimum wage for under 21s",
        "how do i fill in a self assessment for my etsy shop",
        "who do i speak to about being bullied at work",
        "when is the christmas party this year",
        "my id badge stopped opening the car park barrier",
        "how do i apply for the team leader job on the intranet",
        "is it worth paying off my student loan early",
        "what does an employment tribunal cost",
        "whats a good isa to put my bonus in",
    ),
    test_templates={
        "view_payslip": (
            "{month} slip pls",
            "need proof of income for a flat, can u email me the last 3 months of pay statements",
        ),
        "tax_code": (
            "{tax_code}?? whats that",
            "got a letter from the taxman saying ive been on the wrong code all year, what happens now",
        ),
        "leave_balance": (
            "{leave_type} left?",
            "thinking of booking two weeks in august, have i actually got the days for that",
        ),
        "submit_expense": (
            "{amount} {expense} - how do i get reimbursed",
            "paid for the team's pizzas out of my own pocket at the offsite, want that back",
        ),
        "overtime": (
            "ot for {month} not on my slip",
            "covered three extra night shifts for sarah, is that going through at time and a half",
        ),
        "update_bank_details": (
            "new bank: sc {sort_code} acc {bank_account}",
            "my old account got closed after fraud, salary needs to go somewhere else",
        ),
        "pension": (
            "bump pension to {percent}",
            "what happens to my pension pot if i leave the company next year",
        ),
        "tax_form": (
            "{form} {tax_year}??",
            "accountant needs the end of year certificate showing what i earned and paid in tax",
        ),
        "pay_discrepancy": (
            "short {amount} on this months pay",
            "the figure that landed in my bank doesn't match my contract at all",
        ),
        "pay_date": (
            "payday?",
            "rent is due on the 28th, will my wages be in by then",
        ),
    },
)
"""Written on 2026-12-04 by helper h90 without reading ``tunefork/language/`` (its shipped general sentences, its
near-domain templates, its tests) and never used to tune anything: a held-out check (``--domains payroll``). Its
22 out-of-scope requests (27% of the test set) were written from scratch: 11 everyday requests and 11 near-domain
ones that an employee might bring to the same assistant (working from home, pay rises, minimum wage, self
assessment, bullying, the christmas party, id badges, internal jobs, student loans, tribunals, ISAs) but that no
intent handles. Every intent has two test-only phrasings (``test_templates``)."""

COUNCIL = Domain(
    name="council",
    intents={
        "bin_collection": (
            "when is my {bin} collected",
            "what day is bin day for {postcode}",
            "my {bin} wasn't emptied {date}",
            "the bin men missed {street} again",
            "is the {bin} collection still on {date} with the bank holiday",
        ),
        "bulky_waste": (
            "book a bulky waste collection for a {item}",
            "how much to get rid of an old {item}",
            "can you collect a {item} from {postcode}",
            "i need a {item} and a {item} taking away",
            "bulky item pickup on {date} please",
        ),
        "parking_permit": (
            "apply for a resident parking permit for {reg}",
            "renew my parking permit",
            "my permit for {reg} runs out {date}",
            "how do i get visitor parking permits for {street}",
            "change the car on my permit to {reg}",
        ),
        "council_tax": (
            "how do i pay my council tax",
            "what's my council tax balance on account {account}",
            "can i get the single person discount on {account}",
            "why have i been moved to {band}",
            "set up a direct debit for council tax account {account}",
        ),
        "report_pothole": (
            "there's a massive pothole on {street}",
            "report a pothole outside number 14 {street}",
            "pothole near {postcode} burst my tyre",
            "the road surface on {street} is falling apart",
            "when will the pothole i reported on {street} be fixed",
        ),
        "report_streetlight": (
            "the street light on {street} is out",
            "lamp post {light} isn't working",
            "street light {light} is flickering all night",
            "streetlight outside my house on {street} stays on all day",
            "report a broken street lamp near {postcode}",
        ),
        "library_card": (
            "how do i get a library card",
            "i lost my library card",
            "can i join {library} online",
            "renew my library card at {library}",
            "my kid wants a library card for {library}",
        ),
        "planning_application": (
            "what's the status of planning application {planning_ref}",
            "i want to object to planning application {planning_ref}",
            "do i need planning permission for an extension",
            "how do i submit a planning application",
            "has {planning_ref} been decided yet",
        ),
        "noise_complaint": (
            "i want to make a noise complaint about {noise}",
            "my neighbours have {noise} every night",
            "{noise} on {street} at 3am, who do i tell",
            "complain about {noise} next door",
            "there's been {noise} from the flat above since {date}",
        ),
        "fly_tipping": (
            "someone has dumped rubbish on {street}",
            "report fly tipping near {postcode}",
            "there's a dumped {item} in the alley behind {street}",
            "fly tipping at the end of {street} again",
            "bags of rubbish left by the recycling bins at {postcode}",
        ),
    },
    slots={
        "bin": (
            ("black bin", "general waste"),
            ("general waste", "general waste"),
            ("recycling", "recycling"),
            ("blue bin", "recycling"),
            ("green bin", "garden waste"),
            ("garden waste", "garden waste"),
            ("food caddy", "food waste"),
        ),
        "postcode": (
            ("LS8 3QR", "LS8 3QR"),
            ("ls83qr", "LS8 3QR"),
            ("B29 6TJ", "B29 6TJ"),
            ("NG7 1FB", "NG7 1FB"),
            ("CF24 4HQ", "CF24 4HQ"),
            ("s10 2gu", "S10 2GU"),
        ),
        "street": (
            ("Church Lane", "church lane"),
            ("Station Rd", "station road"),
            ("Station Road", "station road"),
            ("Hollybush Close", "hollybush close"),
            ("the high street", "high street"),
            ("Victoria Terrace", "victoria terrace"),
            ("Mill St", "mill street"),
        ),
        "date": (
            ("today", "today"),
            ("yesterday", "yesterday"),
            ("tuesday", "tuesday"),
            ("last friday", "friday"),
            ("monday", "monday"),
            ("next week", "next week"),
        ),
        "reg": (
            ("KX19 ABC", "KX19ABC"),
            ("ab12cde", "AB12CDE"),
            ("YR68 HJT", "YR68HJT"),
            ("LB21 XZP", "LB21XZP"),
        ),
        "account": (
            ("60012345", "60012345"),
            ("CT 7781 0432", "CT77810432"),
            ("90431177", "90431177"),
            ("CTAX-55120", "CTAX55120"),
        ),
        "band": (("band D", "D"), ("band B", "B"), ("Band E", "E"), ("band c", "C")),
        "light": (("47", "47"), ("SL0231", "SL0231"), ("no 12", "12"), ("C118", "C118")),
        "library": (
            ("central library", "central"),
            ("Central", "central"),
            ("Westgate library", "westgate"),
            ("Hyde Park library", "hyde park"),
            ("Kirkstall", "kirkstall"),
        ),
        "planning_ref": (
            ("24/01532/FUL", "24/01532/FUL"),
            ("PA/2025/0441", "PA/2025/0441"),
            ("25/00871/HOU", "25/00871/HOU"),
            ("2025/1187", "2025/1187"),
        ),
        "noise": (
            ("loud music", "music"),
            ("music", "music"),
            ("a barking dog", "dog"),
            ("dogs barking", "dog"),
            ("building work", "construction"),
            ("parties", "party"),
            ("a car alarm", "alarm"),
        ),
        "item": (
            ("sofa", "sofa"),
            ("fridge freezer", "fridge"),
            ("fridge", "fridge"),
            ("mattress", "mattress"),
            ("wardrobe", "wardrobe"),
            ("washing machine", "washing machine"),
        ),
    },
    test_synonyms={
        "bin": (("wheelie bin", "general waste"), ("grey bin", "general waste"), ("recycling box", "recycling")),
        "postcode": (("b296tj", "B29 6TJ"),),
        "street": (("church ln", "church lane"), ("high st", "high street")),
        "date": (("weds", "wednesday"),),
        "reg": (("kx19abc", "KX19ABC"),),
        "band": (("band f", "F"),),
        "library": (("westgate", "westgate"),),
        "planning_ref": (("24/1532/FUL", "24/01532/FUL"),),
        "noise": (("drilling", "construction"), ("house party", "party")),
        "item": (("settee", "sofa"), ("couch", "sofa")),
    },
    out_of_scope=(
        "how long do i cook a 5kg turkey",
        "whats on at the cinema tonight",
        "who won the f1 yesterday",
        "convert 30 celsius to fahrenheit",
        "set an alarm for 6:45",
        "good name for a black cat",
        "how do i get moss off a patio",
        "when do the clocks go back",
        "whats the capital of canada",
        "play some chilled music",
        "how many calories in a pint of lager",
        "how do i register to vote",
        "when are the next local elections",
        "how do i apply for a school place for my son",
        "my landlord wont fix the damp, what can i do",
        "can i get a blue badge for my dad",
        "do i need to book a slot at the tip to take stuff myself",
        "is the pool at the leisure centre open on bank holidays",
        "how do i register a birth",
        "whos my local councillor",
        "can i pay a parking fine online",
        "how do i get on the list for a council house",
    ),
    test_templates={
        "bin_collection": (
            "bins {date}?",
            "its been 2 weeks and nobody has emptied our {bin}, the whole street stinks",
        ),
        "bulky_waste": (
            "old {item} needs to go, can the council take it",
            "we're clearing out mums house, whats the cost for the big stuff to be picked up",
        ),
        "parking_permit": (
            "permit for {reg} pls",
            "just moved onto {street} and keep getting tickets outside my own house, how do i sort a resident one",
        ),
        "council_tax": (
            "ctax {account} how much do i owe",
            "i live on my own now my partner moved out, surely i shouldnt be paying the full whack",
        ),
        "report_pothole": (
            "crater in the road on {street}",
            "nearly came off my bike on {street}, theres a huge hole by the drain",
        ),
        "report_streetlight": (
            "{street} pitch black at night, the light's been dead for weeks",
            "lamp {light} buzzing and flashing on and off",
        ),
        "library_card": (
            "library membership at {library}",
            "my card wont scan at {library} anymore, can i get a replacement",
        ),
        "planning_application": (
            "{planning_ref} decision?",
            "neighbour wants to build a 2 storey extension right up against our fence, how do i have my say",
        ),
        "noise_complaint": (
            "cant sleep, {noise} again next door",
            "upstairs stomping around til 4am every weekend, what can the council do",
        ),
        "fly_tipping": (
            "someone dumped a {item} on {street}",
            "a van just tipped a load of rubble on the verge near {postcode}, got the reg",
        ),
    },
)
"""Written on 2026-12-04 by helper h90 without reading ``tunefork/language/`` (its shipped general sentences, its
near-domain templates, its tests) and never used to tune anything: a held-out check (``--domains council``). Its
22 out-of-scope requests (27% of the test set) were written from scratch: 11 everyday requests and 11 near-domain
ones that a resident might bring to the same bot (voting, elections, school places, damp in a rented home, blue
badges, booking the tip, the leisure centre, registering a birth, councillors, parking fines, council housing)
but that no intent handles. Every intent has two test-only phrasings (``test_templates``)."""

LETTINGS = Domain(
    name="lettings",
    intents={
        "report_repair": (
            "the {repair} in my flat has stopped working",
            "can someone come out and fix the {repair} at {address}",
            "since {date} the {repair} has been broken",
            "i need to report a repair at {postcode}, it's the {repair}",
            "how long until a contractor sorts out our {repair}",
        ),
        "pay_rent": (
            "what's the best way to pay my rent",
            "i've just paid {amount} rent for {address}",
            "can i pay this month's rent on {date} instead",
            "what are the bank details for paying rent on tenancy {tenancy_ref}",
            "my rent of {amount} is going to be a few days late",
        ),
        "deposit_return": (
            "when will i get my deposit back",
            "is my deposit protected with {scheme}",
            "you've kept {amount} of my deposit and i don't agree with the deductions",
            "i moved out of {address} on {date}, where is my deposit",
            "has my deposit been registered with {scheme} yet",
        ),
        "book_viewing": (
            "can i book a viewing of {address}",
            "i'd like to view the flat at {postcode} on {date}",
            "is {address} still available to look round",
            "arrange a viewing for {date} please",
            "could i see round {address} {date} after work",
        ),
        "renew_tenancy": (
            "i want to renew my tenancy for another {term}",
            "my tenancy {tenancy_ref} ends {date}, can we extend it",
            "is the rent going up if we renew",
            "can i sign a new {term} contract for {address}",
            "please send me the renewal paperwork for {tenancy_ref}",
        ),
        "give_notice": (
            "i want to give notice on {address}",
            "how much notice do i have to give before moving out",
            "we're moving out on {date}, please take this as our notice",
            "please accept my notice to end tenancy {tenancy_ref}",
            "can i use the break clause and leave on {date}",
        ),
        "inventory_checkin": (
            "when is my check in appointment for {address}",
            "i still haven't received the inventory for {address}",
            "the {furnishing} isn't listed on my inventory",
            "can the check in be moved to {date}",
            "who does the check out inspection and when is it",
        ),
        "tenant_reference": (
            "has the reference for {name} come back yet",
            "what references do you need from me to rent a flat",
            "my previous landlord hasn't replied to your reference request",
            "i'm a landlord, can you run referencing on {name}",
            "can my guarantor fill in the reference form online",
        ),
        "keys": (
            "i've lost my {key}",
            "can i get a spare {key} cut for {address}",
            "where do i pick up the keys for {address} on {date}",
            "the {key} doesn't work anymore",
            "i'm locked out of {address}",
        ),
        "bills_and_council_tax": (
            "who pays the {utility} for the flat",
            "is {utility} included in the rent at {address}",
            "who supplies the {utility} at {postcode}",
            "i've had a {utility} bill addressed to the old tenant",
            "do i need to register for council tax when i move into {address}",
        ),
    },
    slots={
        "address": (
            ("flat 2, 14 Brunswick Road", "flat 2 14 brunswick road"),
            ("14 brunswick rd flat 2", "flat 2 14 brunswick road"),
            ("38 Elmwood Avenue", "38 elmwood avenue"),
            ("38 elmwood ave", "38 elmwood avenue"),
            ("Apartment 11, Cotton Mill", "apartment 11 cotton mill"),
            ("7b Queens Parade", "7b queens parade"),
        ),
        "postcode": (
            ("M14 5RT", "M14 5RT"),
            ("m145rt", "M14 5RT"),
            ("BS6 7EJ", "BS6 7EJ"),
            ("LE2 1XA", "LE2 1XA"),
            ("G12 8QQ", "G12 8QQ"),
            ("eh9 1pq", "EH9 1PQ"),
        ),
        "repair": (
            ("boiler", "boiler"),
            ("combi boiler", "boiler"),
            ("shower", "shower"),
            ("leaking tap", "tap"),
            ("kitchen tap", "tap"),
            ("damp and mould", "damp"),
            ("mould", "damp"),
            ("broken window", "window"),
            ("oven", "oven"),
        ),
        "amount": (
            ("£850", "850"),
            ("850 pounds", "850"),
            ("£1,200", "1200"),
            ("£625.50", "625.50"),
            ("1100", "1100"),
            ("£95", "95"),
        ),
        "date": (
            ("the 1st", "1st"),
            ("friday", "friday"),
            ("next monday", "monday"),
            ("the end of the month", "end of month"),
            ("31st march", "31 march"),
            ("tomorrow", "tomorrow"),
        ),
        "tenancy_ref": (
            ("TEN-40217", "TEN40217"),
            ("ten40217", "TEN40217"),
            ("LT/2291/B", "LT2291B"),
            ("88310", "88310"),
        ),
        "scheme": (
            ("DPS", "DPS"),
            ("the Deposit Protection Service", "DPS"),
            ("mydeposits", "mydeposits"),
            ("TDS", "TDS"),
            ("the tenancy deposit scheme", "TDS"),
        ),
        "term": (
            ("12 months", "12 months"),
            ("a year", "12 months"),
            ("6 months", "6 months"),
            ("six months", "6 months"),
            ("2 years", "24 months"),
        ),
        "furnishing": (
            ("sofa", "sofa"),
            ("lounge carpet", "carpet"),
            ("carpet", "carpet"),
            ("mattress", "mattress"),
            ("curtains", "curtains"),
            ("fridge", "fridge"),
        ),
        "name": (
            ("Tom Hughes", "tom hughes"),
            ("Priya Sharma", "priya sharma"),
            ("Ms Sharma", "priya sharma"),
            ("Daniel O'Connor", "daniel o'connor"),
            ("Agnieszka Nowak", "agnieszka nowak"),
        ),
        "key": (
            ("front door key", "front door"),
            ("front door keys", "front door"),
            ("fob", "fob"),
            ("key fob", "fob"),
            ("post box key", "postbox"),
            ("window key", "window"),
            ("garage key", "garage"),
        ),
        "utility": (
            ("council tax", "council tax"),
            ("gas", "gas"),
            ("electric", "electricity"),
            ("electricity", "electricity"),
            ("water bill", "water"),
            ("water", "water"),
            ("tv licence", "tv licence"),
        ),
    },
    test_synonyms={
        "address": (("flat 2 brunswick road", "flat 2 14 brunswick road"),),
        "postcode": (("bs67ej", "BS6 7EJ"),),
        "repair": (("hot water", "boiler"), ("mold", "damp"), ("dripping tap", "tap")),
        "amount": (("eight hundred and fifty quid", "850"),),
        "date": (("the 28th", "28th"),),
        "tenancy_ref": (("ten 40217", "TEN40217"),),
        "scheme": (("deposit protection", "DPS"),),
        "term": (("twelve months", "12 months"), ("1 year", "12 months")),
        "furnishing": (("couch", "sofa"),),
        "name": (("T Hughes", "tom hughes"),),
        "key": (("door key", "front door"), ("entry fob", "fob")),
        "utility": (("ctax", "council tax"), ("leccy", "electricity")),
    },
    out_of_scope=(
        "any chance of sunshine for the bbq on sunday",
        "got any good puns about cheese",
        "what can i make for tea with leftover rice and two eggs",
        "work out a 12.5% tip on £64",
        "wake me up at quarter to seven",
        "did england win the cricket",
        "what's the german word for cupboard",
        "recommend me a series like line of duty",
        "how deep is loch ness",
        "is it daytime in sydney at the moment",
        "does separate have two e's or two a's",
        "any decent man with a van firms you'd recommend for a small move",
        "what's your fee for fully managing a landlord's flat",
        "would the landlord let us keep a kitten",
        "am i allowed to take in a lodger in the box room",
        "can you value my house, i'm thinking of selling up",
        "is it ok to put some shelves up and paint the lounge",
        "how's crime round that estate, would you feel ok walking home late",
        "which primary schools is that flat in the catchment for",
        "do i need an hmo licence if i rent to three students",
        "can i deal with the landlord directly instead of going through you",
        "how do i complain about the way your agency has treated me",
    ),
    test_templates={
        "report_repair": (
            "{repair} broke again!! {address}",
            "theres water coming through the bathroom ceiling and nobody has called me back",
        ),
        "pay_rent": (
            "sent {amount} for rent, did it go through",
            "whats the sort code and account to send the rent to",
        ),
        "deposit_return": (
            "still waiting on {amount} deposit from when i left {address}",
            "want my bond back, its been six weeks since we handed the keys in",
        ),
        "book_viewing": (
            "can we have a look round {address} {date}",
            "saw the 2 bed advertised on rightmove, when can i come and see it",
        ),
        "renew_tenancy": (
            "staying on at {address}, need a new contract",
            "we love the place and want to sign up for {term} more",
        ),
        "give_notice": (
            "ending my tenancy {date}",
            "work is relocating me to scotland so i have to move out, how do i let you know officially",
        ),
        "inventory_checkin": (
            "check in time for {address}?",
            "the {furnishing} was already ripped when we arrived but the report doesnt mention it",
        ),
        "tenant_reference": (
            "ref check on {name}, any news",
            "the referencing company keeps emailing me for payslips, is that normal",
        ),
        "keys": (
            "locked out!! lost my {key}",
            "need another set cutting for my new flatmate",
        ),
        "bills_and_council_tax": (
            "{utility} - is it me or the landlord",
            "got a letter saying i owe money for gas from before i even lived here",
        ),
    },
)
"""Written on 2026-12-04 by helper h100 without reading ``tunefork/`` or any benchmark result and never used to tune
anything: a held-out check (``--domains lettings``). Its 22 out-of-scope requests were written from scratch: 11
everyday requests and 11 near-domain ones that a tenant or landlord might bring to a letting agent (removal firms,
management fees, pets, lodgers, valuations, decorating, the area's safety, school catchments, HMO licences, dealing
with the landlord directly, complaints about the agency) but that no intent handles. Every intent has two test-only
phrasings (``test_templates``)."""

LIBRARY = Domain(
    name="library",
    intents={
        "renew_loan": (
            "renew {title} please",
            "can i renew all my books on card {card}",
            "i need another couple of weeks with {title}",
            "extend my loans, they're due back {day}",
            "why won't {title} renew online",
        ),
        "reserve_title": (
            "reserve {title} by {author}",
            "can i put a hold on the new {author} book",
            "is {title} available to reserve at {branch}",
            "get {title} sent to {branch} for me to collect",
            "how many people are ahead of me in the queue for {title}",
        ),
        "pay_fine": (
            "how much do i owe in fines on card {card}",
            "pay my library fine of {amount}",
            "why have i been charged {amount}",
            "can i pay overdue charges online",
            "i returned {title} late, what's the fine",
        ),
        "library_card": (
            "how do i join the library",
            "my library card {card} has gone missing",
            "can my daughter get her own card at {branch}",
            "what's the pin for card {card}",
            "i moved house, update the address on my library card",
        ),
        "opening_hours": (
            "what time does {branch} open {day}",
            "is {branch} open on {day}",
            "when does {branch} close tonight",
            "opening hours for {branch}",
            "any chance you're open {day}",
        ),
        "book_room": (
            "book the {room} at {branch} for {day}",
            "is the {room} free {day}",
            "how much does it cost to hire the {room}",
            "i'd like to reserve the {room} for a two hour meeting",
            "cancel my {room} booking for {day}",
        ),
        "ebook_help": (
            "how do i borrow ebooks on {app}",
            "{app} keeps saying my card number is invalid",
            "i can't download audiobooks in {app}",
            "how do i get {app} books onto my kindle",
            "my ebook loan has disappeared from {app}",
        ),
        "printing": (
            "how much is {print_type} printing",
            "can i print {pages} pages in {print_type}",
            "how do i print from my laptop at {branch}",
            "the printer at {branch} took my money and didn't print anything",
            "can i photocopy my passport here",
        ),
        "events": (
            "when is {event} at {branch}",
            "do i need to book for {event} on {day}",
            "what's on for kids at {branch} this half term",
            "is {event} still happening {day}",
            "what events are coming up at {branch}",
        ),
        "lost_property": (
            "i left my {item} at {branch}",
            "has a {item} been handed in",
            "i think i dropped my {item} in the library {day}",
            "did you find a {item} near the computers",
            "where is lost property at {branch}",
        ),
    },
    slots={
        "title": (
            ("The Salt Path", "the salt path"),
            ("salt path", "the salt path"),
            ("Where the Crawdads Sing", "where the crawdads sing"),
            ("Lessons in Chemistry", "lessons in chemistry"),
            ("the gruffalo", "the gruffalo"),
            ("Wolf Hall", "wolf hall"),
            ("A Little Life", "a little life"),
        ),
        "author": (
            ("Hilary Mantel", "hilary mantel"),
            ("mantel", "hilary mantel"),
            ("Richard Osman", "richard osman"),
            ("Julia Donaldson", "julia donaldson"),
            ("Sally Rooney", "sally rooney"),
            ("Ann Cleeves", "ann cleeves"),
        ),
        "card": (
            ("2090 0114 7753", "209001147753"),
            ("209001147753", "209001147753"),
            ("L0048812", "L0048812"),
            ("l0048812", "L0048812"),
            ("552019", "552019"),
        ),
        "amount": (
            ("£2.40", "2.40"),
            ("£12", "12.00"),
            ("3 pounds 60", "3.60"),
            ("80p", "0.80"),
            ("£7.50", "7.50"),
        ),
        "branch": (
            ("Central Library", "central"),
            ("central", "central"),
            ("Northfield library", "northfield"),
            ("Northfield", "northfield"),
            ("the Moor Lane branch", "moor lane"),
            ("Harbour library", "harbour"),
            ("Ashby Road", "ashby road"),
        ),
        "day": (
            ("saturday", "saturday"),
            ("sunday", "sunday"),
            ("bank holiday monday", "bank holiday"),
            ("tomorrow", "tomorrow"),
            ("wednesday", "wednesday"),
            ("boxing day", "boxing day"),
        ),
        "room": (
            ("meeting room", "meeting room"),
            ("study room", "study room"),
            ("quiet study room", "study room"),
            ("community room", "community room"),
            ("IT suite", "it suite"),
        ),
        "app": (
            ("Libby", "libby"),
            ("libby", "libby"),
            ("BorrowBox", "borrowbox"),
            ("borrow box", "borrowbox"),
            ("PressReader", "pressreader"),
        ),
        "print_type": (
            ("colour", "colour"),
            ("color", "colour"),
            ("black and white", "black and white"),
            ("double sided", "double sided"),
            ("A3", "a3"),
        ),
        "pages": (("20", "20"), ("ten", "10"), ("3", "3"), ("a hundred", "100"), ("45", "45")),
        "event": (
            ("story time", "story time"),
            ("storytime", "story time"),
            ("rhyme time", "rhyme time"),
            ("baby bounce and rhyme", "rhyme time"),
            ("lego club", "lego club"),
            ("the author talk", "author talk"),
            ("code club", "code club"),
            ("knit and natter", "knit and natter"),
        ),
        "item": (
            ("umbrella", "umbrella"),
            ("reading glasses", "glasses"),
            ("glasses", "glasses"),
            ("scarf", "scarf"),
            ("phone charger", "charger"),
            ("usb stick", "usb stick"),
            ("memory stick", "usb stick"),
            ("water bottle", "water bottle"),
        ),
    },
    test_synonyms={
        "title": (("crawdads", "where the crawdads sing"),),
        "author": (("osman", "richard osman"),),
        "card": (("209 001 147 753", "209001147753"),),
        "amount": (("twelve pounds", "12.00"),),
        "branch": (("central lib", "central"), ("northfield branch", "northfield")),
        "day": (("sat", "saturday"),),
        "room": (("conference room", "meeting room"),),
        "app": (("the libby app", "libby"),),
        "print_type": (("b&w", "black and white"), ("two sided", "double sided")),
        "event": (("toddler story time", "story time"), ("rhymetime", "rhyme time")),
        "item": (("brolly", "umbrella"), ("specs", "glasses")),
    },
    out_of_scope=(
        "should i take a coat out today",
        "make up a riddle for my kids",
        "what goes well with pork chops for dinner",
        "how many tablespoons is 50ml",
        "nudge me at 5 to phone my sister",
        "who played james bond before daniel craig",
        "roughly how long to drive from bristol to cardiff",
        "when does it get dark this evening",
        "is a standing desk worth the money",
        "what's see you later in french",
        "pick a random number between 1 and 50",
        "does the cafe downstairs do oat milk lattes",
        "can i drop off a box of old paperbacks as a donation",
        "are there any volunteering roles going at the library",
        "are dogs welcome inside or only guide dogs",
        "wheres the nearest car park to the central library",
        "can someone help me find my great grandad in the old census records",
        "can you help me get my novel published",
        "i want to complain about how a member of staff spoke to me",
        "is there step free access and a lift at the northfield branch",
        "what should my 11 year old read after harry potter",
        "do you buy second hand books",
    ),
    test_templates={
        "renew_loan": (
            "{title} due {day}, can i keep it longer",
            "got 4 books out and havent finished any, can they go for another 3 weeks",
        ),
        "reserve_title": (
            "put me on the waiting list for {title}",
            "does any branch have the latest {author}, want it held for me",
        ),
        "pay_fine": (
            "{amount} overdue charge?? i brought it back on time",
            "what do i owe you lot, want to clear it before i borrow more",
        ),
        "library_card": (
            "new card pls, the dog chewed mine",
            "sign my son up for membership at {branch}",
        ),
        "opening_hours": (
            "{branch} hrs {day}",
            "popping in after work around half 6, will you still be open",
        ),
        "book_room": (
            "need somewhere to hold our residents meeting, can we use the {room}",
            "{room} {day}, 10 till 12, for 8 people",
        ),
        "ebook_help": (
            "{app} won't let me log in",
            "borrowed an audiobook on my phone but it just shows a spinning wheel",
        ),
        "printing": (
            "{pages} copies {print_type}",
            "how do i send a document from my phone to your printer",
        ),
        "events": (
            "anything on for toddlers {day}",
            "{event} times at {branch}?",
        ),
        "lost_property": (
            "my son left his {item} on the bean bags in the kids corner",
            "handed in? a {item} - left at {branch} {day}",
        ),
    },
)
"""Written on 2026-12-04 by helper h100 without reading ``tunefork/`` or any benchmark result and never used to tune
anything: a held-out check (``--domains library``). Its 22 out-of-scope requests were written from scratch: 11
everyday requests and 11 near-domain ones that a library user might ask (the cafe, donating or selling books,
volunteering, dogs, parking, family history records, publishing a novel, complaints about staff, step-free access,
reading suggestions) but that no intent handles. Every intent has two test-only phrasings (``test_templates``)."""

CAR_RENTAL = Domain(
    name="carrental",
    intents={
        "book_car": (
            "i want to book a {car_class} from {location} for {date}",
            "do you have a {car_class} available {date}",
            "book me a {car_class} please, picking up at {location}",
            "how much to hire a {car_class} for a week from {date}",
            "i need a {fuel} car at {location} for {date}",
        ),
        "modify_booking": (
            "cancel my reservation {booking_ref}",
            "can i change the pickup date on {booking_ref} to {date}",
            "i need to swap the {car_class} on booking {booking_ref} for something else",
            "move my booking from {location} to a different branch",
            "will i get a refund if i cancel {booking_ref}",
        ),
        "branch_hours": (
            "what time does {location} open {date}",
            "can i drop the car back at {location} after hours",
            "where exactly is your desk at {location}",
            "is {location} open {date}",
            "what are the opening hours at {location}",
        ),
        "add_driver": (
            "can i add {driver} as a second driver",
            "i want to add my husband to booking {booking_ref}",
            "how much is it to add an additional driver",
            "{driver} will be driving too, what do you need from them",
            "can {driver} drive the car if they're not on the contract",
        ),
        "insurance_cover": (
            "what does {cover} actually cover",
            "do i need {cover} if my credit card covers rental cars",
            "how much is {cover} per day",
            "can i add {cover} to {booking_ref}",
            "what's the excess if i damage the {car_class} without {cover}",
        ),
        "fuel_policy": (
            "do i have to return the car with a full tank",
            "is the {car_class} {fuel}",
            "what happens if i bring it back with half a tank",
            "how much do you charge to refuel if i don't fill it up",
            "do i need to bring the {fuel} car back full or charged",
        ),
        "accident_breakdown": (
            "i've got a {problem} on the motorway",
            "the car has a {problem}, what do i do",
            "there's a {problem} on the rental car, booking {booking_ref}",
            "i need to report an accident, someone hit the {car_class} at {location}",
            "the {car_class} broke down near {location}",
        ),
        "extend_rental": (
            "can i keep the car until {date}",
            "extend {booking_ref} by two days please",
            "i need the {car_class} for another week",
            "how much to extend my rental to {date}",
            "can i return it to {location} a day later than booked",
        ),
        "deposit_charges": (
            "when will the {amount} deposit be released",
            "why was my card charged {amount}",
            "you've taken {amount} extra after i returned the car",
            "how much is the deposit for a {car_class}",
            "there's a charge on my card from {location} i don't recognise",
        ),
        "child_seat": (
            "can i add a {seat} to my booking",
            "do you have a {seat} at {location}",
            "how much is a {seat} per day",
            "i need a {seat} for {booking_ref}",
            "can i bring my own {seat} instead of renting one",
        ),
    },
    slots={
        "car_class": (
            ("compact", "compact"),
            ("small hatchback", "compact"),
            ("SUV", "suv"),
            ("family suv", "suv"),
            ("7 seater", "people carrier"),
            ("people carrier", "people carrier"),
            ("van", "van"),
            ("transit van", "van"),
            ("convertible", "convertible"),
        ),
        "location": (
            ("Heathrow Terminal 5", "heathrow t5"),
            ("heathrow t5", "heathrow t5"),
            ("Manchester Airport", "manchester airport"),
            ("the Gatwick branch", "gatwick"),
            ("Edinburgh Waverley", "edinburgh waverley"),
            ("Leeds city centre", "leeds city centre"),
            ("leeds centre", "leeds city centre"),
        ),
        "date": (
            ("friday", "friday"),
            ("next tuesday", "tuesday"),
            ("the 14th", "14th"),
            ("tomorrow", "tomorrow"),
            ("3rd june", "3 june"),
            ("sunday", "sunday"),
        ),
        "booking_ref": (
            ("RS-775120", "RS775120"),
            ("rs775120", "RS775120"),
            ("KX4Q9P", "KX4Q9P"),
            ("kx4q9p", "KX4Q9P"),
            ("3318842", "3318842"),
        ),
        "driver": (
            ("Sam Patel", "sam patel"),
            ("Mr Patel", "sam patel"),
            ("Chloe Martin", "chloe martin"),
            ("Jonas Berg", "jonas berg"),
            ("Aoife Byrne", "aoife byrne"),
        ),
        "cover": (
            ("collision damage waiver", "cdw"),
            ("CDW", "cdw"),
            ("excess protection", "excess protection"),
            ("super cover", "super cover"),
            ("theft protection", "theft protection"),
            ("windscreen and tyre cover", "glass and tyres"),
        ),
        "fuel": (
            ("diesel", "diesel"),
            ("petrol", "petrol"),
            ("unleaded", "petrol"),
            ("electric", "electric"),
            ("EV", "electric"),
            ("hybrid", "hybrid"),
        ),
        "problem": (
            ("flat tyre", "flat tyre"),
            ("puncture", "flat tyre"),
            ("warning light on the dash", "warning light"),
            ("check engine light", "warning light"),
            ("flat battery", "battery"),
            ("dead battery", "battery"),
            ("cracked windscreen", "windscreen"),
            ("chipped windscreen", "windscreen"),
        ),
        "amount": (
            ("£250", "250"),
            ("250 pounds", "250"),
            ("£1,000", "1000"),
            ("£89.99", "89.99"),
            ("€300", "300 eur"),
            ("£45", "45"),
        ),
        "seat": (
            ("baby seat", "infant seat"),
            ("rear facing baby seat", "infant seat"),
            ("child seat", "child seat"),
            ("toddler seat", "child seat"),
            ("booster seat", "booster"),
            ("booster cushion", "booster"),
        ),
    },
    test_synonyms={
        "car_class": (("mpv", "people carrier"), ("4x4", "suv")),
        "location": (("lhr t5", "heathrow t5"),),
        "date": (("thurs", "thursday"),),
        "booking_ref": (("rs 775120", "RS775120"),),
        "driver": (("S Patel", "sam patel"),),
        "cover": (("damage waiver", "cdw"), ("excess insurance", "excess protection")),
        "fuel": (("plug in hybrid", "hybrid"),),
        "problem": (("blowout", "flat tyre"), ("engine warning light", "warning light")),
        "amount": (("two hundred and fifty quid", "250"),),
        "seat": (("car seat", "child seat"), ("high back booster", "booster")),
    },
    out_of_scope=(
        "will it snow in the highlands this weekend",
        "tell me something funny about penguins",
        "how long should i boil an egg for a runny yolk",
        "convert 60 miles into kilometres",
        "set an alarm for half five",
        "who won the grand prix yesterday",
        "how do you say thank you in portuguese",
        "suggest a film for a rainy night in",
        "what's the tallest mountain in wales",
        "what day of the week is christmas this year",
        "give me a word that rhymes with orange",
        "my photocard licence runs out next month, how do i renew it",
        "whats the speed limit on french motorways",
        "can you suggest a cheap hotel near manchester airport",
        "do you ever sell off your old rental cars",
        "how much is the m6 toll these days",
        "do i need an international driving permit for japan",
        "how many points do you get for using a phone at the wheel",
        "is there a loyalty scheme with perks for regular renters",
        "are you hiring any car valeters at the airport",
        "whats the quickest way from heathrow to oxford avoiding the m25",
        "i want to complain about how rude the man at your counter was",
    ),
    test_templates={
        "book_car": (
            "need wheels {date}, {car_class} ideally, from {location}",
            "whats the cheapest thing u have for 3 days next week, just me and a small case",
        ),
        "modify_booking": (
            "{booking_ref} - dont need the car anymore, plans changed",
            "made a booking for the wrong day, can it be sorted",
        ),
        "branch_hours": (
            "{location} hrs?",
            "landing at 11pm, will anyone be at the desk to hand over the keys",
        ),
        "add_driver": (
            "put {driver} on the rental too pls",
            "my partner wants to share the driving on the long bits, is that allowed",
        ),
        "insurance_cover": (
            "is {cover} worth it",
            "if someone dings the door in a car park do i have to pay for it",
        ),
        "fuel_policy": (
            "full to full or what, on {booking_ref}",
            "forgot to fill up before dropping it off, how badly am i going to be stung",
        ),
        "accident_breakdown": (
            "{problem}!! stuck on the hard shoulder",
            "someone reversed into me in a supermarket car park, how do i report it",
        ),
        "extend_rental": (
            "need it longer, til {date}",
            "my flight home got cancelled so im stuck here a few more days with the car",
        ),
        "deposit_charges": (
            "still {amount} on hold on my card, returned the car ages ago",
            "can i pay the security deposit with a debit card",
        ),
        "child_seat": (
            "{seat} for a 2 yr old pls",
            "travelling with a baby and a 5 year old, what seats can u give us",
        ),
    },
)
"""Written on 2026-12-04 by a helper without reading ``tunefork/``, ``tests/`` or any benchmark result and never used
to tune anything: a held-out check (``--domains carrental``). Its 22 out-of-scope requests were written from scratch:
11 everyday requests and 11 near-domain ones that a car-hire customer might ask (renewing a driving licence, foreign
speed limits, hotels near the airport, buying ex-rental cars, road tolls, international driving permits, penalty
points, loyalty schemes, jobs, route planning, complaints about staff) but that no intent handles. Every intent has
two test-only phrasings (``test_templates``)."""

CAMPUS = Domain(
    name="campus",
    intents={
        "register_course": (
            "i want to register for {course} in {term}",
            "how do i sign up for {course}",
            "{course} is full, can i get on the waitlist",
            "when does registration open for {term}",
            "the portal won't let me enroll in {course}, it says a prerequisite is missing",
        ),
        "drop_course": (
            "i want to drop {course}",
            "what's the last day to drop a class in {term}",
            "if i withdraw from {course} will it show as a W",
            "can i drop {course} and still get some money back",
            "can i still drop a class if i do it by {date}",
        ),
        "transcript_request": (
            "i need my {transcript_type} sent to another university",
            "how do i order a copy of my transcript",
            "can i get my {transcript_type}, student id {student_id}",
            "how much do you charge for the {transcript_type}",
            "how long does a transcript take, i need it by {date}",
        ),
        "tuition_fees": (
            "how much is tuition for {term}",
            "i just paid {amount} but my account still shows a balance",
            "can i pay my tuition in installments",
            "when is the tuition deadline for {term}",
            "why is there a {amount} late fee on account {student_id}",
        ),
        "financial_aid": (
            "what's the status of my {aid}",
            "has my {aid} been disbursed yet",
            "when will my {aid} of {amount} hit my account",
            "i haven't received my {aid} for {term}",
            "what documents do you need to process my financial aid",
        ),
        "exam_timetable": (
            "when is the {course} final",
            "where is my {course} exam being held",
            "when does the exam timetable for {term} come out",
            "i've got two exams scheduled for {date}, can one be moved",
            "what time is the {course} midterm",
        ),
        "housing_application": (
            "i want to apply for housing in {hall}",
            "when do housing applications open for {term}",
            "can i request a room change to {hall}",
            "what's the status of my housing application, id {student_id}",
            "how much is a single room in {hall}",
        ),
        "parking_permit": (
            "how do i get a parking permit for {lot}",
            "how much is a student parking permit for {term}",
            "my permit for {lot} expired, how do i renew it",
            "can i park in {lot} with a commuter permit",
            "are there any permits left for {lot}",
        ),
        "it_password": (
            "i forgot my {system} password",
            "reset my password for {system} please",
            "i'm locked out of {system}",
            "my {system} password expired and i can't log in",
            "how do i change my {system} password, student id {student_id}",
        ),
        "graduation": (
            "how do i apply to graduate in {term}",
            "when is the deadline for the graduation application",
            "am i on track to graduate, student id {student_id}",
            "how many guest tickets do i get for commencement",
            "when do i pick up my cap and gown if i finish in {term}",
        ),
    },
    slots={
        "course": (
            ("MATH 201", "MATH201"),
            ("math201", "MATH201"),
            ("Intro to Psychology", "PSY101"),
            ("psych 101", "PSY101"),
            ("Organic Chemistry", "CHEM230"),
            ("CS 110", "CS110"),
            ("Intro to Programming", "CS110"),
            ("Macroeconomics", "ECON202"),
        ),
        "term": (
            ("fall", "fall"),
            ("the fall semester", "fall"),
            ("spring", "spring"),
            ("spring semester", "spring"),
            ("summer session", "summer"),
            ("summer", "summer"),
        ),
        "student_id": (
            ("S2041187", "S2041187"),
            ("s2041187", "S2041187"),
            ("20417733", "20417733"),
            ("U-558120", "U558120"),
        ),
        "amount": (
            ("$1,250", "1250"),
            ("1250 dollars", "1250"),
            ("$480", "480"),
            ("$3,900", "3900"),
            ("$75", "75"),
        ),
        "aid": (
            ("Pell grant", "pell grant"),
            ("pell", "pell grant"),
            ("scholarship", "scholarship"),
            ("merit scholarship", "scholarship"),
            ("student loan", "student loan"),
            ("work study", "work study"),
            ("bursary", "bursary"),
        ),
        "hall": (
            ("Maple Hall", "maple hall"),
            ("maple", "maple hall"),
            ("Riverside Apartments", "riverside apartments"),
            ("the Towers", "the towers"),
            ("Oakridge Hall", "oakridge hall"),
            ("North Quad", "north quad"),
        ),
        "transcript_type": (
            ("official transcript", "official"),
            ("sealed transcript", "official"),
            ("unofficial transcript", "unofficial"),
            ("electronic transcript", "electronic"),
            ("e-transcript", "electronic"),
            ("pdf transcript", "electronic"),
        ),
        "system": (
            ("student portal", "student portal"),
            ("portal", "student portal"),
            ("Canvas", "canvas"),
            ("canvas", "canvas"),
            ("eduroam", "eduroam"),
            ("uni email", "email"),
            ("outlook", "email"),
        ),
        "lot": (
            ("Lot C", "lot c"),
            ("lot c", "lot c"),
            ("the west garage", "west garage"),
            ("West parking garage", "west garage"),
            ("Lot 7", "lot 7"),
            ("the stadium lot", "stadium lot"),
        ),
        "date": (
            ("friday", "friday"),
            ("tomorrow", "tomorrow"),
            ("monday", "monday"),
            ("the 15th", "15th"),
            ("march 3rd", "3 march"),
            ("next week", "next week"),
        ),
    },
    test_synonyms={
        "course": (("orgo", "CHEM230"), ("psych101", "PSY101")),
        "term": (("fall sem", "fall"), ("spring term", "spring")),
        "student_id": (("s 2041187", "S2041187"),),
        "amount": (("twelve fifty", "1250"),),
        "aid": (("pell money", "pell grant"), ("stafford loan", "student loan")),
        "hall": (("riverside apts", "riverside apartments"),),
        "transcript_type": (("certified transcript", "official"),),
        "system": (("student email", "email"), ("campus wifi", "eduroam")),
        "lot": (("parking lot c", "lot c"),),
        "date": (("fri", "friday"),),
    },
    out_of_scope=(
        "is it going to rain on my walk home",
        "tell me a knock knock joke",
        "how do you make instant ramen taste less boring",
        "what's 15 percent of 240",
        "remind me to call my mom at 8",
        "who won the super bowl last year",
        "how do i say good morning in korean",
        "recommend a show to binge this weekend",
        "how far away is the moon",
        "what time is it in tokyo right now",
        "settle it for us, heads or tails for who does the dishes",
        "which laptop should i buy for a mechanical engineering degree",
        "how do i apply for a part time job at the campus coffee shop",
        "is the dining hall doing anything vegan tonight",
        "what time does the rec center close on sundays",
        "can you write my essay on the french revolution for me",
        "how do i start a new student club",
        "where can i get a flu shot on campus",
        "which professor is easiest for intro chem",
        "what bus goes from campus to the airport",
        "can i talk to someone about feeling really stressed and homesick",
        "how do i join the intramural soccer team",
    ),
    test_templates={
        "register_course": (
            "add {course} to my schedule pls",
            "need one more elective to hit 12 credits, whats still open",
        ),
        "drop_course": (
            "get me out of {course}",
            "failing stats badly, is it too late to bail on it this semester",
        ),
        "transcript_request": (
            "{transcript_type} for a job application asap",
            "grad school wants my grades sent straight from the registrar, how",
        ),
        "tuition_fees": (
            "owe {amount}?? thought my bill was paid",
            "whats this student activity fee and can i opt out",
        ),
        "financial_aid": (
            "{aid} still pending??",
            "my parents income dropped this year, can my aid be looked at again",
        ),
        "exam_timetable": (
            "{course} exam room?",
            "got three finals in one day, who do i talk to about the clash",
        ),
        "housing_application": (
            "put me down for {hall} next year pls",
            "my roommate and i want to live together next year, how do we both apply",
        ),
        "parking_permit": (
            "permit 4 {lot}?",
            "just got a new car, how do i change the plate on my parking pass",
        ),
        "it_password": (
            "cant log into {system} help",
            "set up 2 factor on my new phone and now it won't let me sign in anywhere",
        ),
        "graduation": (
            "grad app for {term}, where is it",
            "finishing my last credits this summer, can i still walk in may",
        ),
    },
)
"""Written on 2026-12-04 by a helper without reading ``tunefork/``, ``tests/`` or any benchmark result and never used
to tune anything: a held-out check (``--domains campus``). Its 22 out-of-scope requests were written from scratch: 11
everyday requests and 11 near-domain ones that a university student might ask (laptops for a degree, campus jobs,
dining halls, the rec center, essay writing, starting a club, flu shots, professor ratings, buses, counselling,
intramural sports) but that no intent handles; the library has its own domain, so student services leaves it out.
Every intent has two test-only phrasings (``test_templates``)."""

BIKE_SHOP = Domain(
    name="bikeshop",
    intents={
        "book_service": (
            "i want to book my {bike} in for a {service} on {date}",
            "can you do a {service} on my {bike} {date}",
            "how much is a {service} for a {bike}",
            "have you got any workshop slots {date} at {store}",
            "my gears are skipping, can i bring the {bike} in for a {service}",
        ),
        "repair_status": (
            "is my bike ready yet, job number {job_ref}",
            "any update on repair {job_ref}",
            "when can i collect my {bike} from {store}",
            "you said my {bike} would be done by {date}, is it finished",
            "whats taking so long with {job_ref}, still waiting on a {part}?",
        ),
        "buy_bike": (
            "do you have the {bike} in a {size} frame",
            "i'm looking to buy a {bike} for under {amount}",
            "can i test ride a {bike} at {store} {date}",
            "is the {bike} in stock in {size}",
            "what {bike} would you recommend for commuting about 10 miles a day",
        ),
        "ebike_battery": (
            "my {battery} won't hold its charge anymore",
            "how much is a replacement {battery}",
            "the {battery} shows an error and the motor cuts out",
            "how long should a {battery} take to charge fully",
            "can you test the {battery} on my {bike} to see if it's dying",
        ),
        "returns_warranty": (
            "the {part} snapped after two weeks, is that covered under warranty",
            "i want to return the {bike} i bought at {store}, it's the wrong size",
            "how long is the warranty on a {bike}",
            "the frame on my {bike} has a crack, can i make a warranty claim",
            "can i get a refund for the {part} i ordered, it doesn't fit",
        ),
        "bike_fit": (
            "how much is a {fit}",
            "can i book a {fit} at {store} for {date}",
            "my knees hurt after long rides, do i need a {fit}",
            "do you offer a {fit} when i buy a {bike}",
            "how long does a {fit} take",
        ),
        "cycle_to_work": (
            "can i buy a bike through {scheme}",
            "my employer uses {scheme}, do you accept it",
            "i've got a {scheme} certificate for {amount}, what do i do next",
            "is there a limit on how much i can spend with {scheme}",
            "can i get a {bike} on {scheme}",
        ),
        "order_part": (
            "can you order a {part} for my {bike}",
            "do you have a {part} in stock at {store}",
            "how long will it take to get a {part} in",
            "i need a new {part}, can you put one aside for me",
            "is there a cheaper {part} that fits a {bike}",
        ),
        "bike_hire": (
            "i want to hire a {bike} for {date}",
            "how much is it to rent a {bike} for the weekend",
            "do you rent out {bike}s at {store}",
            "can i hire two {bike}s {date}, one in {size}",
            "do i need to leave a deposit to rent a bike",
        ),
        "opening_hours": (
            "what time does {store} open {date}",
            "is the workshop at {store} open {date}",
            "when do you close today",
            "are you open on bank holidays",
            "whats the latest i can pick up my bike from {store}",
        ),
    },
    slots={
        "bike": (
            ("road bike", "road"),
            ("racer", "road"),
            ("mountain bike", "mountain"),
            ("MTB", "mountain"),
            ("e-bike", "electric"),
            ("electric bike", "electric"),
            ("hybrid", "hybrid"),
            ("gravel bike", "gravel"),
            ("kids bike", "kids"),
            ("cargo bike", "cargo"),
        ),
        "service": (
            ("basic service", "basic"),
            ("safety check", "basic"),
            ("full service", "full"),
            ("full strip down service", "full"),
            ("puncture repair", "puncture"),
            ("brake bleed", "brake bleed"),
            ("gear tune", "gear adjust"),
            ("gear adjustment", "gear adjust"),
        ),
        "date": (
            ("saturday", "saturday"),
            ("tomorrow", "tomorrow"),
            ("next monday", "monday"),
            ("the 12th", "12th"),
            ("this weekend", "weekend"),
            ("20th may", "20 may"),
        ),
        "job_ref": (
            ("WS-20931", "WS20931"),
            ("ws20931", "WS20931"),
            ("J4471", "J4471"),
            ("j4471", "J4471"),
            ("883102", "883102"),
        ),
        "store": (
            ("the Clifton shop", "clifton"),
            ("clifton", "clifton"),
            ("Harbourside", "harbourside"),
            ("the harbourside store", "harbourside"),
            ("Bath Road", "bath road"),
            ("the Kendal workshop", "kendal"),
        ),
        "size": (
            ("small", "S"),
            ("medium", "M"),
            ("large", "L"),
            ("XL", "XL"),
            ("54cm", "54"),
            ("56cm", "56"),
        ),
        "part": (
            ("rear derailleur", "rear derailleur"),
            ("derailleur", "rear derailleur"),
            ("brake pads", "brake pads"),
            ("chain", "chain"),
            ("cassette", "cassette"),
            ("inner tube", "inner tube"),
            ("tyre", "tyre"),
            ("saddle", "saddle"),
        ),
        "battery": (
            ("battery", "battery"),
            ("Bosch battery", "bosch battery"),
            ("bosch powertube", "bosch battery"),
            ("Shimano Steps battery", "shimano battery"),
            ("charger", "charger"),
            ("battery charger", "charger"),
        ),
        "fit": (
            ("bike fit", "full fit"),
            ("full bike fit", "full fit"),
            ("basic fit", "basic fit"),
            ("saddle height check", "basic fit"),
            ("cleat fitting", "cleat fit"),
            ("cleat setup", "cleat fit"),
        ),
        "scheme": (
            ("cycle to work", "cycle to work"),
            ("the cycle to work scheme", "cycle to work"),
            ("Cyclescheme", "cyclescheme"),
            ("cyclescheme", "cyclescheme"),
            ("Green Commute Initiative", "green commute"),
            ("bike2work", "bike2work"),
        ),
        "amount": (
            ("£500", "500"),
            ("500 pounds", "500"),
            ("£1,000", "1000"),
            ("£2,500", "2500"),
            ("£750", "750"),
        ),
    },
    test_synonyms={
        "bike": (("hardtail", "mountain"), ("pedelec", "electric")),
        "service": (("tune up", "basic"), ("annual service", "full")),
        "date": (("sat", "saturday"),),
        "job_ref": (("ws 20931", "WS20931"),),
        "store": (("clifton branch", "clifton"),),
        "size": (("med", "M"),),
        "part": (("rear mech", "rear derailleur"), ("brake blocks", "brake pads")),
        "battery": (("ebike batt", "battery"),),
        "fit": (("fitting session", "full fit"),),
        "scheme": (("c2w", "cycle to work"),),
        "amount": (("a grand", "1000"),),
    },
    out_of_scope=(
        "what's a good name for a goldfish",
        "how many teaspoons are in a tablespoon",
        "put on some chilled jazz",
        "when do the clocks change this autumn",
        "who wrote wuthering heights",
        "help me write a birthday message for my nan",
        "how do i get red wine out of a cream carpet",
        "is 91 a prime number",
        "whats on telly tonight",
        "how long do i roast a 2kg chicken for",
        "can you explain how a mortgage offer works",
        "are you hiring any bike mechanics at the moment",
        "is it actually illegal to ride on the pavement",
        "any traffic free trails round here for a family ride",
        "is it a bad idea to buy a used carbon frame off ebay",
        "how should i train for my first 100 mile sportive",
        "who won the tour de france last year",
        "can you recommend a physio, my knee hurts after long rides",
        "my bike got nicked outside the station, how do i report it to the police",
        "the council still hasn't fixed the pothole that threw me off, who do i complain to",
        "is there a cycling club near here that does sunday social rides",
        "whats the best way to get my bike on the train to london",
    ),
    test_templates={
        "book_service": (
            "{service} pls, {date} if poss",
            "brakes are squealing like mad and the chain keeps falling off, when can u look at it",
        ),
        "repair_status": (
            "{job_ref} done yet??",
            "dropped my bike off last week and havent heard a thing",
        ),
        "buy_bike": (
            "after a {bike}, budget about {amount}",
            "first proper bike for my 9 year old, what should we get",
        ),
        "ebike_battery": (
            "{battery} dead after 10 miles, used to do 40",
            "left my ebike in the shed all winter and now it wont switch on",
        ),
        "returns_warranty": (
            "{part} failed already, warranty?",
            "bought a helmet last week and it's still in the box, can i bring it back",
        ),
        "bike_fit": (
            "need a {fit}, getting numb hands",
            "feel really stretched out on my new bike, can someone set it up properly for me",
        ),
        "cycle_to_work": (
            "work does {scheme}, how does it work with u",
            "can i pay for a bike out of my salary through my job",
        ),
        "order_part": (
            "need a {part} asap for a {bike}",
            "snapped a spoke on my back wheel, can you get a replacement",
        ),
        "bike_hire": (
            "2 {bike}s for the day?",
            "were visiting for a long weekend and want bikes to get about on",
        ),
        "opening_hours": (
            "{store} hrs {date}?",
            "r u open on sundays",
        ),
    },
)
"""Written on 2026-12-04 by a helper without reading ``tunefork/``, ``tests/`` or any benchmark result and never used
to tune anything: a held-out check (``--domains bikeshop``). Its 22 out-of-scope requests were written from scratch:
11 everyday requests and 11 near-domain ones that a bike shop customer might ask (jobs in the workshop, cycling on
the pavement, traffic-free trails, second-hand carbon frames, sportive training, the Tour de France, physios, stolen
bikes, potholes, cycling clubs, bikes on trains) but that no intent handles. Every intent has two test-only phrasings
(``test_templates``)."""

CINEMA = Domain(
    name="cinema",
    intents={
        "book_tickets": (
            "book {tickets} for {film} at {time} {date}",
            "i want {tickets} for {film} at {cinema}",
            "can i get {tickets} for the {time} showing of {film}",
            "are there still seats left for {film} {date}",
            "reserve {tickets} in {screen} for {film} please",
        ),
        "showtimes": (
            "what time is {film} on at {cinema} {date}",
            "when is {film} showing",
            "what's on at {cinema} {date}",
            "is {film} still showing at {cinema}",
            "are there any showings of {film} after {time}",
        ),
        "refund_exchange": (
            "can i get a refund for booking {booking_ref}",
            "i need to cancel my tickets for {film}",
            "can i swap my {time} tickets for a later showing",
            "i booked the wrong day, can you change {booking_ref} to {date}",
            "the film was stopped halfway through in {screen}, i want my money back",
        ),
        "membership": (
            "how much is the {membership} a month",
            "how do i cancel my {membership}",
            "does the {membership} get me into {film}",
            "can i use my {membership} at {cinema}",
            "do i get discounts on food with the {membership}",
        ),
        "accessibility": (
            "are there any {access} screenings of {film}",
            "when is the next {access} showing at {cinema}",
            "do you do {access} showings {date}",
            "is {screen} at {cinema} wheelchair accessible",
            "can my carer come in for free if i book {tickets}",
        ),
        "food_preorder": (
            "can i pre-order a {snack} for the {time} showing",
            "add a {snack} to booking {booking_ref}",
            "how much is a {snack}",
            "can i order {snack} to my seat in {screen}",
            "do you do a {snack} deal if i order in advance",
        ),
        "gift_cards": (
            "i want to buy a {amount} gift card",
            "how do i check the balance on my gift card",
            "can i use a gift card to book {film}",
            "my gift card says it has expired but still has {amount} on it",
            "can i send an e-gift card for {amount} to my brother",
        ),
        "lost_property": (
            "i left my {item} in {screen} last night",
            "has anyone handed in a {item} at {cinema}",
            "i think i dropped my {item} during {film} {date}",
            "how long do you keep lost property",
            "lost my {item} at the {time} showing, can someone check",
        ),
        "private_hire": (
            "how much to hire a screen for a {event}",
            "can we book {screen} for a {event} {date}",
            "do you do private screenings for a {event} at {cinema}",
            "can i hire the whole cinema and play my own film",
            "what's included if i book a {event} package",
        ),
        "age_rating": (
            "what is {film} rated",
            "is {film} a {rating}",
            "can my 10 year old watch a {rating} film",
            "can my 13 year old see {film} without an adult",
            "do i need id for a {rating}",
        ),
    },
    slots={
        "film": (
            ("The Last Lighthouse", "the last lighthouse"),
            ("last lighthouse", "the last lighthouse"),
            ("Starfall 2", "starfall 2"),
            ("starfall two", "starfall 2"),
            ("Paws on Patrol", "paws on patrol"),
            ("Midnight Harbour", "midnight harbour"),
            ("The Quiet Orbit", "the quiet orbit"),
        ),
        "cinema": (
            ("Cardiff Bay", "cardiff bay"),
            ("the cardiff bay one", "cardiff bay"),
            ("Leeds Kirkstall", "leeds kirkstall"),
            ("kirkstall", "leeds kirkstall"),
            ("Glasgow Quay", "glasgow quay"),
            ("Brighton Marina", "brighton marina"),
        ),
        "date": (
            ("tonight", "tonight"),
            ("tomorrow", "tomorrow"),
            ("saturday", "saturday"),
            ("friday night", "friday"),
            ("the 22nd", "22nd"),
            ("next sunday", "sunday"),
        ),
        "time": (
            ("7pm", "19:00"),
            ("19:00", "19:00"),
            ("8.30", "20:30"),
            ("half 8", "20:30"),
            ("2:15", "14:15"),
            ("9.45pm", "21:45"),
        ),
        "tickets": (
            ("2 adults", "2 adult"),
            ("two adult tickets", "2 adult"),
            ("an adult and a child", "1 adult 1 child"),
            ("1 adult 1 child", "1 adult 1 child"),
            ("4 tickets", "4"),
            ("a student ticket", "1 student"),
            ("2 seniors", "2 senior"),
        ),
        "booking_ref": (
            ("CN-448201", "CN448201"),
            ("cn448201", "CN448201"),
            ("TK7Z2M", "TK7Z2M"),
            ("tk7z2m", "TK7Z2M"),
            ("55091274", "55091274"),
        ),
        "membership": (
            ("Unlimited card", "unlimited"),
            ("unlimited membership", "unlimited"),
            ("Premiere membership", "premiere"),
            ("premiere club", "premiere"),
            ("student membership", "student"),
            ("Kids Club", "kids club"),
        ),
        "access": (
            ("subtitled", "subtitled"),
            ("subtitles", "subtitled"),
            ("audio described", "audio description"),
            ("audio description", "audio description"),
            ("autism friendly", "relaxed"),
            ("relaxed", "relaxed"),
            ("dementia friendly", "dementia friendly"),
        ),
        "snack": (
            ("large popcorn", "popcorn"),
            ("sweet popcorn", "popcorn"),
            ("nachos", "nachos"),
            ("hot dog", "hot dog"),
            ("slushie", "slushie"),
            ("slush", "slushie"),
            ("meal deal", "combo"),
            ("combo", "combo"),
        ),
        "amount": (
            ("£25", "25"),
            ("25 pound", "25"),
            ("£50", "50"),
            ("£10", "10"),
            ("£100", "100"),
        ),
        "item": (
            ("phone", "phone"),
            ("iphone", "phone"),
            ("jacket", "coat"),
            ("coat", "coat"),
            ("wallet", "wallet"),
            ("purse", "wallet"),
            ("car keys", "keys"),
            ("glasses", "glasses"),
        ),
        "screen": (
            ("screen 4", "4"),
            ("screen 11", "11"),
            ("the IMAX screen", "imax"),
            ("imax", "imax"),
            ("the 4DX screen", "4dx"),
            ("the vip screen", "vip"),
        ),
        "event": (
            ("birthday party", "birthday"),
            ("kids party", "birthday"),
            ("corporate event", "corporate"),
            ("work do", "corporate"),
            ("proposal", "proposal"),
            ("gaming night", "gaming"),
        ),
        "rating": (
            ("12A", "12A"),
            ("12a", "12A"),
            ("15", "15"),
            ("PG", "PG"),
            ("18", "18"),
            ("U", "U"),
        ),
    },
    test_synonyms={
        "film": (("lighthouse film", "the last lighthouse"), ("starfall ii", "starfall 2")),
        "cinema": (("the bay", "cardiff bay"),),
        "date": (("2nite", "tonight"),),
        "time": (("7 o'clock", "19:00"),),
        "tickets": (("me and my daughter", "1 adult 1 child"), ("2 oaps", "2 senior")),
        "booking_ref": (("cn 448201", "CN448201"),),
        "membership": (("unlimited pass", "unlimited"),),
        "access": (("captioned", "subtitled"), ("sensory friendly", "relaxed")),
        "snack": (("nacho tray", "nachos"),),
        "amount": (("fifty quid", "50"),),
        "item": (("mobile", "phone"),),
        "screen": (("scrn 4", "4"),),
        "event": (("bday party", "birthday"),),
        "rating": (("twelve a", "12A"),),
    },
    out_of_scope=(
        "how do i unblock a kitchen sink",
        "whats the weather like in lisbon in april",
        "convert 180 celsius to fahrenheit",
        "wake me up at quarter to seven",
        "who painted the mona lisa",
        "how do i politely say no to a wedding invite",
        "give me an easy banana bread recipe",
        "how many days until easter",
        "what's the longest river in africa",
        "teach me a simple card trick",
        "should i water my tomato plants every day",
        "are you taking on any part time staff for christmas",
        "what won best picture at the oscars this year",
        "is the new spy film worth watching or is it overhyped",
        "where can i stream the first one before i see the sequel",
        "any decent restaurants near the cinema for a quick bite before the film",
        "how do i get into the film industry as a director",
        "is it illegal to film the movie on my phone in the cinema",
        "where can i buy an old film projector second hand",
        "the car park next door fined me while i was watching a film, who do i complain to",
        "can you recommend a good home cinema sound system",
        "when is the new superhero film coming out on dvd",
    ),
    test_templates={
        "book_tickets": (
            "{tickets} {film} {time} pls",
            "me and the kids want to see the new animated one this afternoon, can u sort seats",
        ),
        "showtimes": (
            "{film} times {date}?",
            "what can i go and see after work today",
        ),
        "refund_exchange": (
            "cant make it now, {booking_ref}, money back?",
            "my train got cancelled and i missed the film i paid for",
        ),
        "membership": (
            "is the {membership} worth it if i go twice a month",
            "my monthly pass payment failed, will i lose it",
        ),
        "accessibility": (
            "{access} showing of {film}??",
            "my son is deaf, which showings have words on the screen",
        ),
        "food_preorder": (
            "{snack} ready for when we arrive pls",
            "can i sort the drinks and snacks on the app before we get there",
        ),
        "gift_cards": (
            "{amount} voucher for my mum, how",
            "got a cinema voucher for christmas, how much is left on it",
        ),
        "lost_property": (
            "left my {item} behind, {cinema}",
            "my daughter's teddy got left under the seat on sunday",
        ),
        "private_hire": (
            "{event} for 30 people, can we have our own screen",
            "want to surprise my girlfriend with a screening just for us two",
        ),
        "age_rating": (
            "{film} ok for an 8yr old?",
            "is the new horror one too scary for a 12 year old",
        ),
    },
)
"""Written on 2026-12-04 by a helper without reading ``tunefork/``, ``tests/`` or any benchmark result and never used
to tune anything: a held-out check (``--domains cinema``). Its 22 out-of-scope requests were written from scratch: 11
everyday requests and 11 near-domain ones that a cinema-goer might ask (seasonal jobs, the Oscars, film reviews,
streaming earlier films, restaurants nearby, careers in film, recording in the auditorium, second-hand projectors, a
neighbouring car park's fines, home cinema kit, DVD release dates) but that no intent handles. Every intent has two
test-only phrasings (``test_templates``)."""

DENTIST = Domain(
    name="dentist",
    intents={
        "book_appointment": (
            "book me in for a {treatment} on {day}",
            "can i get an appointment with {dentist} {day}",
            "i need a {treatment}, any slots at {practice}",
            "do you have anything at {time} on {day} for a {treatment}",
            "i'd like to see {dentist} for a {treatment}",
        ),
        "reschedule_appointment": (
            "can i move my appointment to {day}",
            "i need to change my {treatment} to a later time",
            "move me from {time} to {day} please",
            "can i rearrange my appointment with {dentist}",
            "something's come up, can we push my {treatment} back a week",
        ),
        "cancel_appointment": (
            "cancel my appointment on {day}",
            "i won't be able to make my {treatment} at {time}",
            "please cancel the {treatment} with {dentist}",
            "do i get charged if i cancel {day}",
            "i want to cancel all my appointments at {practice}",
        ),
        "dental_emergency": (
            "i've got really bad toothache in my {tooth}",
            "i broke my {tooth} eating, can someone see me today",
            "my face is swollen around my {tooth}",
            "a filling fell out and it really hurts",
            "do you do emergency appointments {day}",
        ),
        "treatment_prices": (
            "how much is a {treatment}",
            "what does a {treatment} cost on the nhs",
            "price for a {treatment} with {dentist}",
            "is a {treatment} cheaper at {practice}",
            "i was quoted {amount} for a {treatment}, is that right",
        ),
        "register_patient": (
            "are you taking on new nhs patients",
            "i want to register at {practice}",
            "can i sign my kids up with {dentist}",
            "how do i join the practice as a private patient",
            "i've just moved to the area and need a dentist",
        ),
        "pay_bill": (
            "i want to pay my bill of {amount}",
            "why was i charged {amount} after my {treatment}",
            "can i pay for my {treatment} in instalments",
            "how do i pay the outstanding {amount} online",
            "i got a letter saying i owe {amount}",
        ),
        "opening_hours": (
            "what time does {practice} open {day}",
            "are you open on {day}",
            "when does {practice} close tonight",
            "opening hours for {practice}",
            "is {practice} open over christmas",
        ),
        "aftercare": (
            "how long should i wait to eat after my {treatment}",
            "my gum is still bleeding after the {treatment}",
            "is it normal for my {tooth} to ache after a filling",
            "can i drink alcohol after a {treatment}",
            "what painkillers can i take after my {treatment} with {dentist}",
        ),
        "dental_plan": (
            "how much is {plan} a month",
            "what does {plan} cover",
            "i want to cancel my {plan} membership",
            "can i claim my {treatment} back through {plan}",
            "do you accept {plan}",
        ),
    },
    slots={
        "treatment": (
            ("check-up", "check-up"),
            ("checkup", "check-up"),
            ("scale and polish", "scale and polish"),
            ("hygienist appointment", "hygienist"),
            ("filling", "filling"),
            ("root canal", "root canal"),
            ("crown", "crown"),
            ("teeth whitening", "whitening"),
            ("extraction", "extraction"),
            ("Invisalign", "invisalign"),
        ),
        "dentist": (
            ("Dr Patel", "patel"),
            ("dr patel", "patel"),
            ("Dr Okafor", "okafor"),
            ("Dr Lewis", "lewis"),
            ("the hygienist", "hygienist"),
            ("Sarah the hygienist", "hygienist"),
        ),
        "day": (
            ("monday", "monday"),
            ("thursday", "thursday"),
            ("tomorrow", "tomorrow"),
            ("friday afternoon", "friday"),
            ("next week", "next week"),
            ("saturday morning", "saturday"),
        ),
        "time": (
            ("9am", "09:00"),
            ("half 2", "14:30"),
            ("4.30", "16:30"),
            ("10:15", "10:15"),
            ("lunchtime", "12:00"),
        ),
        "practice": (
            ("the Kings Road practice", "kings road"),
            ("kings road", "kings road"),
            ("Hillside Dental", "hillside"),
            ("hillside", "hillside"),
            ("the Market Street surgery", "market street"),
            ("Eastgate", "eastgate"),
        ),
        "amount": (
            ("£45", "45.00"),
            ("£120", "120.00"),
            ("65 pounds", "65.00"),
            ("£23.80", "23.80"),
            ("£306.80", "306.80"),
        ),
        "tooth": (
            ("wisdom tooth", "wisdom tooth"),
            ("back tooth", "molar"),
            ("molar", "molar"),
            ("front tooth", "front tooth"),
            ("bottom tooth", "bottom tooth"),
            ("top tooth on the left", "upper left"),
        ),
        "plan": (
            ("Denplan", "denplan"),
            ("denplan", "denplan"),
            ("the essentials plan", "essentials"),
            ("essentials", "essentials"),
            ("the family plan", "family"),
            ("Bupa dental cover", "bupa"),
        ),
    },
    test_synonyms={
        "treatment": (("check up", "check-up"), ("scale & polish", "scale and polish"), ("whitening", "whitening")),
        "dentist": (("doctor patel", "patel"),),
        "day": (("thurs", "thursday"),),
        "time": (("2.30pm", "14:30"),),
        "practice": (("kings rd", "kings road"),),
        "amount": (("forty five quid", "45.00"),),
        "tooth": (("back molar", "molar"), ("wisdom", "wisdom tooth")),
        "plan": (("den plan", "denplan"),),
    },
    out_of_scope=(
        "how do i take a screenshot on a samsung",
        "whats 15 percent of 80",
        "recommend a podcast for a long car journey",
        "how long do i boil an egg so its still runny",
        "how do you say good morning in polish",
        "who won the world cup in 2010",
        "write a little poem for my nans 90th",
        "whats the capital of australia",
        "how many steps a day should i be walking",
        "my hoover smells like burning, is it safe to keep using it",
        "any ideas for a rainy day with two bored kids",
        "are you hiring dental nurses at the moment",
        "my new dentist in scotland needs my x rays, can you email them over",
        "sonicare or oral b, which is better",
        "how much does the tooth fairy leave these days",
        "i need a letter for my boss proving i was at the dentist this morning",
        "is fluoride in tap water actually safe",
        "pretty sure i left my reading glasses on the chair in the waiting room",
        "where do i leave a google review for dr okafor, she was brilliant",
        "are those whitening strips off amazon safe or will they wreck my enamel",
        "whats the wifi code for the waiting area",
        "ive just started on blood thinners, do i need to tell you",
    ),
    test_templates={
        "book_appointment": (
            "any availability {day} {time}? overdue a {treatment}",
            "havent been in about 2 years, need to come in and get checked over",
        ),
        "reschedule_appointment": (
            "cant make {time} anymore, anything later same day?",
            "swap my appt with {dentist} to {day} if poss",
        ),
        "cancel_appointment": (
            "wont be in {day}, kids are off sick",
            "not gonna make my {time} appt so pls cancel it",
        ),
        "dental_emergency": (
            "{tooth} absolutely killing me, been up all night with it",
            "chipped my {tooth} at football and its bleeding, need seeing asap",
        ),
        "treatment_prices": (
            "{treatment} price?",
            "whats the going rate for a {treatment} privately",
        ),
        "register_patient": (
            "do u have space for a family of 4 at {practice}",
            "looking for a new dentist, old one closed down",
        ),
        "pay_bill": (
            "still got {amount} to settle from last visit, can i do it by card over the phone",
            "is there a way to spread the cost of my {treatment}",
        ),
        "opening_hours": (
            "{practice} hrs {day}?",
            "r u open saturdays or just weekdays",
        ),
        "aftercare": (
            "had a {treatment} {day} and my jaw still hurts, is that normal",
            "when can i brush normally again after having my {tooth} out",
        ),
        "dental_plan": (
            "thinking of switching to {plan}, is a {treatment} included",
            "does the monthly plan cover hygienist visits",
        ),
    },
)
"""Written on 2026-12-04 by a helper without reading ``tunefork/``, ``tests/`` or any benchmark result and never used
to tune anything: a held-out check (``--domains dentist``). Its 22 out-of-scope requests were written from scratch: 11
everyday requests and 11 near-domain ones that a dental patient might ask (jobs for dental nurses, sending x-rays to
another dentist, choosing an electric toothbrush, the tooth fairy, a note for work, fluoride in tap water, glasses left
in the waiting room, leaving a review, shop-bought whitening strips, the waiting room wifi, new medication) but that no
intent handles. Every intent has two test-only phrasings (``test_templates``)."""

REMOVALS = Domain(
    name="removals",
    intents={
        "get_quote": (
            "how much to move a {property} from {origin} to {destination}",
            "can i get a quote for moving on {date}",
            "rough price for a {property} move within {origin}",
            "how much extra to move a {item}",
            "do you charge more at weekends, moving a {property} on {date}",
        ),
        "book_move": (
            "i want to book a move for {date}",
            "book us in to move from {origin} to {destination} on {date}",
            "are you free on {date} to move a {property}",
            "i'd like to go ahead with quote {job_ref}",
            "can you confirm a booking for {date}, we've accepted the quote",
        ),
        "change_booking": (
            "can we change our moving day to {date}",
            "completion's been delayed, we need to push {job_ref} back",
            "is {date} still available instead",
            "can the team come at {time} instead of first thing",
            "i need to cancel the move booked for {date}",
        ),
        "packing_service": (
            "do you offer a packing service",
            "how much to pack up a {property}",
            "can your team pack the kitchen the day before {date}",
            "will you wrap my {item} properly",
            "i want full packing and unpacking for job {job_ref}",
        ),
        "storage": (
            "do you have storage for {duration}",
            "how much to store a {property} worth of furniture for {duration}",
            "can i keep my {item} in storage until {date}",
            "i need to get some things out of storage",
            "is your storage facility in {origin} secure",
        ),
        "packing_materials": (
            "can i order {quantity} {material}",
            "do you sell {material}",
            "how much are {material}",
            "i need {quantity} more {material} delivered before {date}",
            "do you take the {material} back after the move",
        ),
        "crew_arrival": (
            "what time will the van arrive on {date}",
            "where are the movers, it's already {time}",
            "how many men are coming for job {job_ref}",
            "will the crew be here by {time}",
            "can i track the lorry",
        ),
        "book_survey": (
            "can someone come and look at my {property} for a quote",
            "book a home survey for {date}",
            "can we do a video survey instead of a visit",
            "is {time} ok for the surveyor to come round",
            "i need to rearrange the survey booked for {date}",
        ),
        "damage_claim": (
            "your movers broke my {item}",
            "my {item} arrived scratched",
            "how do i make a claim for a damaged {item}",
            "a box went missing during job {job_ref}",
            "the crew damaged the wall getting the {item} upstairs",
        ),
        "payment": (
            "how do i pay the deposit of {amount}",
            "when is the balance of {amount} due",
            "can i pay by card on the day",
            "i was charged {amount} but the quote was less",
            "send me an invoice for job {job_ref}",
        ),
    },
    slots={
        "property": (
            ("2 bed flat", "2 bed flat"),
            ("two bedroom flat", "2 bed flat"),
            ("3 bed semi", "3 bed house"),
            ("three bedroom house", "3 bed house"),
            ("studio flat", "studio"),
            ("4 bed detached", "4 bed house"),
            ("one bed flat", "1 bed flat"),
        ),
        "origin": (
            ("Leeds", "leeds"),
            ("leeds", "leeds"),
            ("Bristol", "bristol"),
            ("Milton Keynes", "milton keynes"),
            ("Reading", "reading"),
            ("Norwich", "norwich"),
        ),
        "destination": (
            ("Manchester", "manchester"),
            ("york", "york"),
            ("Cardiff", "cardiff"),
            ("Brighton", "brighton"),
            ("Edinburgh", "edinburgh"),
            ("Bath", "bath"),
        ),
        "date": (
            ("the 14th", "14th"),
            ("next friday", "next friday"),
            ("the end of the month", "end of month"),
            ("june 3rd", "june 3"),
            ("3rd june", "june 3"),
            ("saturday", "saturday"),
        ),
        "time": (
            ("8am", "08:00"),
            ("half 9", "09:30"),
            ("lunchtime", "12:00"),
            ("10ish", "10:00"),
            ("1pm", "13:00"),
        ),
        "item": (
            ("piano", "piano"),
            ("upright piano", "piano"),
            ("wardrobe", "wardrobe"),
            ("fridge freezer", "fridge freezer"),
            ("sofa", "sofa"),
            ("tv", "tv"),
            ("glass table", "glass table"),
            ("mirror", "mirror"),
        ),
        "material": (
            ("cardboard boxes", "boxes"),
            ("boxes", "boxes"),
            ("wardrobe boxes", "wardrobe boxes"),
            ("bubble wrap", "bubble wrap"),
            ("packing tape", "tape"),
            ("mattress covers", "mattress covers"),
        ),
        "quantity": (("20", "20"), ("ten", "10"), ("50", "50"), ("a dozen", "12"), ("5", "5")),
        "duration": (
            ("two weeks", "2 weeks"),
            ("3 months", "3 months"),
            ("six months", "6 months"),
            ("a month", "1 month"),
            ("a few weeks", "few weeks"),
        ),
        "amount": (
            ("£250", "250.00"),
            ("£1,200", "1200.00"),
            ("450 quid", "450.00"),
            ("£95", "95.00"),
            ("£1850", "1850.00"),
        ),
        "job_ref": (
            ("MV-20431", "MV20431"),
            ("mv20431", "MV20431"),
            ("MV-19877", "MV19877"),
            ("RM 5512", "RM5512"),
        ),
    },
    test_synonyms={
        "property": (("2bed flat", "2 bed flat"), ("three bed semi", "3 bed house")),
        "origin": (("MK", "milton keynes"),),
        "destination": (("manc", "manchester"),),
        "date": (("the fourteenth", "14th"),),
        "time": (("8 o'clock", "08:00"),),
        "item": (("fridge", "fridge freezer"), ("telly", "tv")),
        "material": (("bubblewrap", "bubble wrap"), ("sellotape", "tape")),
        "quantity": (("twenty", "20"),),
        "duration": (("half a year", "6 months"),),
        "amount": (("250 quid", "250.00"),),
        "job_ref": (("mv 20431", "MV20431"),),
    },
    out_of_scope=(
        "whats the best way to revive a wilting basil plant",
        "whats the time difference between london and new york",
        "is it affect or effect when something changes your mood",
        "suggest a name for my new goldfish",
        "how many miles is a 10k run",
        "which premier league team has won the most titles",
        "whats 180c in fahrenheit",
        "help me write a cover letter for a receptionist job",
        "i cant decide what to watch tonight, any ideas",
        "how do you play sudoku",
        "what year did the berlin wall come down",
        "how do i get royal mail to forward my post to the new address",
        "can you set up broadband at our new place before we get there",
        "do you hire out skips for the junk we're not taking",
        "whats a normal tip for removal men, is a tenner each enough",
        "can anyone recommend a decent conveyancing solicitor",
        "my cat hates change, any tips for keeping her calm on moving day",
        "can i just rent one of your vans and drive it myself",
        "looking for someone to do an end of tenancy clean on my flat in leeds",
        "do i need a parking permit from the council for the van outside",
        "estate agent still hasnt handed over the keys and im fuming",
        "should i take a meter reading before we leave the old house",
    ),
    test_templates={
        "get_quote": (
            "{property} {origin} to {destination}, ballpark figure?",
            "need a price to shift all our stuff about 200 miles, its a {property}",
        ),
        "book_move": (
            "happy with the price, lets lock in {date}",
            "completion is {date}, can u take it",
        ),
        "change_booking": (
            "chain collapsed, can we postpone for now",
            "solicitor says we wont exchange in time, move us to {date} pls",
        ),
        "packing_service": (
            "dont have time to pack anything, can u guys do it all",
            "does someone come wrap the {item} or do i do that",
        ),
        "storage": (
            "gap between houses of about {duration}, can u hold our stuff",
            "need my {item} back out of the unit {date}",
        ),
        "packing_materials": (
            "running out of {material}, can u drop some round",
            "{quantity} {material} pls to the {origin} address",
        ),
        "crew_arrival": (
            "its gone {time} and still no sign of anyone",
            "whats the eta on the van for {job_ref}",
        ),
        "book_survey": (
            "happy to do a walk round on facetime if thats easier",
            "when can ur estimator come see the {property}",
        ),
        "damage_claim": (
            "{item} smashed, only noticed after unpacking. who do i talk to",
            "dent in my {item} that wasnt there before the move",
        ),
        "payment": (
            "paid {amount} deposit yesterday, has it gone through",
            "whats left to pay on {job_ref}",
        ),
    },
)
"""Written on 2026-12-04 by a helper without reading ``tunefork/``, ``tests/`` or any benchmark result and never used
to tune anything: a held-out check (``--domains removals``). Its 22 out-of-scope requests were written from scratch: 11
everyday requests and 11 near-domain ones that a removals customer might ask (redirecting post, broadband at the new
home, skip hire, tipping the movers, conveyancing solicitors, moving with a cat, self-drive van hire, end of tenancy
cleaning, council parking permits, keys from the estate agent, meter readings) but that no intent handles. Every intent
has two test-only phrasings (``test_templates``)."""

DOMAINS = (HELPDESK, BANKING, HOTEL)
HELD_OUT_DOMAINS = (
    DELIVERY,
    FITNESS,
    VET,
    INSURANCE,
    TELECOM,
    UTILITIES,
    PHARMACY,
    PAYROLL,
    COUNCIL,
    LETTINGS,
    LIBRARY,
    CAR_RENTAL,
    CAMPUS,
    BIKE_SHOP,
    CINEMA,
    DENTIST,
    REMOVALS,
)
"""Domains outside the default benchmark run (ask for them with ``--domains``)."""


def named_domains(names: str) -> list[Domain]:
    """The domains (default and held-out, in this file's order) named in the comma-separated ``names``."""
    wanted = names.split(",")
    return [domain for domain in (*DOMAINS, *HELD_OUT_DOMAINS) if domain.name in wanted]


FIELD = re.compile(r"\{(\w+)\}")


def _typo(word: str, rng: random.Random) -> str:
    """Swap two neighbouring letters or drop one (words of five letters or more)."""
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def _messy(segment: str, rng: random.Random, typo_rate: float) -> str:
    words = []
    for word in segment.split(" "):
        if word.lower() in ABBREVIATIONS and rng.random() < 0.4:
            word = ABBREVIATIONS[word.lower()]
        elif rng.random() < typo_rate:
            word = _typo(word, rng)
        words.append(word)
    return " ".join(words)


def _request(template: str, values: dict[str, tuple[Slot, ...]], rng: random.Random) -> tuple[str, list[dict]]:
    """A messy request from ``template`` with its entity annotations (offsets, label, canonical value)."""
    text, entities, cursor = "", [], 0
    for match in FIELD.finditer(template):
        text += _messy(template[cursor : match.start()], rng, 0.12)
        surface, value = rng.choice(values[match.group(1)])
        surface = _messy(surface, rng, 0.08)
        entities.append({"start": len(text), "end": len(text) + len(surface), "label": match.group(1),
                         "value": value})  # fmt: skip
        text += surface
        cursor = match.end()
    text += _messy(template[cursor:], rng, 0.12)
    if rng.random() < 0.3:
        text = text[0].upper() + text[1:]
    return text, entities


def requests(
    domain: Domain, per_intent: int, seed: int, test: bool, exclude: frozenset[str] = frozenset()
) -> list[dict]:
    """``per_intent`` distinct requests per intent ``{"text", "intent", "entities"}`` (test: synonyms too).

    Texts in ``exclude`` (lower-cased: the training requests, for a test set) are never drawn.
    """
    rng = random.Random(f"{domain.name}-{seed}")
    values = {slot: domain.slots[slot] + (domain.test_synonyms.get(slot, ()) if test else ()) for slot in domain.slots}
    records = []
    for intent, templates in domain.intents.items():
        templates += (domain.test_templates or {}).get(intent, ()) if test else ()
        seen: set[str] = set()
        for _ in range(per_intent * 50):
            if len(seen) == per_intent:
                break
            text, entities = _request(rng.choice(templates), values, rng)
            if text.lower() not in seen and text.lower() not in exclude:
                seen.add(text.lower())
                records.append({"text": text, "intent": intent, "entities": entities})
    return records


def _markup(record: dict) -> str:
    text, out, cursor = record["text"], "", 0
    for entity in record["entities"]:
        surface = text[entity["start"] : entity["end"]]
        out += text[cursor : entity["start"]]
        out += f"[{surface}]" + json.dumps({"entity": entity["label"], "value": entity["value"]})
        cursor = entity["end"]
    return out + text[cursor:]


def write_rasa(path: Path, records: list[dict], domain: Domain, out_of_scope: list[str], synonyms: bool) -> None:
    """Rasa NLU YAML of ``records`` (+ out-of-scope examples, + the domain's synonym blocks when ``synonyms``)."""
    lines = ["version: '3.1'", "nlu:"]
    by_intent: dict[str, list[str]] = {}
    for record in records:
        by_intent.setdefault(record["intent"], []).append(_markup(record))
    if out_of_scope:
        by_intent["out_of_scope"] = list(out_of_scope)
    for intent, texts in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |", *[f"    - {t}" for t in texts]]
    if synonyms:
        for extra in domain.test_synonyms.values():
            for surface, value in extra:
                lines += [f"- synonym: {value}", "  examples: |", f"    - {surface}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
