"""Entry point of the `tunefork` command."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from tunefork import __version__
from tunefork.cli import dataset, demo, doctor, endpoint, model, monitor, predict, project, service, speech
from tunefork.cli.common import FriendlyErrorGroup

app = typer.Typer(
    cls=FriendlyErrorGroup,
    help="tunefork: train custom speech, language and image models, measure the gain honestly, serve them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tunefork {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    home: Path | None = typer.Option(
        None, "--home", envvar="TUNEFORK_HOME", help="Workspace folder (default ~/.tunefork)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Pick the workspace; each command opens it on first use."""
    os.umask(0o077)  # everything tunefork writes (database, datasets, models, logs) is private to this user
    # tunefork prints its own progress; the model libraries' bars ("Loading weights: 100%|...") would leak raw
    # carriage returns into logs. Read when the libraries are first imported, which no command has done yet.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


app.add_typer(project.app, name="project")
app.add_typer(dataset.app, name="dataset")
app.add_typer(model.app, name="model")
app.command("transcribe")(speech.transcribe)
app.command("predict")(predict.predict)
app.command("evaluate")(speech.evaluate)
app.command("demo")(demo.demo)
app.add_typer(endpoint.app, name="endpoint")
app.add_typer(monitor.app, name="monitor")
app.add_typer(service.job_app, name="job")
app.command("serve")(service.serve)
app.command("worker")(service.worker)
app.command("doctor")(doctor.doctor)
