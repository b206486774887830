"""Voice: a speech model and a language model chained, audio in, the transcript and its meaning out.

A speech endpoint deployed with a language model (``endpoint create --language-model``) answers
``POST /endpoints/{id}/understand`` besides ``recognize``: the speech model transcribes the audio and the
language model (any model whose family's operation takes text: intents, entities) parses the display
text (nothing, when it holds no letter or digit: silence heard as ``.``). The answer holds both: the
recognition fields and the parse fields side by side.
"""

from __future__ import annotations

from typing import Any

from tunefork.errors import TuneforkError
from tunefork.evaluation.labels import OUT_OF_SCOPE
from tunefork.kinds.language import parse_answer
from tunefork.kinds.models import ResolvedModel
from tunefork.kinds.registry import EndpointOperation, ModelFamily
from tunefork.kinds.speech import recognize_sample_code
from tunefork.language.base import Parse
from tunefork.language.options import MAX_TEXT_CHARACTERS
from tunefork.wording import a_or_an


def understand_sample_code(url: str, key: str, sample: str = "utterance.wav") -> dict[str, str]:
    """How to call an ``understand`` endpoint: the recognize example, printing the intent too."""
    code = recognize_sample_code(url, key, sample)
    answer = 'answer = response.json()\nprint(answer["displayText"], answer["intent"], answer["entities"])'
    return {**code, "python": code["python"].replace('print(response.json()["displayText"])', answer)}


UNDERSTAND = EndpointOperation(
    name="understand",
    input="audio",
    description="POST a WAV (or any audio tunefork decodes) with the header X-Tunefork-Key to a speech endpoint "
    "deployed with a language model. The answer holds the transcript (display text, words) and its meaning "
    "(intent ranking, out of scope or not, entities), with both models.",
    sample_code=understand_sample_code,
)


def served_operation(operation: EndpointOperation, language_model: str | None) -> EndpointOperation:
    """The operation an endpoint is called for: ``understand`` when it has a language model (a voice endpoint,
    which answers its speech ``operation`` too, with the transcript alone), else its kind's ``operation``."""
    return UNDERSTAND if language_model else operation


def check_language_model(model: ResolvedModel) -> ResolvedModel:
    """``model`` when its family parses text, else a :class:`TuneforkError`."""
    if model.family.operation.input != "text":
        family = a_or_an(model.family.name)
        raise TuneforkError(f"Model '{model.name}' is {family} model; --language-model takes a model "
                            "that parses text (language or entities).")  # fmt: skip
    return model


NOTHING_HEARD = {"text": "", "intent": OUT_OF_SCOPE, "confidence": 1.0, "intents": [], "out_of_scope": True,
                 "threshold": None, "entities": []}  # fmt: skip
"""The parse of an empty transcript by a model that decides intents: nothing to understand, out of scope, with
the confidence an out-of-scope answer has (1 minus the best intent's, and no intent is ranked)."""


def nothing_heard(language: ResolvedModel) -> dict[str, Any]:
    """What ``language`` answers for an empty transcript: :data:`NOTHING_HEARD`, or for a model that decides no
    intent (entities only) the ``/parse`` answer of such a model, its intent fields null."""
    if language.family.decides_intents(language):
        return dict(NOTHING_HEARD)
    return parse_answer(Parse(""))


def heard_text(display: str) -> str:
    """The text to parse from a display transcript: empty when it holds no letter or digit (silence transcribed as
    ``.`` was parsed, logged and exported as an out-of-scope example)."""
    display = display.strip()[:MAX_TEXT_CHARACTERS]
    return display if any(character.isalnum() for character in display) else ""


def understand(
    speech: ResolvedModel, speech_family: ModelFamily, language: ResolvedModel, samples: Any
) -> dict[str, Any]:
    """Transcribe ``samples`` with ``speech`` and parse the display text with ``language``."""
    heard = speech_family.invoke(speech.load(), samples)
    text = heard_text(str(heard.get("displayText", "")))
    parsed = language.family.invoke(language.load(), text) if text else nothing_heard(language)
    return {**heard, **parsed, "languageModel": language.name, "languageModelId": language.model_id}
