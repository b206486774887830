"""`tunefork model ...`: list base models, train custom models, list, show and delete them."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import typer

from tunefork.cli.common import (
    PlainTable,
    console,
    err_console,
    plain,
    print_json,
    print_result,
    print_verbatim,
    print_warnings,
    progress_bar,
    when,
    workspace_from,
)
from tunefork.errors import TuneforkError
from tunefork.evaluation.result import EvaluationResult
from tunefork.kinds import ProjectKind, project_kinds
from tunefork.language.options import INTENT_CLASSIFIERS, SLOT_TAGGER_CHOICES
from tunefork.wording import plural
from tunefork.workflows import datasets, evaluation, projects, training
from tunefork.workflows.evaluation import read_terms
from tunefork.workflows.models import base_model_list
from tunefork.workspace import Workspace

app = typer.Typer(help="List base models; train, list, show and delete custom models.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Argument(None, help="Project whose custom models to list."),
    base: bool = typer.Option(False, "--base", help="List the baseline models instead."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List baseline models (--base) or the custom models of a project."""
    if base:
        rows = base_model_list()
        if as_json:
            print_json(rows)
            return
        table = PlainTable("name", "engine", "bundled", "source", "description", title="Base models")
        for m in rows:
            table.add_row(m["name"], m["engine"], "yes" if m["bundled"] else "download", m["source"], m["description"])
        console.print(table)
        return
    if project is None:
        raise TuneforkError("Name a project, or pass --base to list the baseline models.")
    rows = training.list_models(workspace_from(ctx), project)
    if as_json:
        print_json(rows)
        return
    kind = projects.kind_of(workspace_from(ctx), project)
    table = PlainTable("name", "base", "status", "test set", "datasets", "created", "id",
                       title=f"Custom models of {project}")  # fmt: skip
    for m in rows:
        status = m["status"] + (f" ({m['error']})" if m["error"] else "")
        table.add_row(m["name"], m["baseModel"], status, _test_figure(kind, m), str(len(m["datasets"])),
                      when(m["createdDateTime"]), m["id"])  # fmt: skip
    console.print(table)


def _test_figure(kind: ProjectKind, model: dict[str, Any]) -> str:
    """The model's headline figure on its training's test set (``intent accuracy 92.9%``, ``WER 10.8%``), or
    ``-``: a week-by-week table needs it beside each model (a review)."""
    stored = (model.get("metrics") or {}).get("test") or {}
    if not stored.get("models"):
        return "-"
    figure = kind.family.result_from_json(stored).headline()
    value = figure.values[-1]
    return "-" if value is None else f"{figure.metric} {100 * value:.1f}%"


@app.command("train")
def train(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name or id."),
    name: str = typer.Option(..., "--name", help="Name of the new model, unique in the project."),
    base: str | None = typer.Option(
        None,
        "--base",
        help="Base model (`tunefork model list --base`); default the project kind's: "
        + ", ".join(f"{k.default_base_model} ({k.name})" for k in project_kinds())
        + ".",
    ),
    datasets: list[str] = typer.Option(..., "--dataset", help="Training dataset (repeat for several kinds)."),
    test_dataset: str | None = typer.Option(
        None, "--test-dataset", help="Held-out dataset to evaluate on (acoustic; utterances or annotated-text; images)."
    ),
    custom_weight: int | None = typer.Option(
        None, "--custom-weight", min=0, max=100, help="Domain LM weight, % (sphinx; default 30)."
    ),
    epochs: int | None = typer.Option(
        None,
        "--epochs",
        min=1,
        max=1000,
        help="Fine-tuning epochs (whisper; the entity recognizer of language, entities).",
    ),
    rewrite_everyday_phrases: bool | None = typer.Option(
        None,
        "--rewrite-everyday-phrases/--no-rewrite-everyday-phrases",
        help="Write a pronunciation's display form wherever its spoken form is heard even when that form is everyday "
        "English (whisper; default off: such entries are hotwords only).",
    ),
    time_budget: float | None = typer.Option(
        None,
        "--time-budget",
        min=60,
        max=86400,
        help="Seconds a Whisper training may run; fine-tuning gets what the rest leaves (whisper; the default keeps a "
        "run under 10 minutes on 2 cores).",
    ),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Random seed of training (default 0)."),
    terms: Path | None = typer.Option(
        None, "--terms", help="Domain terms file for term recall on the test set (default: the display forms)."
    ),
    gate: bool = typer.Option(False, "--gate", help="Succeed only if the model beats its base without side effects."),
    guard_margin: float | None = typer.Option(
        None,
        "--guard-margin",
        help="General-WER loss on the guard set --gate allows, points (speech, with --gate only; default 1.0).",
    ),
    guard_check: bool | None = typer.Option(
        None,
        "--guard-check/--no-guard-check",
        help="Compare base and custom on general speech after training and warn on a loss (speech; default on).",
    ),
    intent_classifier: str | None = typer.Option(
        None, "--intent-classifier", help=f"Intent features: {', '.join(INTENT_CLASSIFIERS)} (language; default auto)."
    ),
    rehearsal: bool | None = typer.Option(
        None,
        "--rehearsal/--no-rehearsal",
        help="Keep the base entity labels while fine-tuning (default: on for entities, off for language projects).",
    ),
    oos_threshold: float | None = typer.Option(
        None, "--oos-threshold", min=0.0, max=1.0, help="Fixed out-of-scope confidence threshold (default: tuned)."
    ),
    slot_tagger: str | None = typer.Option(
        None,
        "--slot-tagger",
        help=f"Slot tagger: {', '.join(SLOT_TAGGER_CHOICES)} (language; default auto: picked on small data).",
    ),
    description: str = typer.Option("", "--description", help="Free text kept with the model."),
    as_json: bool = typer.Option(False, "--json", help="Print the model (with metrics) as JSON."),
) -> None:
    """Train a custom model from a base model and datasets; evaluate it against its base on --test-dataset.

    The options that apply depend on the project's kind; the others are refused with the kinds they apply to.
    """
    workspace = workspace_from(ctx)
    options = {
        "custom_weight": custom_weight, "epochs": epochs, "seed": seed, "intent_classifier": intent_classifier,
        "rehearsal": rehearsal, "oos_threshold": oos_threshold, "slot_tagger": slot_tagger,
        "rewrite_everyday_phrases": rewrite_everyday_phrases, "run_budget_s": time_budget,
    }  # fmt: skip
    term_list = read_terms(terms) if terms else None
    defaulted = base is None  # said once the request is accepted, not above a validation error
    created = training.create_model(
        workspace,
        project,
        name,
        base if base is not None else projects.kind_of(workspace, project).default_base_model,
        datasets,
        test_dataset,
        None,
        description,
        term_list,
        gate,
        guard_margin,
        options,
        guard_check,
    )
    if defaulted:
        err_console.print(
            f"Base model: {plain(created['baseModel'])} (the default; choose another with --base).", highlight=False
        )
    print_warnings(created["warnings"])  # before, not after, training (test overlap, data in two datasets...)
    err_console.print(f"Model {plain(created['name'])} ({created['id']}) is {created['status']}; training...")
    with workspace.inline_work("models", created["id"]), progress_bar(f"Training {name}") as progress:
        outcome = training.run_training(workspace, created["id"], progress)
    model = outcome.model
    print_warnings(w for w in outcome.warnings if w not in created["warnings"])  # each said once (a review)
    report = outcome.contributions.get("term_report") or {}
    if as_json:
        print_json({**model, "termReport": report} if report else model)
    else:
        if model["status"] == "Succeeded":
            passed = " It passed --gate against its base." if gate else ""
            console.print(f"Model [bold]{plain(model['name'])}[/] Succeeded (id {model['id']}).{passed}")
        else:
            console.print(
                f"[bold red]Model {plain(model['name'])} {model['status']}:[/] {plain(model['error'])}", highlight=False
            )
        print_training_details(outcome)
        if outcome.test_evaluation_id:  # where the test set's report.md, alignments and plots are (a review)
            report_dir = evaluation.evaluation_report_dir(workspace, outcome.test_evaluation_id)
            console.print(f"Report: {plain(str(report_dir))} (evaluation {outcome.test_evaluation_id})", soft_wrap=True)
    if model["status"] != "Succeeded":
        raise typer.Exit(1)


def print_training_details(outcome: training.TrainingOutcome) -> None:
    """After training: what it chose (intents, slots), the time budget it ran under (Whisper), the comparisons
    with the base (test set, guard set) and the per-term report."""
    _print_details(outcome.contributions, [outcome.test, outcome.guard])
    print_verbatim(*newly_wrong_lines(outcome.guard_check or {}))


def newly_wrong_lines(guard_check: dict[str, Any]) -> list[str]:
    """The side-effect check's general sentences that the base got right and the custom model gets wrong."""
    count = guard_check.get("newly_wrong")
    if not count:
        return []
    lines = [
        f"{count} of {guard_check['sentences']} general sentences the base model got right are wrong with this model:"
    ]
    return lines + [
        f"  {example['reference']!r} -> {example['custom']!r}"
        for example in guard_check.get("newly_wrong_examples", [])
    ]


def _print_details(contributions: dict[str, Any], results: list[EvaluationResult | None]) -> None:
    """What :func:`print_training_details` prints, from a training's contributions and comparisons."""
    print_verbatim(*choice_lines(contributions))
    budget = _part(contributions, "budget")
    if budget.get("summary"):
        print_verbatim(str(budget["summary"]))
    for result in results:
        if result is not None:
            print_result(result)
    _print_term_report(contributions.get("term_report") or {})


def choice_lines(contributions: dict[str, Any]) -> list[str]:
    """What a language, image or fine-tuned Whisper training chose, in the card's own figures (the studio's model
    page shows the same for language and images): the intent features and their cross-validated accuracies, the
    out-of-scope trade-off, the entity (slot) tagger and each label's checked F1; an image model's features and head
    and whether its backbone was fine-tuned; the decoding a fine-tuned Whisper model is served with. Empty for a card
    without them (other kinds' contributions have other shapes: a summary never fails a training that succeeded)."""
    try:
        language = _intent_choices(_part(contributions, "intents")) + _tagger_choice(_part(contributions, "entities"))
        speech = _decoding_choice(_part(_part(_part(contributions, "utterances"), "fine_tune"), "decoding"))
        return language + _image_choice(_part(contributions, "images")) + speech
    except (KeyError, TypeError, ValueError, AttributeError):
        return []


def _part(parent: Any, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _intent_choices(intents: dict[str, Any]) -> list[str]:
    if not intents.get("chosen"):
        return []
    chosen = intents["chosen"]
    scores = sorted(_part(intents, "cv_accuracy").items(), key=lambda item: (-item[1], item[0] != chosen))
    how = f"{intents['folds']}-fold cross-validation" if intents.get("folds") else "a held-out split"
    tied = len(scores) > 1 and scores[0][1] == scores[1][1]  # the chosen first among equals, and why it won
    tie = "; a tie at the top, broken by the lower held-out log-loss" if tied else ""
    measured = f", picked by {how} ({', '.join(f'{n} {v:.1%}' for n, v in scores)}{tie})" if scores else ""
    encoder = f" over {intents['encoder']}" if intents.get("encoder") else ""
    lines = [f"Intents: {intents['chosen']} classifier{encoder}{measured}."]
    if intents.get("intent_weights"):
        lines.append(f"Intent weights: {intents['intent_weights']}.")
    if intents.get("threshold_source"):
        lines.append(f"Out of scope: {intents['threshold_source']}.")
    return lines


def _tagger_choice(entities: dict[str, Any]) -> list[str]:
    if not entities.get("tagger"):
        return []
    check = _part(entities, "label_check")
    if check.get("skipped"):
        return [f"Entity tagger: {entities['tagger']}; labels not checked one by one ({check['skipped']})."]
    candidates = _part(check, "candidates")
    how = "the held-out split" if check.get("held_out") else "cross-validation"
    scores = ", ".join(f"{n} {v:.1%}" for n, v in candidates.items())
    measured = f", kept by {how} (F1 {scores})" if len(candidates) > 1 else ""
    labels = ", ".join(
        f"{n} {r['f1']:.1%} ({plural(r['examples'], 'example')})" for n, r in _part(check, "per_label").items()
    )
    measure = "held-out" if check.get("held_out") else "cross-validated"
    per_label = (
        f"; per label, {measure} F1 on the training data (the test set's is in evaluate): {labels}." if labels else "."
    )
    return [f"Entity tagger: {entities['tagger']}{measured}{per_label}"]


def _decoding_choice(decoding: dict[str, Any]) -> list[str]:
    chosen = _part(decoding, "chosen")
    if not chosen:
        return []
    line = f"Decoding: {_decoding_setting(chosen)}"
    tried = decoding.get("tried") or []
    if tried:
        errors = "; ".join(f"{_decoding_setting(t)}: {t['heldout_errors']}" for t in tried)
        return [
            f"{line}. Held-out word errors ({decoding['heldout_clips']} clips): {errors}. Rule: {decoding['rule']}.",
        ]
    return [f"{line} ({decoding.get('rule', 'no held-out clips')})."]


def _decoding_setting(setting: dict[str, Any]) -> str:
    """One decoding setting in words: the two-pass merge's sound check and phonetic correction."""
    merge = "term pass checked by sound" if setting["merge_check_sound"] else "term pass unchecked"
    return f"{merge}, phonetic correction {'on' if setting['phonetic_correction'] else 'off'}"


def _image_choice(images: dict[str, Any]) -> list[str]:
    if not images.get("feature_set"):
        return []
    cv = _part(images, "cross_validation")
    scores = sorted(_part(cv, "scores").items(), key=lambda item: -item[1])
    listed = ", ".join(f"{n} {v:.1%}" for n, v in scores)
    how = f"{cv.get('folds')}-fold cross-validation ({cv.get('metric', 'accuracy')}: {listed})"
    side = images["input_side"]
    line = f"Image head: {images['feature_set']} features, C={images['C']:g}, {side}x{side} input"
    line += f", picked by {how}." if scores else "."
    head = _part(images, "head")
    if head.get("chosen"):
        line += f" Backbone: {head['chosen']}" + (f", {head['reason']}." if head.get("reason") else ".")
    default = 0.5 if images.get("multi_label") else 0.0  # HeadConfig.threshold's, for a concept not tuned
    thresholds = {concept: value for concept, value in _part(images, "thresholds").items() if value != default}
    if images.get("fixed_threshold") is not None:  # the user's, for every concept (the tuned ones are not used)
        line += f" Below {images['fixed_threshold']:.2f} (--oos-threshold) no concept is decided."
    elif images.get("open_set") and thresholds:  # why an image came back "none of these" (an image review)
        shown = ", ".join(f"{concept} {value:.2f}" for concept, value in sorted(thresholds.items()))
        line += f" Below its threshold a concept is not decided: {shown} (the others {default:g})."
    return [line]


def _print_term_report(report: dict[str, Any]) -> None:
    """Which terms training improved: heard by the base / by the custom model in related-text sentences."""
    if not report.get("terms"):
        if report.get("skipped"):
            console.print(f"No per-term report: {plain(report['skipped'])}.", highlight=False)
        return
    counts = ", ".join(f"{count} {name}" for name, count in report["counts"].items())
    title = f"Terms in context: {counts}"
    table = PlainTable("term", "base heard", "custom hears", "verdict", title=title)
    both_heard = [row["term"] for row in report["terms"] if row["base_missed"] == row["custom_missed"] == 0]
    for row in report["terms"]:
        if row["term"] not in both_heard:
            heard = f"{1 - row['base_missed']:.0%}", f"{1 - row['custom_missed']:.0%}"
            table.add_row(row["term"], *heard, row["verdict"])
    if table.rows:
        console.print(table)
    else:
        console.print(title, highlight=False)
    if both_heard:
        console.print(f"Heard every time by both models: {', '.join(both_heard)}.", highlight=False)
    stopped = " (stopped by its time budget)" if report["stopped_by_budget"] else ""
    console.print(
        f"{report['sentences']} related-text sentences spoken by espeak-ng ({report['voice']}), transcribed by "
        f"the base and the custom model as served{stopped}; training material, not a held-out test.",
        highlight=False,
    )


@app.command("show")
def show(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Custom model name or id."),
    project: str | None = typer.Option(None, "--project", help="Narrow an ambiguous model name."),
    as_json: bool = typer.Option(
        False, "--json", help="Print the model.json card (base, engine, datasets by hash, parameters, metrics)."
    ),
) -> None:
    """A custom model in words: its status, base, training data and parameters, what training chose, how it
    compared with its base and its warnings, as `model train` printed them."""
    workspace = workspace_from(ctx)
    if as_json:
        print_json(training.model_card(workspace, model, project))
        return
    shown, card = training.show_model(workspace, model, project)
    status = shown["status"] + (f": {shown['error']}" if shown["error"] else "")
    lines = [
        f"Model [bold]{plain(shown['name'])}[/] ({shown['id']}) of project {plain(shown['project'])}: {plain(status)}.",
        f"Base {plain(shown['baseModel'])}, engine {plain(shown['engine'])}.",
        *([f"Description: {plain(shown['description'])}"] if shown["description"] else []),
    ]
    if card is not None:
        datasets = ", ".join(f"{plain(d['name'])} ({d['kind']})" for d in card["datasets"])
        lines.append(
            f"Trained on {datasets} in {card['training_seconds']:g} s, {when(card['created'])} "
            f"(tunefork {card['tunefork_version']})."
        )
        settings = _settings({**card["parameters"], **_test_dataset_name(workspace, card["parameters"])})
        lines += [f"Parameters: {plain(settings)}."] if settings else []
        if (card.get("gate") or {}).get("passed"):  # a failure is the model's error, on the first line
            lines.append("It passed --gate against its base.")
    elif shown["status"] in ("NotStarted", "Running"):
        lines.append("It has no model card yet: training has not finished.")
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
    if card is None:
        return
    kind = projects.kind_of(workspace, shown["projectId"])
    metrics = card.get("metrics") or {}
    stored = [metrics.get(name) or {} for name in ("test", "guard")]
    _print_details(card.get("contributions") or {}, [kind.family.result_from_json(r) if r.get("models") else None
                                                     for r in stored])  # fmt: skip
    for warning in card.get("warnings") or []:
        err_console.print(f"[bold red]WARNING:[/] {plain(warning)}", highlight=False)
    named = f"{shlex.quote(shown['name'])} --project {shlex.quote(shown['project'])}"
    print_verbatim(f"The whole card: tunefork model show {named} --json")


def _test_dataset_name(workspace: Workspace, parameters: dict[str, Any]) -> dict[str, str]:
    """``{"test_dataset": name}`` for the test dataset's id a card keeps ("deleted since" when it is gone); else
    empty."""
    dataset_id = parameters.get("test_dataset")
    if not dataset_id:
        return {}
    try:
        return {"test_dataset": datasets.show_dataset(workspace, dataset_id)["name"]}
    except TuneforkError:
        return {"test_dataset": "deleted since"}


def _settings(parameters: dict[str, Any]) -> str:
    """A card's parameters as ``seed 0, intent_classifier tfidf, gate off``: unset ones (an empty list too: no
    ``--terms`` given) left out, a list counted."""
    said = []
    for name, value in parameters.items():
        inner = _settings(value) if isinstance(value, dict) else ""
        if isinstance(value, dict):
            said += [inner] if inner else []
        elif isinstance(value, bool):
            said.append(f"{name} {'on' if value else 'off'}")
        elif isinstance(value, list):
            said += [f"{name}: {len(value)}"] if value else []
        elif value is not None:
            said.append(f"{name} {value}")
    return ", ".join(said)


@app.command("delete")
def delete(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Custom model name or id."),
    project: str | None = typer.Option(None, "--project", help="Narrow an ambiguous model name."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (when it trained to the end)."),
) -> None:
    """Delete a custom model and its files, after a confirmation when it trained to the end (refused while it trains
    or an endpoint serves it)."""
    workspace = workspace_from(ctx)
    trained = training.check_deletable_model(workspace, model, project)
    if trained and not yes:  # minutes of training went at once, unasked (a review)
        typer.confirm(f"Delete model {model} and its files (only a new training makes it again)?", abort=True)
    training.delete_model(workspace, model, project)
    console.print(f"Deleted model {plain(model)}.")
