"""What a language evaluation reports: its headline figure, verdict, table, details and plots.

Content only: :mod:`tunefork.evaluation.report` writes the files. The functions read a
:class:`~tunefork.evaluation.language_scoring.LanguageEvaluationResult` (live or rebuilt from its JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tunefork.evaluation.chance import ChanceCheck, commonest_label_check
from tunefork.evaluation.classification import plot_confusion_matrix, plot_threshold_curve
from tunefork.evaluation.labels import OUT_OF_SCOPE
from tunefork.evaluation.result import Headline, ResultTable, md_cell, percent
from tunefork.evaluation.significance import MIN_PAIRED_ITEMS, interval_note, paired_bootstrap
from tunefork.wording import plural

if TYPE_CHECKING:
    from tunefork.evaluation.language_scoring import LanguageEvaluationResult

FORGETTING_ALERT = 0.9
"""A base label keeping less than this share of its F1 is flagged as forgotten."""
MIN_POINTS = 0.5
"""Differences of the headline figure below this many points are called a tie."""
ERRORS_FILE = "errors.jsonl"
DETAIL_ROWS = 20


def headline(result: LanguageEvaluationResult) -> Headline:
    """Intent accuracy for utterances (slot entity F1 when no model has intents), entity F1 for annotated text."""
    if result.kind == "utterances":
        values = [(m.intents or {}).get("accuracy") for m in result.models]
        if any(v is not None for v in values):
            return Headline("intent accuracy", values)
        return Headline("slot entity F1", [(m.entities or {}).get("f1") for m in result.models])
    return Headline("entity F1", [(m.entities or {}).get("f1") for m in result.models])


def chance_check(result: LanguageEvaluationResult) -> ChanceCheck | None:
    """The :class:`~tunefork.evaluation.chance.ChanceCheck` of a two-model intent evaluation whose first model
    decides no intents (a base such as en_core_web_sm), else ``None``: "better than a model without intents" says
    nothing (a model trained on shuffled labels, 25% accurate, was called the winner and passed its gate)."""
    figure = headline(result)
    if figure.metric != "intent accuracy" or len(figure.values) != 2:
        return None
    if figure.values[0] is not None or figure.values[1] is None:
        return None
    per_label = (result.models[1].intents or {}).get("per_label") or {}
    return commonest_label_check("intent", figure.values[1], {label: row.get("support", 0)
                                                              for label, row in per_label.items()})  # fmt: skip


@dataclass(frozen=True)
class IntentDifference:
    """The 95% paired bootstrap interval of the second model's intent accuracy minus the first's (fractions)."""

    ci95: tuple[float, float]
    significant: bool
    items: int = 0
    too_few_items: bool = False
    """The bootstrap's :attr:`~tunefork.evaluation.significance.BootstrapResult.too_few_items`."""


def intent_difference(result: LanguageEvaluationResult) -> IntentDifference | None:
    """The paired bootstrap of the items both models answered (``None`` without two intent models' per-item
    answers: entity F1, or a result stored before they were kept)."""
    correct = [(m.intents or {}).get("item_correct") for m in result.models]
    if len(correct) != 2 or None in correct or len(correct[0]) != len(correct[1]):
        return None
    # The bootstrap's B - A of error rates with A = the second model: the second's accuracy minus the first's.
    test = paired_bootstrap([1 - c for c in correct[1]], [1 - c for c in correct[0]], [1] * len(correct[0]))
    low, high = test.ci95
    return IntentDifference((round(low, 4) + 0.0, round(high, 4) + 0.0), test.significant, test.items or 0,
                            test.too_few_items)  # fmt: skip


def difference(result: LanguageEvaluationResult) -> dict[str, Any] | None:
    """The comparison as JSON (what the CLI's verdict says): the headline's difference, its interval and
    significance where a paired test runs, the chance check against a model without intents, and the winner."""
    figure = headline(result)
    if len(result.models) != 2 or figure.values[1] is None:
        return None
    out: dict[str, Any] = {"metric": figure.metric}
    if figure.values[0] is not None:
        out["delta"] = round(figure.values[1] - figure.values[0], 4)
    if (tested := intent_difference(result)) is not None:
        out.update(ci95=list(tested.ci95), significant=tested.significant, test="95% paired bootstrap")
    if (chance := chance_check(result)) is not None:
        out["chance"] = chance.to_json()
    found = winner(result)
    out["winner"] = None if found is None else result.models[found].name
    return out


def verdict(result: LanguageEvaluationResult) -> str | None:
    """The difference of the headline figure in plain words; for intent accuracy with a paired bootstrap of the
    items (a model is called better only when its 95% interval excludes 0), as speech and image evaluations do."""
    figure = headline(result)
    names = [m.name for m in result.models]
    values = figure.values
    if len(names) != 2:
        return None
    if values[0] is None and values[1] is not None:
        said = f"{names[0]} has no {figure.metric}; {names[1]} reaches {100 * values[1]:.1f}%"
        chance = chance_check(result)
        if chance is not None:  # what a gate judged it by, passed or not (a review saw only "it passed")
            return f"{said}, {'better' if chance.beaten else 'no better'} than chance: {chance.sentence()}."
        return said + "."
    if None in values:
        return None
    delta = 100 * (values[1] - values[0])
    if abs(delta) < MIN_POINTS:
        return f"Both models have the same {figure.metric} on {plural(result.items, 'item')}."
    items = plural(result.items, "item")
    said = f"{names[1] if delta > 0 else names[0]} is better by {abs(delta):.1f} points of {figure.metric} on {items}"
    tested = intent_difference(result) if figure.metric == "intent accuracy" else None
    if tested is None:
        untested = " (no significance test: spans are not paired items)" if "F1" in figure.metric else ""
        lost = forgotten(result.forgetting)
        if lost and delta > 0:  # called better while it lost every base label (an entities review)
            untested += f", but it forgot base labels {names[0]} finds: {', '.join(lost)} (see the warning)"
        return f"{said}{untested}."
    if tested.too_few_items:
        return f"Too few items ({tested.items}) to call the difference significant: at least {MIN_PAIRED_ITEMS}."
    low, high = (100 * bound + 0.0 for bound in tested.ci95)
    interval = f"{names[1]} minus {names[0]}: {low:+.1f} to {high:+.1f} points, 95% paired bootstrap"
    if not tested.significant:
        return f"No significant difference in {figure.metric} between {' and '.join(names)} on {items} ({interval})."
    return f"{said} (significant; {interval})."


def winner(result: LanguageEvaluationResult) -> int | None:
    """The model the evidence prefers: for intent accuracy the one whose lead a paired bootstrap finds significant
    (against a model without intents, the other when it beats chance, :func:`chance_check`); for other figures
    the one ahead by at least :data:`MIN_POINTS`, or the only one that has the figure."""
    figure = headline(result)
    values = figure.values
    if len(values) != 2 or values[1] is None:
        return None
    if values[0] is None:
        chance = chance_check(result)
        return 1 if chance is None or chance.beaten else None
    delta = 100 * (values[1] - values[0])
    if abs(delta) < MIN_POINTS:
        return None
    tested = intent_difference(result) if figure.metric == "intent accuracy" else None
    if tested is not None and not tested.significant:
        return None
    return int(delta > 0)


def forgotten(forgetting: dict[str, Any] | None, with_f1: bool = False) -> list[str]:
    """Base labels the second model kept less than :data:`FORGETTING_ALERT` of, as ``LABEL (test|general)``
    (``with_f1``: ``DATE (general text, F1 100% -> 0%)``)."""
    lost = []
    for where in ("test", "general"):
        for label, row in ((forgetting or {}).get(where) or {}).items():
            if row.get("retained") is not None and row["retained"] < FORGETTING_ALERT:
                f1 = f"{where} text, F1 {row['f1_before']:.0%} -> {row['f1_after']:.0%}"
                lost.append(f"{label} ({f1 if with_f1 else where})")
    return lost


def _intent_rows(result: LanguageEvaluationResult) -> list[tuple[str, list[str]]]:
    intents = [m.intents or {} for m in result.models]
    if not any(intents):
        return [("Intents", ["none (entities only)" for _ in intents])]
    oos = [i.get("out_of_scope") or {} for i in intents]
    per_label = next((i["per_label"] for i in intents if i.get("per_label")), {})
    in_scope = sum(row.get("support", 0) for label, row in per_label.items() if label != OUT_OF_SCOPE)
    closed_set = f"Closed-set accuracy ({plural(in_scope, 'in-scope item')})"  # read as all items (a review)
    return [
        ("Intent accuracy", [percent(i.get("accuracy"), 1) for i in intents]),
        (closed_set, [percent(i.get("closed_set_accuracy"), 1) for i in intents]),
        ("Macro F1", [percent(i.get("macro_f1"), 1) for i in intents]),
        ("Out-of-scope precision", [percent(o.get("precision"), 1) for o in oos]),
        ("Out-of-scope recall", [percent(o.get("recall"), 1) for o in oos]),
        ("Out-of-scope threshold", [_threshold(i) for i in intents]),
    ]


def _threshold(intents: dict[str, Any]) -> str:
    """The confidence under which the model answers out of scope; ``0 (background class only)`` when only its
    out-of-scope class decides (a curve flagging requests at threshold 0 read like a bug without it)."""
    threshold = intents.get("threshold")
    if threshold is None:
        return "n/a"
    return f"{threshold:.2f}" if threshold > 0 else "0 (background class only)"


def _entity_rows(result: LanguageEvaluationResult, noun: str) -> list[tuple[str, list[str]]]:
    entities = [m.entities or {} for m in result.models]
    if not any(entities):
        return []
    return [(f"{noun} {name}", [_rate(e, key) for e in entities]) for name, key in
            (("precision", "precision"), ("recall", "recall"), ("F1", "f1"))]  # fmt: skip


def _counted(scores: dict[str, Any], key: str) -> int | None:
    """The spans a precision (predicted) or a recall (annotated) of span ``scores`` counts, overall (``tp`` plus
    ``fp`` or ``fn``) or of one label (``predicted``, ``support``); None for an F1, or figures stored without."""
    per_label, other = {"precision": ("predicted", "fp"), "recall": ("support", "fn")}.get(key, (None, None))
    if per_label is None:
        return None
    if per_label in scores:
        return int(scores[per_label])
    return int(scores["tp"]) + int(scores[other]) if "tp" in scores and other in scores else None


def _rate(scores: dict[str, Any], key: str) -> str:
    """A precision, recall or F1 of span or intent ``scores`` as a percentage; "n/a" for 0/0, a precision of no
    prediction or a recall of no annotated item (a base model beside a language model's slots predicts none of them: its
    "0.0%" precision read as all wrong, a new user's review)."""
    return "n/a" if _counted(scores, key) == 0 else percent(scores.get(key), 1)


def table(result: LanguageEvaluationResult) -> ResultTable:
    """The figures side by side; the forgetting check under the table."""
    if result.kind == "utterances":
        rows = _intent_rows(result) + _entity_rows(result, "Slot entity")
    else:
        rows = _entity_rows(result, "Entity")
    notes = [f"Items: {result.items} ({result.kind})."]
    for model in result.models:
        intents = model.intents or {}
        if intents.get("accuracy") is not None and intents.get("item_correct") is not None:
            notes.append(
                interval_note(model.name, "intent accuracy", intents["accuracy"], len(intents["item_correct"]))
            )
    for where in ("test", "general"):
        for label, row in ((result.forgetting or {}).get(where) or {}).items():
            kept = _kept(row, where)
            notes.append(
                f"forgetting ({where}) {label:<10} F1 {percent(row['f1_before'], 1)} -> {percent(row['f1_after'], 1)}"
                f"  kept {kept}  ({row['support']} spans)"
            )
    notes += result.notes
    return ResultTable(result.dataset or "evaluation", [m.name for m in result.models], rows, notes)


def _unannotated_line(unannotated: list[str], per_label: list[dict[str, Any] | None], names: list[str]) -> list[str]:
    """The line under the per-label table naming the labels left out of it: predicted, never annotated."""

    def predicted(label: str) -> str:
        found = [(name, (scores or {}).get(label)) for name, scores in zip(names, per_label, strict=True)]
        return ", ".join(f"{md_cell(name)} {row.get('predicted', 0)}" for name, row in found if row)

    if not unannotated:
        return []
    counts = "; ".join(f"{md_cell(label)} ({predicted(label)})" for label in unannotated)
    said = f"Not in the table, nor in the overall scores: labels the test data never annotates, predicted {counts}."
    return [said, ""]


def _label_lines(title: str, per_label: list[dict[str, Any] | None], names: list[str]) -> list[str]:
    """The per-label table of span scores, one column group per model. A label the test data never annotates (a
    base model's CARDINAL beside a language model's slots) is named under it instead, with how often each model
    predicted it (its rows read "0.0%" everywhere: a new user's review), unless the data annotates none."""
    labels = sorted({label for scores in per_label for label in (scores or {})})

    def support(label: str) -> int:
        return max(int((scores or {}).get(label, {}).get("support") or 0) for scores in per_label)

    annotated = [label for label in labels if support(label)] or labels
    if not annotated:
        return []
    measures = (("precision", "P"), ("recall", "R"), ("f1", "F1"))
    header = " | ".join(f"{md_cell(n)} {short}" for n in names for _, short in measures)
    lines = [f"## {title}", "", f"| Label | {header} | Support |", "|---|" + "---:|" * (3 * len(names) + 1)]
    for label in annotated:
        cells = [_rate((scores or {}).get(label, {}), key) for scores in per_label for key, _ in measures]
        lines.append(f"| {md_cell(label)} | " + " | ".join(cells) + f" | {support(label)} |")
    unannotated = [label for label in labels if label not in annotated]
    return [*lines, "", *_unannotated_line(unannotated, per_label, names)]


def _kept(row: dict[str, Any], where: str) -> str:
    """How much of the base's F1 on a label a model kept, in words: more than all of it is "more" (ORG "kept
    287.5%" puzzled a review), and a label the base never gets right on the test set says why the ratio means
    nothing."""
    if row["retained"] is None:
        marked = " (check how the test set marks them)" if where == "test" else ""
        return f"n/a: the base finds none of these spans as marked{marked}"
    return "more (F1 rose)" if row["retained"] > 1 else percent(row["retained"], 1)


def confusion_pairs(confusion: dict[str, Any]) -> list[tuple[str, str, int]]:
    """``(gold, predicted, count)`` of every off-diagonal cell of a confusion matrix, most frequent first."""
    labels, matrix = confusion["labels"], confusion["matrix"]
    pairs = [
        (labels[row], labels[column], count)
        for row, counts in enumerate(matrix)
        for column, count in enumerate(counts)
        if row != column and count
    ]
    return sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))


def intent_details(name: str, intents: dict[str, Any]) -> list[str]:
    """One model's intents like ``rasa test nlu``: the per-intent table, confusion pairs, misclassified examples."""
    lines = [f"## Intents of {md_cell(name)}", "", "| Intent | Precision | Recall | F1 | Support |"]
    lines.append("|---|---:|---:|---:|---:|")
    for label, scores in intents["per_label"].items():
        cells = [_rate(scores, key) for key in ("precision", "recall", "f1")]
        lines.append(f"| {md_cell(label)} | " + " | ".join(cells) + f" | {scores.get('support', 0)} |")
    pairs = confusion_pairs(intents["confusion"])
    lines += ["", f"Confusion pairs (gold -> predicted): {'none' if not pairs else ''}".rstrip()]
    lines += [f"- {md_cell(gold)} -> {md_cell(guess)}: {count}" for gold, guess, count in pairs[:DETAIL_ROWS]]
    wrong = intents.get("misclassified") or []
    if wrong:
        lines += [
            "",
            f"Misclassified examples (first {min(len(wrong), DETAIL_ROWS)} of {len(wrong)}, most confident first):",
        ]
        lines += [
            f"- {md_cell(row['text'])}: {md_cell(row['intent'])} -> {md_cell(row['predicted'])} "
            f"({100 * row['confidence']:.1f}%{_top_intent(row)})"
            for row in wrong[:DETAIL_ROWS]
        ]
    return [*lines, ""]


def _top_intent(row: dict[str, Any]) -> str:
    """``; top: order_pizza 50.5%`` for an out-of-scope answer whose top intent was turned down."""
    if not row.get("top_intent"):
        return ""
    return f"; top: {md_cell(row['top_intent'])} {100 * row['top_confidence']:.1f}%"


def markdown_details(result: LanguageEvaluationResult) -> list[str]:
    """Each model's intents (:func:`intent_details`), the entities' F1 per label and each model's first entity
    (slot) errors (they were only in errors.jsonl: a review)."""
    names = [m.name for m in result.models]
    lines = [line for m in result.models if m.intents for line in intent_details(m.name, m.intents)]
    lines += _label_lines("Entities per label", [(m.entities or {}).get("per_label") for m in result.models], names)
    for model in result.models:
        lines += entity_error_lines(model.name, (model.entities or {}).get("errors") or [])
        lines += value_change_lines(model.name, (model.entities or {}).get("value_changes") or [])
    return lines


def value_change_lines(name: str, changes: list[dict[str, Any]]) -> list[str]:
    """Spans found right whose value is neither what was said nor the test data's value, to check: a synonym's
    canonical value is right, another known value is not (a review's "pontoon A" answered as "pontoon C")."""
    if not changes:
        return []
    lines = [f"Values of {md_cell(name)} not as said (right for a synonym or a typo of a known value, wrong for "
             "another value: check them):"]  # fmt: skip
    lines += [f"- {md_cell(row['span'])} ({row['label']}) as {md_cell(row['value'])}, in: {md_cell(row['text'])}"
              for row in changes[:DETAIL_ROWS]]  # fmt: skip
    more = len(changes) - DETAIL_ROWS
    return [*lines, *([f"- ... and {more} more in {ERRORS_FILE}"] if more > 0 else []), ""]


def entity_error_lines(name: str, errors: list[dict[str, Any]]) -> list[str]:
    """The first :data:`DETAIL_ROWS` texts with entity errors: missed, spurious and wrongly labelled spans."""
    if not errors:
        return []
    shown = (
        f"first {DETAIL_ROWS} of {len(errors)} texts; all in {ERRORS_FILE}"
        if len(errors) > DETAIL_ROWS
        else (f"{plural(len(errors), 'text')}, also in {ERRORS_FILE}")
    )
    lines = [f"Entity errors of {md_cell(name)} ({shown}):"]
    for row in errors[:DETAIL_ROWS]:
        said = [f"missed {md_cell(span['text'])} ({span['label']})" for span in row["missed"]]
        said += [f"spurious {md_cell(span['text'])} ({span['label']})" for span in row["spurious"]]
        said += [f"{md_cell(span['text'])} as {span['predicted_label']}, not {span['gold_label']}"
                 for span in row["wrong_label"]]  # fmt: skip
        lines.append(f"- {md_cell(row['text'])}: {'; '.join(said)}")
    return [*lines, ""]


def report_files(result: LanguageEvaluationResult) -> dict[str, bytes | str | list[dict[str, Any]]]:
    """``errors.jsonl`` (misclassified examples and entity errors) and, per model with intents,
    ``confusion_model<N>.png`` and ``threshold_model<N>.png``."""
    files: dict[str, bytes | str | list[dict[str, Any]]] = {}
    rows = []
    for index, scores in enumerate(result.models, start=1):
        if scores.intents is not None:
            confusion = scores.intents["confusion"]
            files[f"confusion_model{index}.png"] = plot_confusion_matrix(confusion["labels"], confusion["matrix"])
            files[f"threshold_model{index}.png"] = plot_threshold_curve(scores.intents["threshold_curve"])
            rows += [{"model": scores.name, "type": "intent", **row} for row in scores.intents["misclassified"]]
        if scores.entities is not None:
            rows += [{"model": scores.name, "type": "entities", **row} for row in scores.entities["errors"]]
            rows += [{"model": scores.name, "type": "value", **row} for row in scores.entities.get("value_changes", [])]
    files[ERRORS_FILE] = rows
    return files
