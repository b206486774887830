"""Request and response bodies of the REST API (Azure Custom Speech v3 style: ``self`` links, camelCase).

Response models allow extra fields, so a resource shows everything its workflow returns; the declared
fields are the ones clients can rely on.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, create_model, field_validator

from tunefork.kinds import kind_names
from tunefork.kinds.registry import TrainingOption, all_options, kinds_offering
from tunefork.language.options import MAX_TEXT_CHARACTERS

T = TypeVar("T")
Name = Field(min_length=1, max_length=200)
Ref = Field(min_length=1, max_length=200, description="Name or id.")


class Request(BaseModel):
    """Request bodies refuse unknown fields, so typos are reported (422) instead of ignored."""

    model_config = ConfigDict(extra="forbid")


class Resource(BaseModel):
    """Fields shared by every resource."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    self_: str = Field(alias="self", description="URL of this resource.")
    id: str
    createdDateTime: str


class Tracked(Resource):
    """A resource made by a background job."""

    status: Literal["NotStarted", "Running", "Succeeded", "Failed"]
    lastActionDateTime: str
    error: Any = Field(None, description="{code, message} when Failed.")
    links: dict[str, str] = Field(default_factory=dict)


class ErrorResponse(BaseModel):
    """Every error: a code, a readable message and, for some, details."""

    code: str
    message: str
    details: Any = None


class ProjectCreate(Request):
    """A new project."""

    name: str = Name
    kind: Literal[kind_names()] = kind_names()[0]  # type: ignore[valid-type]
    locale: str = Field("en-US", min_length=2, max_length=32)
    description: str = Field("", max_length=2000)


class ProjectUpdate(Request):
    """Changes to a project; omitted fields keep their value (the kind never changes)."""

    name: str | None = Field(None, min_length=1, max_length=200)
    locale: str | None = Field(None, min_length=2, max_length=32)
    description: str | None = Field(None, max_length=2000)


class Project(Resource):
    """A project: the container of datasets, models, evaluations and endpoints."""

    name: str
    kind: str
    locale: str
    description: str
    warnings: list[str] = Field(
        default_factory=list, description="What to know before uploading: a locale the kind's models cannot read."
    )


class Dataset(Tracked):
    """A dataset; accepted/rejected counts and per-item reasons once imported."""

    name: str
    kind: str
    accepted: int
    rejected: int
    rejections: list[dict[str, Any]]
    origin: str | None = Field(
        None,
        description="Where the labels came from when not from an upload: an endpoint's logs, with the model's "
        "own answers (correct them before training on them).",
    )


def _option_field(option: TrainingOption) -> tuple[Any, Any]:
    """A request field for a training option of the registry: its type, bounds, choices and help."""
    annotation: Any = Literal[option.choices] if option.choices else option.type  # type: ignore[valid-type]
    default = "" if option.default is None else f" Default: {option.default} (for the kinds that have it)."
    description = f"{option.help}{default} Kinds: {', '.join(kinds_offering(option.name))}."
    return annotation | None, Field(None, ge=option.minimum, le=option.maximum, description=description)


TrainingParametersIn = create_model(
    "TrainingParametersIn",
    __base__=Request,
    __doc__="Training options of the project's kind (see ``GET /models/base`` for engines); unset: the default.",
    **{option.field: _option_field(option) for option in all_options()},
)


def given_options(parameters: BaseModel) -> dict[str, Any]:
    """The training options a request sets (option name -> value), for the project's kind to check."""
    names = {option.field: option.name for option in all_options()}
    return {names[field]: getattr(parameters, field) for field in parameters.model_fields_set}


class ModelCreate(Request):
    """A training request: a base model and datasets of the project."""

    project: str = Ref
    name: str = Name
    baseModel: str | None = Field(
        None, min_length=1, max_length=200, examples=["whisper-tiny.en"],
        description="Default: the project kind's (whisper-tiny.en, en-core-web-sm, efficientnet-lite0), as the CLI's.",
    )  # fmt: skip
    datasets: list[str] = Field(min_length=1, max_length=50, description="Training datasets (names or ids).")
    testDataset: str | None = Field(None, min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    parameters: TrainingParametersIn = Field(default_factory=TrainingParametersIn)  # type: ignore[valid-type]
    terms: list[str] | None = Field(None, max_length=10000)
    gate: bool = False
    guardMargin: float | None = Field(
        None, ge=0, le=100, description="General-WER loss on the guard set the gate allows, in points (speech, with "
        "gate only; default 1.0)."
    )  # fmt: skip
    guardCheck: bool | None = Field(
        None, description="Compare base and custom on general speech after training; warn on a loss (speech; "
        "default true)."
    )  # fmt: skip


class Model(Tracked):
    """A custom model; status and progress follow its training job."""

    name: str
    baseModel: str
    progress: float
    warnings: list[str] = Field(
        default_factory=list,
        description="Given when the model is created, before it trains: a test set that repeats training items, the "
        "same items in two datasets, texts labelled two ways (the card keeps the training's own warnings).",
    )


class BaseModelInfo(BaseModel):
    """A baseline model that can be evaluated, deployed or customized."""

    name: str
    engine: str
    description: str
    source: str
    bundled: bool


class EvaluationCreate(Request):
    """An evaluation request: model1 (and model2 side by side) on an acoustic, utterances or annotated-text dataset."""

    dataset: str = Ref
    model1: str = Ref
    model2: str | None = Field(None, min_length=1, max_length=200)
    project: str | None = Field(None, min_length=1, max_length=200, description="Narrows ambiguous names.")
    terms: list[str] | None = Field(
        None, max_length=10000, description="Domain terms for term recall (default: the custom models' display forms)."
    )


class Evaluation(Tracked):
    """An evaluation; ``result`` holds the metrics once Succeeded."""

    dataset: str
    models: list[str]
    result: dict[str, Any] | None = None


class TranscriptionCreate(Request):
    """A batch transcription of a dataset's audio."""

    model: str = Ref
    dataset: str = Ref
    project: str | None = Field(None, min_length=1, max_length=200)
    name: str = Field("", max_length=200)


class Transcription(Tracked):
    """A batch transcription; its result lists transcripts with word timings."""

    model: str
    items: int


LOGGING_ALIASES = AliasChoices("logging", "loggingEnabled")
LOGGING_HELP = "Log requests (also as `loggingEnabled`, the name an endpoint's answer gives it)."


class EndpointCreate(Request):
    """A deployment request."""

    project: str = Ref
    name: str = Name
    model: str = Field(min_length=1, max_length=200, examples=["whisper-tiny.en"])
    languageModel: str | None = Field(
        None, min_length=1, max_length=200, description="Voice endpoint: the language model parsing the transcripts."
    )
    description: str = Field("", max_length=2000)
    logging: bool = Field(False, validation_alias=LOGGING_ALIASES, description=LOGGING_HELP)
    retentionDays: int = Field(30, ge=1, le=3650)


class EndpointUpdate(Request):
    """Changes to an endpoint; omitted fields keep their value."""

    model: str | None = Field(None, min_length=1, max_length=200, description="Deploy another model.")
    languageModel: str | None = Field(
        None, min_length=1, max_length=200, description="Parse a speech endpoint's transcripts with this model."
    )
    description: str | None = Field(None, max_length=2000)
    logging: bool | None = Field(None, validation_alias=LOGGING_ALIASES, description=LOGGING_HELP)
    retentionDays: int | None = Field(None, ge=1, le=3650)


class Endpoint(Resource):
    """A deployed model (keys are never shown after creation)."""

    name: str
    model: str
    loggingEnabled: bool
    retentionDays: int
    status: str
    links: dict[str, str] = Field(default_factory=dict)


class EndpointKeys(BaseModel):
    """The two keys of an endpoint."""

    key1: str
    key2: str


class EndpointCreated(Endpoint):
    """A new endpoint with its keys, shown this once."""

    keys: EndpointKeys = Field(description="Shown once: only their hashes are stored.")


class RegeneratedKey(BaseModel):
    """The regenerated key, ``{"key1": "..."}`` or ``{"key2": "..."}``, shown this once."""

    key1: str | None = Field(None, description="The new key1, when key1 was regenerated.")
    key2: str | None = Field(None, description="The new key2, when key2 was regenerated.")


class LogExport(Request):
    """Where to put the logged audio as a new ``audio`` dataset."""

    project: str = Ref
    name: str | None = Field(None, min_length=1, max_length=200)


class RecognizedWord(BaseModel):
    """One recognized word with its times (seconds) and confidence."""

    word: str
    start: float
    end: float
    confidence: float
    replaced: str | None = None
    """Set when a custom model corrected this word after recognition: the words it replaced."""


class Recognition(BaseModel):
    """The result of one recognition request."""

    model_config = ConfigDict(extra="allow")

    endpoint: str
    model: str
    modelId: str | None
    recognitionStatus: Literal["Success", "NoMatch"]
    displayText: str
    lexicalText: str
    duration: float
    words: list[RecognizedWord]
    logId: str | None = None


class ParseRequest(Request):
    """One utterance to understand."""

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARACTERS, examples=["refill my Tylenol prescription"])

    @field_validator("text")
    @classmethod
    def _no_nul(cls, text: str) -> str:
        """A NUL character is refused: a logged request holding one could not be exported to a dataset."""
        if "\x00" in text:
            raise ValueError("the text holds a NUL character (U+0000); remove it")
        return text


class ParsedIntent(BaseModel):
    """An intent and its calibrated confidence."""

    name: str
    confidence: float = Field(description="This intent's own calibrated probability, 0 to 1.")


class ParsedEntity(BaseModel):
    """An entity: character offsets in the text, label, surface text and canonical value."""

    start: int = Field(description="Offset of its first character in `text`.")
    end: int = Field(description="Offset just past its last character: `text[start:end]` is the entity.")
    label: str
    text: str
    value: str = Field(description="The canonical value (a synonym resolved to its value); else the text.")
    source: str = Field(description="model, pattern, lookup or regex")


class ParseResult(BaseModel):
    """The understanding of one utterance by a language endpoint (models without intents: the intent fields null)."""

    model_config = ConfigDict(extra="allow")

    endpoint: str = Field(description="The endpoint's id.")
    model: str = Field(description="The model that answered (a custom model's name, or a base model).")
    modelId: str | None = Field(description="The custom model's id; null for a base model.")
    text: str = Field(description="The text understood, as sent.")
    intent: str | None = Field(description="The decided intent, 'out_of_scope', or null for entity-only models.")
    confidence: float | None = Field(
        description="The decided intent's confidence, 0 to 1. In scope, the best intent's own; out of scope, 1 minus "
        "the best intent's (the probability left to everything but it), not the best intent's own, which stays "
        "first in `intents`. Null for entity-only models."
    )
    intents: list[ParsedIntent] = Field(
        description="Intent ranking, best first (top 10); empty for entity-only models."
    )
    out_of_scope: bool | None = Field(
        description="True when none of the trained intents fits: the best confidence is under `threshold`, or the "
        "model's out-of-scope (background) class outranks it. Null for entity-only models."
    )
    threshold: float | None = Field(
        description="The model's out-of-scope threshold (0: only the background class decides); null for "
        "entity-only models."
    )
    entities: list[ParsedEntity] = Field(description="The entities (slots) found.")
    logId: str | None = Field(None, description="The logged request's id; null when the endpoint does not log.")


class EndpointLog(BaseModel):
    """One logged request (``links.file``: its kept input, the audio or the image; none for a text request)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    self_: str = Field(alias="self")
    id: str
    displayText: str
    duration: float
    file: str | None = Field(None, description="The kept input's file name; null for a text request.")
    createdDateTime: str


class Job(Resource):
    """A background job: the work behind a 202 answer."""

    kind: str
    resourceType: str
    resourceId: str
    status: Literal["NotStarted", "Running", "Succeeded", "Failed"]
    progress: float
    attempts: int


class Deleted(BaseModel):
    """How many items were deleted."""

    deleted: int


class Page(BaseModel, Generic[T]):
    """A page of a list of resources, Azure-style: ``values``, the total and the next page's URL."""

    model_config = ConfigDict(populate_by_name=True)

    values: list[T]
    count: int | None = Field(None, alias="@count", description="How many there are in all (every page).")
    next_link: str | None = Field(
        None, alias="@nextLink", description="The next page (same query, skip + top); null on the last page."
    )


class MonitorCreate(Request):
    """A monitor: re-test an endpoint on a schedule with a held-out dataset, alert on a threshold."""

    endpoint: str = Ref
    dataset: str = Ref
    key: str = Field(min_length=1, max_length=200, description="key1 or key2 of the endpoint: runs send it.")
    schedule: str = Field(min_length=1, max_length=100, examples=["*/30 * * * *"], description="Cron, UTC.")
    metric: Literal["wer", "term_recall", "latency_p95", "intent_accuracy", "oos_recall", "slot_f1", "concept_accuracy"]
    name: str | None = Field(None, min_length=1, max_length=200)
    project: str | None = Field(None, min_length=1, max_length=200, description="Narrows an ambiguous endpoint.")
    max: float | None = Field(None, description="Fail above this (metrics where lower is better).")
    min: float | None = Field(None, description="Fail below this (metrics where higher is better).")
    maxRegression: float | None = Field(None, ge=0, description="Points worse than the baseline run (latency: %).")
    retries: int = Field(0, ge=0, le=10)
    afterFailures: int = Field(1, ge=1, le=1000, description="Failing runs in a row before an alert.")
    exclude: list[str] = Field(default_factory=list, max_length=50, examples=[["Sat 00:00-06:00"]])
    terms: list[str] = Field(
        default_factory=list, max_length=1000,
        description="Terms whose recall is measured (speech; default: the display forms of the pronunciations the "
        "endpoint's model was trained on, as evaluations do).",
    )  # fmt: skip
    webhookUrl: str = Field("", max_length=1000)
    baseUrl: str | None = Field(None, max_length=500, description="The server runs send to (default TUNEFORK_URL).")
    retentionDays: int = Field(90, ge=1, le=3650)


class MonitorUpdate(Request):
    """Changes to a monitor, keeping its runs and baseline; omitted fields keep their value."""

    schedule: str | None = Field(None, min_length=1, max_length=100, description="Cron, UTC.")
    key: str | None = Field(None, min_length=1, max_length=200, description="The endpoint's key to send now.")
    max: float | None = None
    min: float | None = None
    maxRegression: float | None = Field(None, ge=0)
    retries: int | None = Field(None, ge=0, le=10)
    afterFailures: int | None = Field(None, ge=1, le=1000)
    exclude: list[str] | None = Field(None, max_length=50, description="Maintenance windows (replace the old ones).")
    webhookUrl: str | None = Field(None, max_length=1000)
    baseUrl: str | None = Field(None, max_length=500)
    retentionDays: int | None = Field(None, ge=1, le=3650)


class MonitorRun(Resource):
    """One run of a monitor: its outcome, the metrics measured, the model that answered."""

    status: Literal["NotStarted", "Running", "Succeeded", "Failed"]
    outcome: str = Field(description="pass, fail (a threshold crossed) or error (nothing measured).")
    error: Any = Field(None, description="{code, message}: the threshold crossed, or why nothing was measured.")
    value: float | None
    metrics: dict[str, Any]
    model: str


class Monitor(Resource):
    """A monitor (never its key)."""

    name: str
    endpoint: str
    metric: str
    schedule: str
    state: str = Field(description="unknown, passing or failing.")
    paused: bool


class MonitorDetail(Monitor):
    """A monitor with its recent runs and alerts."""

    runs: list[dict[str, Any]]
    alerts: list[dict[str, Any]]


class BaselinePin(Request):
    """The run regressions are measured from."""

    runId: str = Field(min_length=1, max_length=64)
