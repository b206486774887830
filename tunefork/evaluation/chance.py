"""Does a model beat chance? Its accuracy against answering the commonest test label to every item.

Where the other model of a comparison cannot do the task at all (a base model without the project's intents or
concepts), "better than it" says nothing: a model trained on shuffled labels, 25% accurate, was called the
winner, passed its gate and was offered for deployment. The comparison that means something then is with the
simplest guess, the test set's commonest label, and it must be beaten with 95% confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunefork.evaluation.significance import wilson_lower_bound


@dataclass(frozen=True)
class ChanceCheck:
    """``accuracy`` on ``items`` against ``share``, the commonest label's; ``bound`` is the accuracy's one-sided
    95% Wilson lower bound."""

    noun: str
    label: str
    share: float
    accuracy: float
    bound: float
    items: int

    @property
    def beaten(self) -> bool:
        """True when even the lower bound of the accuracy is above the commonest label's share."""
        return self.bound > self.share

    def sentence(self) -> str:
        """``intent accuracy 25.0% on 28 items, at least 14.2% (one-sided 95% bound), against 28.6% for answering
        'order' to every item``."""
        return (f"{self.noun} accuracy {self.accuracy:.1%} on {self.items} items, at least {self.bound:.1%} "
                f"(one-sided 95% bound), against {self.share:.1%} for answering '{self.label}' to every "
                "item")  # fmt: skip

    def to_json(self) -> dict[str, object]:
        """The check as the evaluation's JSON keeps it."""
        return {"label": self.label, "share": round(self.share, 4), "bound": round(self.bound, 4),
                "beaten": self.beaten}  # fmt: skip


def commonest_label_check(noun: str, accuracy: float, supports: dict[str, int]) -> ChanceCheck | None:
    """The check of ``accuracy`` on test items whose labels number ``supports`` (``None`` without items)."""
    items = sum(supports.values())
    if not items:
        return None
    label = max(supports, key=lambda name: supports[name])
    return ChanceCheck(noun, label, supports[label] / items, accuracy, wilson_lower_bound(accuracy, items), items)
