"""The registry of project kinds: what a kind is made of, registering one, and finding kinds and models.

A :class:`ProjectKind` declares everything the workflows, the CLI, the REST API and the studio need to
know about one kind of project:

- the dataset kinds it takes (:class:`DatasetKindUse`), which of them it trains on and the one it is
  tested on;
- its :class:`ModelFamily`: the engines and base models that serve it, how a model is loaded, trained
  (the data collector and trainer of each engine), scored on a test set and invoked by its endpoint
  operation (:class:`EndpointOperation`: recognize, parse...);
- its typed training options (:class:`TrainingOption`), validated in one place
  (:func:`tunefork.kinds.options.training_parameters`), from which the CLI, REST and studio forms are
  checked or generated;
- its gate (:class:`Gate`): how ``--gate`` judges a model of this kind, or ``None`` when it has none;
- its side-effect check (:class:`SideEffectCheck`): what every training checks on general data by default
  (speech: a subset of the guard set), warning rather than failing, or ``None``;
- how its endpoint logs export (:class:`LogExport`), how its datasets are inspected, and the sentences the
  studio and the CLI show for it (:class:`Wording`).

Several kinds may share a family (``language`` and ``entities`` both use spaCy). Families and operations
are referenced by the kinds; only kinds are registered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tunefork.engines.contract import BaseModelInfo, Trainer
from tunefork.errors import NotFoundError, TuneforkError
from tunefork.evaluation.result import EvaluationResult
from tunefork.progress import ProgressCallback
from tunefork.wording import a_or_an, did_you_mean, joined


@dataclass(frozen=True)
class DatasetKindUse:
    """A dataset kind as a project kind uses it."""

    name: str
    help: str
    """One sentence: what this data is and what it does (the studio's upload form shows it)."""
    trains: bool = True
    untrainable_reason: str = ""
    """Why a dataset of this kind cannot train (shown when one is picked for training)."""


@dataclass(frozen=True)
class TrainingOption:
    """One user-facing training option: its names on every surface, its type and its bounds.

    ``name`` is the key in :class:`~tunefork.engines.contract.TrainingParameters` (a field such as
    ``epochs``) or in its ``options`` (``parameter=False``). ``field`` is the REST and studio form field,
    ``flag`` the CLI option. ``default`` is what the engine does when the option is not given; an option
    given with its default value is not stored (the engine's default applies). ``advanced`` options sit
    in the studio form's "Advanced" section; ``choice_help`` explains each choice there.
    """

    name: str
    field: str
    flag: str
    type: type
    label: str
    """A few words naming it in forms."""
    help: str
    """What it does, in a sentence or two."""
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    parameter: bool = False
    placeholder: str = ""
    advanced: bool = False
    choice_help: Mapping[str, str] = field(default_factory=dict)
    engines: tuple[str, ...] = ()
    """The engines it applies to (empty: every engine of the kind); forms show it only for their base models."""

    def check(self, value: Any, shown: str | None = None) -> Any:
        """``value`` converted to this option's type, or :class:`TuneforkError` saying what is accepted.

        The message names the option as ``shown`` (default: its CLI flag; forms pass its label).
        """
        name = shown or self.flag
        words = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
        try:
            if self.type is bool and not isinstance(value, bool):
                raise ValueError
            converted = self.type(value)
        except (TypeError, ValueError):
            raise TuneforkError(f"{name} takes {words.get(self.type, self.type.__name__)} (got {value!r}).") from None
        if self.choices and converted not in self.choices:
            guess = did_you_mean(str(value), map(str, self.choices))
            raise TuneforkError(f"{name} takes one of {', '.join(self.choices)} (got {value!r}).{guess}")
        if self.minimum is not None and converted < self.minimum:
            raise TuneforkError(f"{name} must be at least {self.minimum:g} (got {value!r}).")
        if self.maximum is not None and converted > self.maximum:
            raise TuneforkError(f"{name} must be at most {self.maximum:g} (got {value!r}).")
        return converted


@dataclass(frozen=True)
class EndpointOperation:
    """What an endpoint of a family answers: ``POST /endpoints/{id}/<name>`` taking ``input``."""

    name: str
    """The URL segment and the name of the endpoint's link (``recognize``, ``parse``)."""
    input: str
    """What a request carries: ``audio`` (a file body) or ``text`` (JSON ``{"text": ...}``)."""
    description: str
    """How to call it and what it answers, in a sentence or two (the studio's endpoint page)."""
    sample_code: Callable[[str, str, str], dict[str, str]]
    """``(url, key, sample) -> {"curl": ..., "python": ...}``: how to call it (``sample``: example input)."""


class ModelHandle(Protocol):
    """A model to load: a base model (no ``artifact_dir``) or a trained custom model."""

    name: str
    model_id: str | None
    artifact_dir: Path | None
    engine: str


class ModelFamily(Protocol):
    """The engines and base models behind one or more project kinds.

    Implementations import their engines lazily: the registry is read by the CLI at start-up.
    """

    name: str
    """How messages call its models: "a speech model", "a language model"."""
    operation: EndpointOperation
    measures_terms: bool
    """True when its evaluations measure the recall of domain terms (``--terms``, else :meth:`domain_terms` of
    the custom models' training data)."""

    def base_models(self, include_downloadable: bool = True) -> list[BaseModelInfo]:
        """The base models to list (bundled first; downloadable ones only when asked)."""
        ...

    def is_base_model(self, name: str) -> bool:
        """True when ``name`` names one of this family's base models."""
        ...

    def base_engine(self, name: str) -> str:
        """The engine that customizes base model ``name``."""
        ...

    def owns_engine(self, engine: str) -> bool:
        """True when custom models of ``engine`` belong to this family."""
        ...

    def load(self, model: ModelHandle) -> Any:
        """The loaded model (shared per process through :mod:`tunefork.engines.cache`)."""
        ...

    def trainer(self, engine: str) -> Trainer:
        """The trainer and loader of ``engine``."""
        ...

    def training_data(self, records: Iterable[tuple[str, dict[str, Any]]]) -> Any:
        """The training data of this family's trainers from ``(dataset kind, canonical record)`` pairs."""
        ...

    def score(self, test: TestSet, models: list[ModelHandle], progress: ProgressCallback) -> EvaluationResult:
        """Run ``test`` through each model and score them side by side."""
        ...

    def result_from_json(self, data: dict[str, Any]) -> EvaluationResult:
        """A stored evaluation result of this family, rebuilt from its JSON."""
        ...

    def invoke(self, model: Any, request: Any) -> dict[str, Any]:
        """Answer one endpoint request (decoded input) with the loaded ``model``: the result JSON."""
        ...

    def domain_terms(self, records: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
        """The domain terms that ``(dataset kind, canonical record)`` training pairs name, for term recall when
        none are given (speech: the pronunciations' display forms). Needed only where :attr:`measures_terms`."""
        ...

    def decides_intents(self, model: ModelHandle) -> bool:
        """True when ``model``'s answers decide an intent (``intent``, ``confidence``, ``out_of_scope``); False
        for a model that only finds entities, whose answers keep those fields null. Needed only where the
        :attr:`operation` takes text."""
        ...


@dataclass
class TestSet:
    """A held-out dataset to score models on: its canonical records and what the user asked to measure."""

    name: str
    kind: str
    records: list[dict[str, Any]]
    terms: list[str] = field(default_factory=list)
    cache_dir: Path | None = None
    """Where the family may keep its models' answers between evaluations (``None``: compute them all)."""
    terms_source: str = ""
    """Where ``terms`` came from, for the result to say (:attr:`ModelFamily.measures_terms`)."""


@dataclass
class GateContext:
    """What a gate may use besides the test result: the two models, the margin, a cache and progress."""

    base: ModelHandle
    custom: ModelHandle
    margin: float
    """The user's ``--guard-margin`` (points a side effect may cost), for a gate that :attr:`~Gate.uses_margin`."""
    cache_dir: Path
    """A workspace folder where the gate may keep generated data between runs."""
    progress: ProgressCallback


@dataclass
class GateVerdict:
    """A gate's verdict: ``failure`` is ``None`` when the model passes; ``guard`` is any side-effect check run."""

    failure: str | None
    guard: EvaluationResult | None = None
    guard_seconds: float = 0.0
    """Seconds the side-effect evaluation (``guard``) took."""


class Gate(Protocol):
    """How ``--gate`` judges a custom model against its base.

    ``judge`` gets the side-by-side evaluation on the test dataset (base first, custom second) and
    returns a :class:`GateVerdict`: the reason it fails, or ``None``, and optionally a second result (the
    guard set of speech) that is stored with the model as ``metrics["guard"]`` and shown next to the test.
    ``uses_margin`` says whether ``judge`` reads ``context.margin`` (``--guard-margin``): a gate that does not
    refuses the option instead of keeping it unused on the card.
    """

    uses_margin: bool

    def judge(self, test: EvaluationResult, context: GateContext) -> GateVerdict: ...


@dataclass
class SideEffects:
    """A side-effect check's outcome: the comparison on general data, how it was run, and any warning."""

    result: EvaluationResult
    summary: dict[str, Any]
    """What the model card records about the check (the data used, its size, the margin, the time)."""
    warning: str | None = None


class SideEffectCheck(Protocol):
    """How every training of a kind checks, unless turned off, that general data does not get worse.

    ``check`` compares base and custom (``context``) on the kind's general data and returns
    :class:`SideEffects` with a warning when the custom model may be worse than the margin allows, or
    ``None`` when the check is configured off; when the gate already ran a side-effect check (``done``, in
    ``done_seconds``), that result is judged instead of running again.
    """

    def check(
        self, context: GateContext, done: EvaluationResult | None = None, done_seconds: float = 0.0
    ) -> SideEffects | None: ...


@dataclass(frozen=True)
class LoggedRequest:
    """One logged endpoint request, as a log export reads it."""

    id: str
    result: dict[str, Any]
    file: Path | None = None
    """The kept input file (the canonical WAV of a recognition), when the operation keeps one."""


@dataclass(frozen=True)
class LogExport:
    """How an endpoint's request logs become data again (the retrain loop)."""

    dataset_kind: str
    """The dataset kind the exported logs import as."""
    write: Callable[[Path, list[LoggedRequest], bool], None]
    """``write(folder, logs, for_review)``: the files to import (``for_review`` adds what helps correcting)."""


@dataclass(frozen=True)
class Wording:
    """The sentences the studio and the CLI say about a kind (its own words, in one place)."""

    data_start: str
    """What to upload first."""
    data_step: str
    """The Data step on the project overview."""
    evaluation_step: str
    """The Evaluation step on the project overview."""
    test_set: str
    """How to add a test set."""
    training_needs: str
    """What training needs when nothing can train yet."""
    training_wait: str
    """What to expect while a model trains."""
    test_metric: str
    """The headline figure of a test result, as a column title ("WER", "entity F1")."""
    improve: str
    """How logged requests improve the model (the endpoint page)."""
    export: str
    """What the exported logs hold and what to do with them (the endpoint page: "The logged requests become
    a <dataset kind> dataset of this project: <export>")."""
    items: str = "items"
    """What the test set's items are called ("utterances")."""
    sends: str = "text"
    """What clients send to its endpoints ("audio", "text")."""
    sample: str = ""
    """An example request input for the endpoint's sample code (empty: a file name is used)."""


@dataclass(frozen=True)
class ProjectKind:
    """Everything tunefork knows about one kind of project (see the module documentation)."""

    name: str
    summary: str
    """One line: what projects of this kind do."""
    family: ModelFamily
    dataset_kinds: tuple[DatasetKindUse, ...]
    """The dataset kinds uploads take, in the order forms offer them."""
    test_kind: str
    """The dataset kind models of this kind are evaluated on (held-out data)."""
    default_base_model: str
    wording: Wording
    log_export: LogExport
    options: tuple[TrainingOption, ...] = ()
    engine_defaults: Mapping[str, Any] = field(default_factory=dict)
    """Engine options this kind always sets unless the user does (``rehearsal`` for entities)."""
    gate: Gate | None = None
    side_effects: SideEffectCheck | None = None
    """The default side-effect check after training (``--no-guard-check`` skips it), or ``None``."""
    inspect: Callable[[Path, str], dict[str, Any]] | None = None
    """``inspect(dataset folder, dataset kind) -> report``; ``None``: the plain dataset inspection."""
    test_overlap: Callable[[list[dict[str, Any]], list[dict[str, Any]]], str | None] | None = None
    """``test_overlap(training records, test records) -> warning`` when the test set repeats training items that
    this kind's evaluations leave out of the scores (image files), given before the model trains; it raises
    :class:`TuneforkError` when no test item would be left."""
    training_warnings: Callable[[Any], list[str]] | None = None
    """``training_warnings(training data) -> warnings`` about the family's training data (the same items in two
    datasets, texts labelled two ways), given when the model is created, before it trains; ``None``: none."""
    untrainable: Callable[[Any], str | None] | None = None
    """``untrainable(training data) -> reason`` when the family's training data (from every training dataset)
    cannot make a model at all (one concept, one intent, nothing labelled): the model is then refused before it is
    recorded, instead of failing once it trains; ``None``: the trainer alone decides."""
    base_is_baseline: bool = True
    """True when a base model does this kind's task, so evaluations compare a custom model with its base by
    default; False when it cannot (a spaCy pipeline has no intents), and the previous custom model is the baseline."""
    languages: frozenset[str] | None = frozenset({"en"})
    """The languages (ISO 639 codes) its shipped models read and its scoring normalizes; ``None``: it reads none
    (images). A project whose locale names another language is warned (:func:`locale_warning`)."""
    other_language_note: str = ""
    """Said after that warning: what still works in another language, if anything."""

    @property
    def upload_kinds(self) -> tuple[str, ...]:
        """The dataset kinds uploads to this kind's projects take."""
        return tuple(use.name for use in self.dataset_kinds)

    @property
    def training_kinds(self) -> tuple[str, ...]:
        """The dataset kinds models of this kind train on."""
        return tuple(use.name for use in self.dataset_kinds if use.trains)

    @property
    def tests_need_two(self) -> bool:
        """True when the test kind also trains, so a second, held-out dataset of it is needed."""
        return self.test_kind in self.training_kinds

    def dataset_kind(self, name: str) -> DatasetKindUse:
        """The use of dataset kind ``name`` (:class:`TuneforkError` naming the accepted kinds)."""
        for use in self.dataset_kinds:
            if use.name == name:
                return use
        choices, guess = ", ".join(self.upload_kinds), did_you_mean(name, self.upload_kinds)
        elsewhere = [kind.name for kind in _KINDS.values() if name in kind.upload_kinds]
        if elsewhere:  # 'utterances' in an entities project was answered "Did you mean 'patterns'?" (a review)
            guess = (f" '{name}' datasets belong to {joined(elsewhere, last='or')} projects; {a_or_an(self.name)} "
                     f"project's labelled examples are '{self.test_kind}' datasets.")  # fmt: skip
        raise TuneforkError(
            f"{a_or_an(self.name).capitalize()} project takes dataset kinds: {choices} (got '{name}').{guess}"
        )

    def option(self, name: str) -> TrainingOption | None:
        """This kind's option ``name``, if it has one."""
        return next((option for option in self.options if option.name == name), None)


_KINDS: dict[str, ProjectKind] = {}


def register(kind: ProjectKind) -> ProjectKind:
    """Add ``kind`` to the registry (replacing a kind of the same name) and return it."""
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove kind ``name`` (tests that register a kind of their own clean up with this)."""
    _KINDS.pop(name, None)


def project_kinds() -> list[ProjectKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def kind_names() -> tuple[str, ...]:
    """The names of the registered kinds (what ``project create --kind`` accepts)."""
    return tuple(_KINDS)


def get_kind(name: str) -> ProjectKind:
    """The registered kind ``name``; :class:`TuneforkError` listing the choices otherwise."""
    try:
        return _KINDS[name]
    except KeyError:
        guess = did_you_mean(name, _KINDS)
        raise TuneforkError(f"Unknown project kind '{name}'; choose one of: {', '.join(_KINDS)}.{guess}") from None


def find_kind(name: str) -> ProjectKind | None:
    """The registered kind ``name``, or ``None`` (a project of a kind this installation lacks)."""
    return _KINDS.get(name)


def families() -> list[ModelFamily]:
    """The model families of the registered kinds, each once, in registration order."""
    unique: dict[int, ModelFamily] = {}
    for kind in _KINDS.values():
        unique.setdefault(id(kind.family), kind.family)
    return list(unique.values())


def family_of_base_model(name: str) -> ModelFamily | None:
    """The family whose base model ``name`` is, if any."""
    return next((family for family in families() if family.is_base_model(name)), None)


def family_of_engine(engine: str) -> ModelFamily:
    """The family of custom models trained by ``engine``."""
    for family in families():
        if family.owns_engine(engine):
            return family
    raise NotFoundError(f"No registered kind serves models of engine '{engine}'.")


def family_of(model: ModelHandle) -> ModelFamily:
    """The family of a base or custom model."""
    if model.artifact_dir is None:
        family = family_of_base_model(model.name)
        if family is None:
            raise NotFoundError(f"No base model named '{model.name}'.")
        return family
    return family_of_engine(model.engine)


def endpoint_operations() -> list[EndpointOperation]:
    """The operations endpoints answer (``recognize``, ``parse``...), each once, in registration order."""
    unique: dict[str, EndpointOperation] = {}
    for family in families():
        unique.setdefault(family.operation.name, family.operation)
    return list(unique.values())


def kinds_offering(option: str) -> list[str]:
    """The names of the kinds that have training option ``option``."""
    return [kind.name for kind in _KINDS.values() if kind.option(option) is not None]


def all_options() -> list[TrainingOption]:
    """Every kind's options, each name once (first declaration wins), in declaration order."""
    seen: dict[str, TrainingOption] = {}
    for kind in _KINDS.values():
        for option in kind.options:
            seen.setdefault(option.name, option)
    return list(seen.values())


def base_models(include_downloadable: bool = True) -> list[BaseModelInfo]:
    """The base models of every family, family by family."""
    return [info for family in families() for info in family.base_models(include_downloadable)]


_LANGUAGE_NAMES = {"en": "English"}
_ISO_639_1 = {"eng": "en"}
"""Three-letter codes of the languages the bundled models read, as their two-letter ones."""


def locale_warning(kind: ProjectKind, locale: str) -> str | None:
    """What a project of ``kind`` in ``locale`` should know when its models cannot read that language (the bundled
    models are English), or ``None``."""
    language = re.split(r"[-_]", locale)[0].lower()  # en_US as stored before locales were checked
    if kind.languages is None or _ISO_639_1.get(language, language) in kind.languages:
        return None
    read = joined(sorted(_LANGUAGE_NAMES.get(code, code) for code in kind.languages), last="or")
    return (
        f"Locale {locale}: {kind.name} models here read {read} only (tunefork's bundled models and its scoring): "
        "expect poor results in another language."
        + (f" {kind.other_language_note}" if kind.other_language_note else "")
    )
