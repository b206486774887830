"""THE registry of project kinds: each kind's data, engines, options, evaluation, gate, endpoints and logs.

Everything that differs between kinds of project lives in the kind's registry entry
(:class:`~tunefork.kinds.registry.ProjectKind`); the workflows, the CLI, the REST API and the studio ask
the registry instead of branching on a kind's name. Importing this package registers the built-in kinds:
``speech`` (:mod:`tunefork.kinds.speech`), ``language`` and ``entities`` (:mod:`tunefork.kinds.language`).

Adding a kind = one engine package (``tunefork/<engines>/``) and one module here that builds its
:class:`~tunefork.kinds.registry.ProjectKind` (with a :class:`~tunefork.kinds.registry.ModelFamily`, or an
existing family) and calls :func:`~tunefork.kinds.registry.register`, listed in :data:`BUILT_IN`. Engines
are imported lazily by the family's methods, so reading the registry stays cheap (the CLI does it at start-up).
"""

import importlib

from tunefork.kinds.models import ResolvedModel
from tunefork.kinds.registry import (
    ProjectKind,
    base_models,
    family_of_base_model,
    get_kind,
    kind_names,
    project_kinds,
    register,
    unregister,
)

BUILT_IN = ("tunefork.kinds.speech", "tunefork.kinds.language", "tunefork.kinds.image")
"""The modules that register the built-in kinds, in the order forms offer them (the first is the default)."""
for _module in BUILT_IN:
    importlib.import_module(_module)

__all__ = [
    "ProjectKind",
    "ResolvedModel",
    "base_models",
    "family_of_base_model",
    "get_kind",
    "kind_names",
    "project_kinds",
    "register",
    "unregister",
]
