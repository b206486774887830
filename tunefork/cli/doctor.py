"""`tunefork doctor`: check the database, queue and storage settings and their connectivity."""

from __future__ import annotations

import typer

from tunefork.cli.common import console


def doctor(ctx: typer.Context) -> None:
    """Check the settings and that each service answers; print what is wrong (exit 1). Changes nothing.

    Reads TUNEFORK_DATABASE_URL, TUNEFORK_REDIS_URL, TUNEFORK_STORAGE_URL, TUNEFORK_ADMIN_TOKEN, the workspace and
    the job limits; a warning (not a failure) is worth fixing.
    """
    from tunefork.jobs.doctor import run_checks

    checks = run_checks(ctx.find_root().params.get("home"))
    for check in checks:
        mark = (
            "[red]FAIL[/red]" if not check.ok else "[yellow]warn[/yellow]" if check.warning else "[green]ok[/green]  "
        )
        console.print(f"{mark} {check.name}: {check.detail}", soft_wrap=True, highlight=False, markup=True)
    failed = [check.name for check in checks if not check.ok]
    warned = [check.name for check in checks if check.warning]
    warnings = f" {len(warned)} warning(s): {', '.join(warned)}." if warned else ""
    if failed:
        console.print(f"{len(failed)} problem(s): {', '.join(failed)}.{warnings}", highlight=False)
        raise typer.Exit(1)
    console.print(f"Everything answers.{warnings}", highlight=False)
