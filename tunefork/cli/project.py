"""`tunefork project ...`: create, list and show projects."""

from __future__ import annotations

import typer

from tunefork.cli.common import PlainTable, console, plain, print_json, workspace_from
from tunefork.kinds import get_kind, kind_names, project_kinds
from tunefork.workflows import projects

app = typer.Typer(help="Create and list projects.", no_args_is_help=True)


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
        table.add_row(p["name"], p["kind"], p["locale"], p["id"], p["createdDateTime"][:19], p["description"])
    console.print(table)
