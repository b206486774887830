"""The rule shared by the gates that judge a model on its test set alone (language, entities, image).

Such a gate compares no general data, so it takes no margin. It fails a model its base is significantly
better than on the test set's headline figure; where the base cannot do the task at all (no intents, none of
the project's concepts), "not worse than the base" would pass anything, so the model must beat answering the
test set's commonest label to every item instead (:mod:`tunefork.evaluation.chance`).
"""

from __future__ import annotations

from tunefork.evaluation.chance import ChanceCheck
from tunefork.evaluation.result import EvaluationResult
from tunefork.evaluation.significance import MIN_PAIRED_ITEMS
from tunefork.kinds.registry import GateContext


def against_base_failure(
    test: EvaluationResult, context: GateContext, chance: ChanceCheck | None, base_lacks: str
) -> str | None:
    """Why ``context.custom`` fails its gate on ``test``, or ``None`` when it passes (see the module docs).

    ``chance`` is the check against the commonest test label where the base cannot do the task (else ``None``);
    ``base_lacks`` says what the base lacks, for the message (``decides no intents to compare it with``).
    """
    if chance is not None:
        if chance.beaten:
            return None
        return (f"gate: {context.custom.name} does not beat chance with 95% confidence: {chance.sentence()} "
                f"({context.base.name} {base_lacks})")  # fmt: skip
    items = getattr(test, "items", None)
    if items is not None and items < MIN_PAIRED_ITEMS:  # "not significantly worse" passed anything on 5 items
        return (f"gate: {items} test items are too few to judge {context.custom.name} against {context.base.name}: at "
                f"least {MIN_PAIRED_ITEMS} are needed")  # fmt: skip
    if test.winner() == 0:
        return f"gate: {context.custom.name} is worse than {context.base.name} on {test.headline().metric}"
    return None
