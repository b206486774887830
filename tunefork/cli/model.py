"""`tunefork model ...`: list base models and a project's custom models."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import select

from tunefork.cli.common import console, print_json, workspace_from
from tunefork.errors import TuneforkError
from tunefork.store.models import Model
from tunefork.store.repository import get_project
from tunefork.workflows.models import base_models

app = typer.Typer(help="List base and custom models.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Argument(None, help="Project whose custom models to list."),
    base: bool = typer.Option(False, "--base", help="List the baseline models instead."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List baseline models (--base) or the custom models of a project."""
    if base:
        rows = base_models()
        if as_json:
            print_json(rows)
            return
        table = Table("name", "engine", "bundled", "source", "description", title="Base models")
        for m in rows:
            table.add_row(m["name"], m["engine"], "yes" if m["bundled"] else "download", m["source"], m["description"])
        console.print(table)
        return
    if project is None:
        raise TuneforkError("Name a project, or pass --base to list the baseline models.")
    with workspace_from(ctx).session() as session:
        project_id = get_project(session, project).id
        models = session.scalars(select(Model).where(Model.project_id == project_id).order_by(Model.created_at))
        rows = [
            {"id": m.id, "name": m.name, "base": m.base_model, "status": m.status, "created": m.created_at.isoformat()}
            for m in models
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("name", "base", "status", "id", "created", title=f"Custom models of {project}")
    for m in rows:
        table.add_row(m["name"], m["base"], m["status"], m["id"], m["created"][:19])
    console.print(table)
