"""`tunefork evaluate --language-model`: a voice app end to end, with each error blamed on speech or language."""

from __future__ import annotations

from tunefork.cli.common import console, plain, print_json, print_result, print_verbatim, progress_bar
from tunefork.errors import TuneforkError
from tunefork.evaluation.voice_result import VoiceEvaluationResult, describe_error, pair_name
from tunefork.workflows import voice_evaluation
from tunefork.workspace import Workspace

SHOWN_ERRORS = 10


def evaluate(
    workspace: Workspace,
    dataset: str | None,
    models: list[str],
    language_models: list[str],
    utterances: str | None,
    project: str | None,
    as_json: bool,
) -> None:
    """Run the end-to-end evaluation and print its table and first errors (or JSON)."""
    if dataset is None or utterances is None:
        raise TuneforkError("A voice evaluation needs --dataset (audio) and --utterances (their intents and slots).")
    with progress_bar("Evaluating the voice app") as progress:
        report = voice_evaluation.evaluate_voice(
            workspace, dataset, models, language_models, utterances, project, progress
        )
    if as_json:
        print_json(report)
        return
    print_result(VoiceEvaluationResult(report))
    for result in report["results"]:
        errors = result["errors"]
        if errors:
            first = f"the first {SHOWN_ERRORS} of {len(errors)}" if len(errors) > SHOWN_ERRORS else str(len(errors))
            console.print(f"Errors of {plain(pair_name(result))} ({first}; all of them in the report):",
                          highlight=False)  # fmt: skip
        print_verbatim(*("  " + describe_error(error) for error in errors[:SHOWN_ERRORS]))
    console.print(f"Report: {plain(report['reportDir'])}", soft_wrap=True, highlight=False)
