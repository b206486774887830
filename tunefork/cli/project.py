"""`tunefork project ...`: create, list, update and delete projects."""

from __future__ import annotations

import typer

from tunefork.cli.common import (
    PlainTable,
    console,
    plain,
    print_json,
    print_verbatim,
    print_warnings,
    when,
    workspace_from,
)
from tunefork.kinds import get_kind, kind_names, project_kinds
from tunefork.wording import plural
from tunefork.workflows import datasets, endpoints, monitors, projects, training

app = typer.Typer(help="Create, list, update and delete projects.", no_args_is_help=True)
ProjectArgument = typer.Argument(..., help="Project name or id.")


@app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Project name, unique in the workspace."),
    kind: str = typer.Option(
        kind_names()[0],
        "--kind",
        help="; ".join(f"{k.name}: {k.summary}" for k in project_kinds()) + ".",
    ),
    locale: str = typer.Option("en-US", "--locale", help="Locale of the data, e.g. en-US."),
    description: str = typer.Option("", "--description", help="Free text shown in listings."),
    as_json: bool = typer.Option(False, "--json", help="Print the project as JSON."),
) -> None:
    """Create a project."""
    project = projects.create_project(workspace_from(ctx), name, kind, locale, description)
    if as_json:
        print_json(project)
    else:
        first = get_kind(project["kind"]).upload_kinds[0]
        print_warnings(project["warnings"])
        console.print(f"Created {project['kind']} project [bold]{plain(project['name'])}[/] (id {project['id']}).")
        console.print(f"Next: tunefork dataset upload {plain(project['name'])} PATH --kind {first}", highlight=False)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the projects of the workspace."""
    rows = projects.list_projects(workspace_from(ctx))
    if as_json:
        print_json(rows)
        return
    table = PlainTable("name", "kind", "locale", "id", "created", "description", title="Projects")
    for p in rows:
        table.add_row(p["name"], p["kind"], p["locale"], p["id"], when(p["createdDateTime"]), p["description"])
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    project: str = ProjectArgument,
    as_json: bool = typer.Option(False, "--json", help="Print the project as JSON."),
) -> None:
    """A project with what it holds: its datasets, models, endpoints and monitors."""
    workspace = workspace_from(ctx)
    shown = projects.show_project(workspace, project)
    pid = shown["id"]
    contents = {
        "datasets": datasets.list_datasets(workspace, pid),
        "models": training.list_models(workspace, pid),
        "endpoints": endpoints.list_endpoints(workspace, pid),
        "monitors": monitors.list_monitors(workspace, pid),
        "voiceEndpointsElsewhere": endpoints.voice_endpoints_elsewhere(workspace, pid),
    }
    if as_json:
        print_json({**shown, **contents})
        return
    described = f', description "{shown["description"]}"' if shown["description"] else ""
    held = {
        "dataset": [f"{d['name']} ({d['kind']}, {d['status']})" for d in contents["datasets"]],
        "model": [f"{m['name']} ({m['status']})" for m in contents["models"]],
        "endpoint": [f"{e['name']} (serves {endpoints.served_models(e)})" for e in contents["endpoints"]],
        "monitor": [f"{m['name']} ({'paused' if m['paused'] else m['state']})" for m in contents["monitors"]],
    }
    elsewhere = [f"{e['name']} of project {e['project']} (parses with {e['languageModel']})"
                 for e in contents["voiceEndpointsElsewhere"]]  # fmt: skip
    lines = [
        f"Project {shown['name']} ({shown['id']}): {shown['kind']}, locale {shown['locale']}{described}; "
        f"created {when(shown['createdDateTime'])}.",
        *(f"{plural(len(names), noun).capitalize()}{': ' if names else ''}{', '.join(names)}"
          for noun, names in held.items()),
    ]  # fmt: skip
    if elsewhere:
        lines.append(f"Its models serve other projects' voice endpoints: {', '.join(elsewhere)}")
    if not held["dataset"]:
        first = get_kind(shown["kind"]).upload_kinds[0]
        lines.append(f"Next: tunefork dataset upload {shown['name']} PATH --kind {first}")
    print_verbatim(*lines)
    print_warnings(shown["warnings"])


@app.command("update")
def update(
    ctx: typer.Context,
    project: str = ProjectArgument,
    name: str | None = typer.Option(None, "--name", help="New name, unique in the workspace."),
    description: str | None = typer.Option(None, "--description", help="Free text shown in listings."),
    locale: str | None = typer.Option(None, "--locale", help="Locale of the data, e.g. en-US."),
    as_json: bool = typer.Option(False, "--json", help="Print the updated project as JSON."),
) -> None:
    """Rename a project or change its description or locale (its kind stays); prints what it now has."""
    updated = projects.update_project(workspace_from(ctx), project, name, description, locale)
    if as_json:
        print_json(updated)
        return
    described = f', description "{plain(updated["description"])}"' if updated["description"] else ""
    console.print(
        f"Updated {updated['kind']} project [bold]{plain(updated['name'])}[/] (id {updated['id']}): "
        f"locale {plain(updated['locale'])}{described}.",
        highlight=False,
        soft_wrap=True,
    )
    print_warnings(updated["warnings"])


@app.command("delete")
def delete(
    ctx: typer.Context,
    project: str = ProjectArgument,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a project with its datasets, models, evaluations and files.

    Refused while it has endpoints or monitors, or while work in it is running or queued.
    """
    workspace = workspace_from(ctx)
    shown = projects.show_project(workspace, project)
    projects.check_deletable(workspace, shown["id"])  # an endpoint or running work: refused before asking
    if not yes:
        typer.confirm(f"Delete project {shown['name']} and all its datasets, models and evaluations?", abort=True)
    deleted = projects.delete_project(workspace, shown["id"])
    counts = ", ".join(plural(count, noun.removesuffix("s")) for noun, count in deleted.items())
    console.print(f"Deleted project {plain(shown['name'])} ({counts}).")
