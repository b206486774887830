"""`tunefork endpoint ...`: deploy models, manage keys and logging, and use the request logs."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import typer

from tunefork.cli.answers import decision_cell, entities_cell, intent_cell
from tunefork.cli.common import (
    PlainTable,
    console,
    monitor_names,
    plain,
    print_json,
    print_verbatim,
    print_warnings,
    progress_bar,
    warn_about_monitors,
    when,
    workspace_from,
)
from tunefork.cli.dataset import print_imported
from tunefork.errors import TuneforkError
from tunefork.kinds import get_kind
from tunefork.kinds.voice import served_operation
from tunefork.store.models import utcnow
from tunefork.wording import plural
from tunefork.workflows import endpoint_logs, endpoints, monitors, projects

app = typer.Typer(help="Deploy models as endpoints with keys; logging and logs.", no_args_is_help=True)
logs_app = typer.Typer(help="List, download, export and delete an endpoint's request logs.", no_args_is_help=True)
app.add_typer(logs_app, name="logs")

ProjectOption = typer.Option(None, "--project", help="Narrow an ambiguous endpoint name.")
EndpointArgument = typer.Argument(..., help="Endpoint name or id.")


def _base_url(url: str | None) -> str:
    return (url or os.environ.get("TUNEFORK_URL") or "http://127.0.0.1:8765").rstrip("/")


def _url_source(url: str | None) -> str:
    """Where the printed URL's server comes from, when it is the default (an address --url gave at creation is not
    kept: a review's `endpoint show` printed the default one)."""
    if url or os.environ.get("TUNEFORK_URL"):
        return ""
    return " (the default server: give --url, or set TUNEFORK_URL, for another)"


def _served(endpoint: dict[str, Any]) -> str:
    """What an endpoint serves, for Rich markup: its model, then its language model if it has one."""
    return plain(endpoints.served_models(endpoint))


@app.command("create")
def create(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name or id."),
    model: str = typer.Option(..., "--model", help="Base model name or a Succeeded custom model (name or id)."),
    name: str = typer.Option(..., "--name", help="Endpoint name, unique in the project."),
    logging: bool = typer.Option(
        False, "--logging/--no-logging", help="Keep each request (audio, text, image) and its result."
    ),
    retention_days: int = typer.Option(30, "--retention-days", min=1, max=3650, help="Days logs are kept."),
    description: str = typer.Option("", "--description", help="Free text."),
    language_model: str | None = typer.Option(
        None, "--language-model", help="Voice endpoint: a language model that parses the transcripts (/understand)."
    ),
    url: str | None = typer.Option(None, "--url", help="Server URL (default $TUNEFORK_URL or 127.0.0.1:8765)."),
    as_json: bool = typer.Option(False, "--json", help="Print the endpoint (keys included) as JSON."),
) -> None:
    """Deploy a model; prints its URL and the two keys, shown once.

    The URL ends in /recognize (speech), /parse (language, entities), /classify (image) or, with --language-model,
    /understand; its server is --url, else $TUNEFORK_URL, else http://127.0.0.1:8765.
    """
    workspace = workspace_from(ctx)
    created = endpoints.create_endpoint(
        workspace, project, name, model, description, logging, retention_days, language_model_ref=language_model
    )
    kind = get_kind(projects.show_project(workspace, created["projectId"])["kind"])
    operation = served_operation(kind.family.operation, created["languageModel"])
    call_url = f"{_base_url(url)}/endpoints/{created['id']}/{operation.name}"
    print_warnings(filter(None, [endpoints.download_warning(created)]))
    if as_json:
        print_json({**created, "url": call_url, "recognitionUrl": call_url})
        return
    console.print(f"Endpoint [bold]{plain(created['name'])}[/] ({created['id']}) serves {_served(created)}.")
    console.print(f"{operation.name} URL: {call_url}", soft_wrap=True, highlight=False)
    console.print(f"key1: {created['keys']['key1']}", highlight=False, soft_wrap=True)
    console.print(f"key2: {created['keys']['key2']}", highlight=False, soft_wrap=True)
    console.print("The keys are shown once (only their hashes are stored). Example:", highlight=False)
    sample = endpoints.request_sample(workspace, kind, created["modelId"])
    example = operation.sample_code(call_url, "<key1>", sample)["curl"]
    print_verbatim(example)
    state = f"on, kept {plural(retention_days, 'day')}" if logging else "off"
    console.print(f"logging: {state}")


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Argument(None, help="Project name or id (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List endpoints."""
    rows = endpoints.list_endpoints(workspace_from(ctx), project)
    if as_json:
        print_json(rows)
        return
    table = PlainTable("name", "project", "model", "logging", "retention", "id", title="Endpoints")
    for e in rows:
        logging = "on" if e["loggingEnabled"] else "off"
        table.add_row(e["name"], e["project"], endpoints.served_models(e), logging, f"{e['retentionDays']} d", e["id"])
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    endpoint: str = EndpointArgument,
    project: str | None = ProjectOption,
    url: str | None = typer.Option(None, "--url", help="Server URL (default $TUNEFORK_URL or 127.0.0.1:8765)."),
    as_json: bool = typer.Option(False, "--json", help="Print the endpoint as JSON (never its keys)."),
) -> None:
    """What an endpoint serves, its URL, logging and logged requests (never its keys)."""
    shown = endpoints.show_endpoint(workspace_from(ctx), endpoint, project)
    if as_json:
        print_json(shown)
        return
    operation = shown["operation"]
    state = f"on, kept {plural(shown['retentionDays'], 'day')}" if shown["loggingEnabled"] else "off"
    lines = [
        f"Endpoint [bold]{plain(shown['name'])}[/] ({shown['id']}) of project {plain(shown['project'])} serves "
        f"{_served(shown)}.",
        f"{operation} URL: {_base_url(url)}/endpoints/{shown['id']}/{operation}{_url_source(url)}",
        f"Logging: {state}; {plural(shown['loggedRequests'], 'logged request')}.",
        *([f"Description: {plain(shown['description'])}"] if shown["description"] else []),
        f"Created {when(shown['createdDateTime'])}, last changed {when(shown['lastActionDateTime'])}.",
    ]
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)


@app.command("update")
def update(
    ctx: typer.Context,
    endpoint: str = EndpointArgument,
    logging: bool | None = typer.Option(None, "--logging/--no-logging", help="Switch request logging."),
    retention_days: int | None = typer.Option(None, "--retention-days", min=1, max=3650, help="Days logs are kept."),
    model: str | None = typer.Option(None, "--model", help="Deploy another model on this endpoint."),
    language_model: str | None = typer.Option(
        None, "--language-model", help="Parse a speech endpoint's transcripts with this model (a voice endpoint)."
    ),
    description: str | None = typer.Option(None, "--description", help="Free text."),
    project: str | None = ProjectOption,
    as_json: bool = typer.Option(False, "--json", help="Print the updated endpoint as JSON (never its keys)."),
) -> None:
    """Change logging, retention, description or the deployed models; prints what the endpoint now has."""
    if (logging, retention_days, model, language_model, description) == (None,) * 5:
        raise TuneforkError(
            "Nothing to change: give --model, --language-model, --logging/--no-logging, --retention-days or "
            "--description."
        )
    workspace = workspace_from(ctx)
    updated = endpoints.update_endpoint(
        workspace, endpoint, logging=logging, retention_days=retention_days,
        description=description, model_ref=model, project=project, language_model_ref=language_model,
    )  # fmt: skip
    if as_json:
        print_json(updated)
    else:
        state = f"on, kept {plural(updated['retentionDays'], 'day')}" if updated["loggingEnabled"] else "off"
        console.print(f"Updated endpoint [bold]{plain(updated['name'])}[/] ({updated['id']}): serves "
                      f"{_served(updated)}, logging {state}.", highlight=False, soft_wrap=True)  # fmt: skip
    if model is not None or language_model is not None:  # an intent monitor of a model deciding no intent
        print_warnings(monitors.blind_monitors(workspace, updated["id"]))


@app.command("regenerate-key")
def regenerate_key(
    ctx: typer.Context,
    endpoint: str = EndpointArgument,
    key: str = typer.Option(..., "--key", help="key1 or key2 (the other keeps working)."),
    project: str | None = ProjectOption,
) -> None:
    """Replace one key; prints the new key once (and names the monitors that sent the old one)."""
    workspace = workspace_from(ctx)
    users = monitors.key_users(workspace, endpoint, key, project)
    new = endpoints.regenerate_key(workspace, endpoint, key, project)
    for name, value in new.items():
        console.print(f"{name}: {plain(value)}", highlight=False)
    name = plain(users[0]) if len(users) == 1 else "NAME"
    warn_about_monitors(users, f"sent the old {key}: their runs are refused (401) until they send the new one "
                         f"(tunefork monitor update {name} --key <new {key}>, which keeps their runs).")  # fmt: skip


@app.command("delete")
def delete(
    ctx: typer.Context,
    endpoint: str = EndpointArgument,
    project: str | None = ProjectOption,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete an endpoint and its logs, after a confirmation; its keys stop working at once (monitors that watched it
    are paused)."""
    workspace = workspace_from(ctx)
    if not yes:  # its keys, its logged requests and its monitors' target went at once, unasked (a review)
        shown = endpoints.show_endpoint(workspace, endpoint, project)
        logs = f" with its {plural(shown['loggedRequests'], 'logged request')}" if shown["loggedRequests"] else ""
        watching = monitors.monitors_using(workspace, endpoint_id=shown["id"])
        paused = f"; monitor(s) {monitor_names(watching)} watching it are paused" if watching else ""
        typer.confirm(f"Delete endpoint {shown['name']}{logs} (its keys stop working at once{paused})?", abort=True)
    paused = endpoints.delete_endpoint(workspace, endpoint, project)
    console.print(f"Deleted endpoint {plain(endpoint)}.")
    warn_about_monitors(paused, "watched it: paused, with their runs kept; delete them (tunefork monitor delete) "
                         "or create new ones for another endpoint.")  # fmt: skip


@logs_app.command("list")
def logs_list(
    ctx: typer.Context,
    endpoint: str = EndpointArgument,
    top: int = typer.Option(50, "--top", min=1, help="How many (newest first)."),
    project: str | None = ProjectOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List logged requests, newest first."""
    workspace = workspace_from(ctx)
    rows = endpoint_logs.list_logs(workspace, endpoint, project, top=top)
    if as_json:
        print_json(rows)
        return
    if not rows:
        off = not endpoints.show_endpoint(workspace, endpoint, project)["loggingEnabled"]
        hint = f" Logging is off: turn it on with `tunefork endpoint update {endpoint} --logging`." if off else ""
        console.print(f"No logged requests for {plain(endpoint)}.{hint}", soft_wrap=True, highlight=False)
        return
    audio = any(log["duration"] for log in rows)  # text requests (/parse) have no duration
    texts = any(log["displayText"] for log in rows)  # images (/classify) have none
    intents = any((log.get("result") or {}).get("intent") for log in rows)  # null for entity-only models
    entities = any((log.get("result") or {}).get("entities") for log in rows)
    decisions = any("decision" in (log.get("result") or {}) for log in rows)  # image classifications
    headers = ["id", "when", *(["seconds"] if audio else []), *(["text"] if texts else [])]
    headers += [*(["intent"] if intents else []), *(["entities found"] if entities else [])]
    table = PlainTable(*headers, *(["decision"] if decisions else []), title=f"Logs of {endpoint}")
    for log in rows:
        result = log.get("result") or {}
        cells = [log["id"], when(log["createdDateTime"], seconds=True), *([f"{log['duration']:.1f}"] if audio else [])]
        cells += [*([log["displayText"]] if texts else []), *([intent_cell(result)] if intents else [])]
        cells += [entities_cell(result)] if entities else []
        table.add_row(*cells, *([decision_cell(result)] if decisions else []))
    console.print(table)


@logs_app.command("download")
def logs_download(
    ctx: typer.Context,
    endpoint: str = EndpointArgument,
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="Folder for logs.jsonl and WAVs + trans.txt (speech), utterances.yml (language), spans.jsonl "
        "(entities) or images/ + labels.csv (image).",
    ),
    project: str | None = ProjectOption,
) -> None:
    """Copy logged requests and results to a folder, to correct and upload again (speech: trans.txt, as acoustic)."""
    count = endpoint_logs.download_logs(workspace_from(ctx), endpoint, output, project)
    console.print(f"Wrote {count} logged request(s) to {plain(output)}", soft_wrap=True)


@logs_app.command("export")
def logs_export(
    ctx: typer.Context,
    endpoint: str = EndpointArgument,
    to_project: str = typer.Option(
        ..., "--to-project", "--to-dataset", help="Project that receives the new dataset (--to-dataset: the same)."
    ),
    name: str | None = typer.Option(None, "--name", help="Dataset name (default: <endpoint>-logs-<time>)."),
    project: str | None = ProjectOption,
) -> None:
    """Turn the logs into a dataset: language `utterances` and entities `annotated-text` to correct and train on,
    images to correct; speech `audio` to transcribe, correct and upload as `acoustic` (or `logs download`)."""
    with progress_bar("Importing the logs") as progress:
        dataset = endpoint_logs.export_logs(workspace_from(ctx), endpoint, to_project, name, project, progress)
    print_imported(dataset)


@logs_app.command("delete")
def logs_delete(
    ctx: typer.Context,
    endpoint: str = EndpointArgument,
    older_than_days: int | None = typer.Option(
        None, "--older-than-days", min=0, max=36500, help="Only logs older than this many days."
    ),
    project: str | None = ProjectOption,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (deleting them all)."),
) -> None:
    """Delete an endpoint's logs now (all, after a confirmation, or those older than N days)."""
    workspace = workspace_from(ctx)
    cutoff = utcnow() - timedelta(days=older_than_days) if older_than_days is not None else None
    if cutoff is None and not yes:  # every log at once, the retrain data with it (a review, as project delete asks)
        count = endpoint_logs.count_logs(workspace, endpoint, project)
        typer.confirm(f"Delete all {count} logged request(s) of endpoint {endpoint}?", abort=True)
    count = endpoint_logs.delete_logs(workspace, endpoint, cutoff, project)
    console.print(f"Deleted {count} logged request(s).")
