"""Training options, validated in one place for every surface (CLI flags, REST fields, studio forms).

Each kind declares its :class:`~tunefork.kinds.registry.TrainingOption` list. The CLI and the studio pass
the options the user set (name -> value, ``None`` for "not set"); the REST API passes the fields present
in the request body. :func:`training_parameters` checks them against the project's kind and turns them
into :class:`~tunefork.engines.contract.TrainingParameters`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from tunefork.engines.contract import TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.kinds.registry import ProjectKind, TrainingOption, all_options, kinds_offering
from tunefork.wording import joined

SEED = TrainingOption(
    "seed", "seed", "--seed", int, "Seed", "Random seed of training.", 0, minimum=0, maximum=2**31 - 1,
    parameter=True, advanced=True,
)  # fmt: skip
"""The seed option every kind offers (a field of every engine's training parameters)."""


def _surface_names(name: str) -> str:
    """Option ``name`` as the user wrote it: its CLI flag, with its REST field where that is spelled otherwise."""
    option = next(option for option in all_options() if option.name == name)
    same = option.flag.split("/")[0].lstrip("-") == option.field  # --rehearsal/--no-rehearsal: rehearsal
    return option.flag if same else f"{option.flag} ({option.field})"


def _foreign(kind: ProjectKind, names: list[str]) -> None:
    """Refuse options that only other kinds have (their engines would ignore or reject them late)."""
    foreign = sorted({name for name in names if kind.option(name) is None and kinds_offering(name)})
    if foreign:
        owners = joined(kinds_offering(foreign[0]))
        # This layer serves every surface, so each option is named as the CLI and the REST API spell it.
        shown = ", ".join(_surface_names(name) for name in foreign)
        raise TuneforkError(f"Option(s) {shown} apply to {owners} models only.")


def training_parameters(
    kind: ProjectKind,
    given: Mapping[str, Any] | None = None,
    parameters: TrainingParameters | None = None,
    engine: str | None = None,
) -> TrainingParameters:
    """Check the options the user set (``given``: option name -> value, ``None`` = not set) for ``kind``.

    ``parameters`` (the Python API's ready-made parameters) is the starting point; its engine options are
    checked too. An option given with its engine default is left out, so the engine's own default applies;
    the kind's ``engine_defaults`` fill what is still unset. With ``engine`` (the base model's), an option
    given for other engines only is refused: the engine would ignore it.
    """
    parameters = copy.deepcopy(parameters) if parameters is not None else TrainingParameters()
    given = {name: value for name, value in (given or {}).items() if value is not None}
    unknown = sorted(set(given) - {option.name for option in all_options()})
    if unknown:
        raise TuneforkError(f"Unknown training option(s): {', '.join(unknown)}.")
    _foreign(kind, [*given, *parameters.options])
    if engine is not None:
        _other_engines(kind, engine, list(given))
    for name, value in given.items():
        option = kind.option(name)
        assert option is not None  # every given name is one of this kind's options (checked above)
        value = option.check(value)
        if option.parameter:
            setattr(parameters, name, value)
        elif value != option.default:
            parameters.options[name] = value
    for name, value in kind.engine_defaults.items():
        parameters.options.setdefault(name, value)
    return parameters


def _other_engines(kind: ProjectKind, engine: str, names: list[str]) -> None:
    """Refuse options of ``kind`` that only other engines read (``--custom-weight`` for a whisper base model)."""
    ignored = sorted(
        name for name in names if kind.option(name) is not None and not _applies(kind.option(name), engine)
    )
    if ignored:
        owners = joined(list(kind.option(ignored[0]).engines))
        shown = ", ".join(_surface_names(name) for name in ignored)
        raise TuneforkError(f"Option(s) {shown} apply to {owners} base models only; this base model is {engine}.")


def _applies(option: TrainingOption | None, engine: str) -> bool:
    return option is not None and (not option.engines or engine in option.engines)


def stored_parameters(kind: ProjectKind, engine: str, parameters: TrainingParameters) -> dict[str, Any]:
    """What a model row and its card keep of ``parameters``: the fields that are options of ``kind`` for
    ``engine``, and the engine options; never another kind's or engine's (an image model has no custom weight)."""
    return {
        name: value
        for name, value in asdict(parameters).items()
        if name == "options" or _applies(kind.option(name), engine)
    }
