"""`tunefork monitor ...`: re-test deployed endpoints on a schedule and alert on regressions (issue 14)."""

from __future__ import annotations

from pathlib import Path

import typer

from tunefork.cli.common import (
    PlainTable,
    console,
    plain,
    print_json,
    print_verbatim,
    progress_bar,
    when,
    workspace_from,
)
from tunefork.errors import TuneforkError
from tunefork.wording import plural
from tunefork.workflows import monitors
from tunefork.workflows.evaluation import read_terms
from tunefork.workflows.monitor_probe import METRICS

app = typer.Typer(help="Re-test deployed endpoints on a schedule; runs, thresholds and alerts.", no_args_is_help=True)

MonitorArgument = typer.Argument(..., help="Monitor name or id.")
ProjectOption = typer.Option(None, "--project", help="Narrow an ambiguous name.")


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


@app.command("create")
def create(
    ctx: typer.Context,
    endpoint: str = typer.Argument(..., help="Endpoint name or id."),
    dataset: str = typer.Option(..., "--dataset", help="Held-out test dataset of the endpoint's project."),
    schedule: str = typer.Option(..., "--schedule", help='Cron schedule in UTC, e.g. "*/30 * * * *".'),
    metric: str = typer.Option(..., "--metric", help=f"One of: {', '.join(METRICS)}."),
    key: str = typer.Option(
        ..., "--key", envvar="TUNEFORK_ENDPOINT_KEY", help="key1 or key2 of the endpoint (runs send it)."
    ),
    max_value: float | None = typer.Option(None, "--max", help="Fail above this (wer, latency_p95)."),
    min_value: float | None = typer.Option(None, "--min", help="Fail below this (recall, accuracy, F1)."),
    max_regression: float | None = typer.Option(
        None, "--max-regression", min=0, help="Fail when worse than the baseline run by more points (latency: %)."
    ),
    retries: int = typer.Option(0, "--retries", min=0, max=10, help="Attempts added when a run does not pass."),
    after_failures: int = typer.Option(1, "--after-failures", min=1, help="Failing runs in a row before an alert."),
    exclude: list[str] = typer.Option([], "--exclude", help='Maintenance window, e.g. "Sat 00:00-06:00" (UTC).'),
    terms: Path | None = typer.Option(
        None,
        "--terms",
        help="File of terms (one a line) whose recall is measured (speech; default: the display "
        "forms of the pronunciations the endpoint's model was trained on, as `evaluate` does).",
    ),
    webhook: str = typer.Option("", "--webhook", help="URL that alerts and recoveries are POSTed to."),
    url: str | None = typer.Option(
        None, "--url", help="Server runs send to (default $TUNEFORK_URL or 127.0.0.1:8765)."
    ),
    name: str | None = typer.Option(None, "--name", help="Monitor name (default ENDPOINT-METRIC)."),
    retention_days: int = typer.Option(90, "--retention-days", min=1, max=3650, help="Days runs are kept."),
    project: str | None = ProjectOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Watch an endpoint: its test set is sent over HTTP on the schedule, the metric checked on each run."""
    created = monitors.create_monitor(
        workspace_from(ctx), endpoint, dataset, key, schedule, metric, name=name, project=project,
        max_value=max_value, min_value=min_value, max_regression=max_regression, retries=retries,
        after_failures=after_failures, exclude=exclude, terms=read_terms(terms) if terms else None,
        webhook_url=webhook, base_url=url, retention_days=retention_days,
    )  # fmt: skip
    if as_json:
        print_json(created)
        return
    console.print(
        f"Monitor [bold]{plain(created['name'])}[/] ({created['id']}) watches {plain(created['endpoint'])}: "
        f"{created['metric']} on {plain(created['dataset'])}, {plain(created['schedule'])} (UTC); "
        f"first run at {when(created['nextRunDateTime'])}.",
        soft_wrap=True,
    )
    if created["terms"] and terms is None:
        console.print(
            f"Term recall counts the {len(created['terms'])} domain term(s) of the endpoint's model's training data "
            "(kept with the monitor; give --terms FILE to choose others).",
            soft_wrap=True,
        )
    console.print("Runs are started by `tunefork serve` or `tunefork worker` (the job queue's periodic task).")


@app.command("update")
def update(
    ctx: typer.Context,
    monitor: str = MonitorArgument,
    schedule: str | None = typer.Option(None, "--schedule", help="New cron schedule in UTC."),
    key: str | None = typer.Option(None, "--key", help="The endpoint's key to send (after regenerate-key)."),
    max_value: float | None = typer.Option(None, "--max", help="Fail above this (wer, latency_p95)."),
    min_value: float | None = typer.Option(None, "--min", help="Fail below this (recall, accuracy, F1)."),
    max_regression: float | None = typer.Option(None, "--max-regression", min=0, help="Points worse than baseline."),
    retries: int | None = typer.Option(None, "--retries", min=0, max=10, help="Attempts added to a failing run."),
    after_failures: int | None = typer.Option(None, "--after-failures", min=1, help="Failing runs before an alert."),
    exclude: list[str] | None = typer.Option(None, "--exclude", help="Maintenance windows (replace the old ones)."),
    webhook: str | None = typer.Option(None, "--webhook", help='Alert URL ("" for none).'),
    url: str | None = typer.Option(None, "--url", help="Server runs send to."),
    retention_days: int | None = typer.Option(None, "--retention-days", min=1, max=3650, help="Days runs are kept."),
    project: str | None = ProjectOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Change a monitor's schedule, thresholds, key, alerts or retention, keeping its runs and baseline."""
    exclude = exclude or None  # not given
    changes = (schedule, key, max_value, min_value, max_regression, retries, after_failures, exclude, webhook, url,
               retention_days)  # fmt: skip
    if all(value is None for value in changes):
        raise TuneforkError("Nothing to change: give --schedule, --key, a threshold, --retries, --after-failures, "
                            "--exclude, --webhook, --url or --retention-days.")  # fmt: skip
    updated = monitors.update_monitor(
        workspace_from(ctx), monitor, project=project, schedule=schedule, key=key, max_value=max_value,
        min_value=min_value, max_regression=max_regression, retries=retries, after_failures=after_failures,
        exclude=exclude, webhook_url=webhook, base_url=url, retention_days=retention_days,
    )  # fmt: skip
    if as_json:
        print_json(updated)
        return
    print_verbatim(*_summary(monitors.show_monitor(workspace_from(ctx), updated["id"])))


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Option(None, "--project", help="Only this project's monitors."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List monitors with their state and last run."""
    rows = monitors.list_monitors(workspace_from(ctx), project)
    if as_json:
        print_json(rows)
        return
    table = PlainTable("name", "endpoint", "metric", "state", "last value", "next run", title="Monitors")
    for m in rows:
        state = "paused" if m["paused"] else m["state"]
        last = _value(m["lastRun"]["value"]) if m["lastRun"] else "-"
        table.add_row(
            m["name"], m["endpoint"], m["metric"], state, last, "-" if m["paused"] else when(m["nextRunDateTime"])
        )
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    monitor: str = MonitorArgument,
    project: str | None = ProjectOption,
    as_json: bool = typer.Option(False, "--json", help="Print the monitor, its recent runs and alerts as JSON."),
) -> None:
    """A monitor's settings and state, its recent runs and its alerts (never its key)."""
    shown = monitors.show_monitor(workspace_from(ctx), monitor, project)
    if as_json:
        print_json(shown)
        return
    print_verbatim(*_summary(shown))
    if shown["runs"]:
        console.print(_runs_table(shown["runs"], f"Recent runs of {shown['name']}"))
    if shown["alerts"]:
        table = PlainTable("when", "event", "delivery", "attempts", "reason", title="Alerts")
        for alert in shown["alerts"]:
            delivery = alert["status"] + (f" ({alert['lastError']})" if alert["lastError"] else "")
            reason = str(alert["payload"].get("reason") or "")
            table.add_row(when(alert["createdDateTime"]), alert["event"], delivery, str(alert["attempts"]), reason)
        console.print(table)


def _summary(shown: dict) -> list[str]:
    """A monitor in sentences: what it watches and against what, when it runs, its state."""
    limits = [f"max {shown['max']:g}" if shown["max"] is not None else "",
              f"min {shown['min']:g}" if shown["min"] is not None else ""]  # fmt: skip
    if shown["maxRegression"] is not None:
        unit = "%" if shown["metric"] == "latency_p95" else " points"
        baseline = f"run {shown['baselineRunId']}" if shown["baselineRunId"] else "the first measured run"
        limits.append(f"at most {shown['maxRegression']:g}{unit} worse than {baseline}")
    state = "paused" if shown["paused"] else shown["state"]
    if shown["consecutiveFailures"]:
        state += f", {plural(shown['consecutiveFailures'], 'run')} in a row not passing"
    excluded = f", except {'; '.join(shown['exclude'])}" if shown["exclude"] else ""
    next_run = "none while paused" if shown["paused"] else when(shown["nextRunDateTime"])
    retried = f"tried again {plural(shown['retries'], 'time')}" if shown["retries"] else "not tried again"
    lines = [
        f"Monitor {shown['name']} ({shown['id']}) of project {shown['project']} watches endpoint "
        f"{shown['endpoint']}{'' if shown['endpointId'] else ' (deleted)'}: {shown['metric']} on dataset "
        f"{shown['dataset']}{'' if shown['datasetId'] else ' (deleted)'}, {', '.join(x for x in limits if x)}.",
        f"State: {state}.",
        f"Schedule: {shown['schedule']} (UTC){excluded}; next run {next_run}.",
        f"A run not passing is {retried}; an alert after "
        f"{plural(shown['afterFailures'], 'failing run')} in a row, to {shown['webhookUrl'] or 'no webhook'}; "
        f"runs kept {shown['retentionDays']} days; sent to {shown['baseUrl']}.",
    ]
    if shown["terms"]:
        more = ", ..." if len(shown["terms"]) > 10 else ""
        listed = ", ".join(shown["terms"][:10]) + more
        lines.append(f"Term recall counts {plural(len(shown['terms']), 'term')}: {listed}.")
    return lines


@app.command("runs")
def runs(
    ctx: typer.Context,
    monitor: str = MonitorArgument,
    top: int = typer.Option(20, "--top", min=1, help="How many (newest first)."),
    project: str | None = ProjectOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A monitor's runs, newest first: outcome, value, p95 latency and the model that answered."""
    rows = monitors.list_runs(workspace_from(ctx), monitor, top, project)
    if as_json:
        print_json(rows)
        return
    console.print(_runs_table(rows, "Runs"))


def _runs_table(rows: list[dict], title: str) -> PlainTable:
    """Runs, newest first: when, outcome, value, p95 latency, the model that answered, the error."""
    table = PlainTable("scheduled", "outcome", "value", "p95 s", "model", "error", "id", title=title)
    for r in rows:
        table.add_row(
            when(r["scheduledDateTime"]), r["outcome"] or r["status"], _value(r["value"]),
            _value(r["metrics"].get("latency_p95")), r["model"], r["error"], r["id"],
        )  # fmt: skip
    return table


@app.command("pause")
def pause(ctx: typer.Context, monitor: str = MonitorArgument, project: str | None = ProjectOption) -> None:
    """Stop scheduled runs."""
    paused = monitors.set_paused(workspace_from(ctx), monitor, True, project)
    console.print(f"Paused monitor {plain(paused['name'])}.")


@app.command("resume")
def resume(ctx: typer.Context, monitor: str = MonitorArgument, project: str | None = ProjectOption) -> None:
    """Run on schedule again from the next slot (missed slots are not run)."""
    resumed = monitors.set_paused(workspace_from(ctx), monitor, False, project)
    console.print(f"Resumed monitor {plain(resumed['name'])}; next run at {when(resumed['nextRunDateTime'])}.")


@app.command("delete")
def delete(
    ctx: typer.Context,
    monitor: str = MonitorArgument,
    project: str | None = ProjectOption,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (when it has runs)."),
) -> None:
    """Delete a monitor with its runs and alerts, after a confirmation when it has runs."""
    workspace = workspace_from(ctx)
    runs = monitors.count_runs(workspace, monitor, project)
    if runs and not yes:  # its run history went at once, unasked (a review)
        typer.confirm(f"Delete monitor {monitor} with its {plural(runs, 'run')} and alerts?", abort=True)
    monitors.delete_monitor(workspace, monitor, project)
    console.print(f"Deleted monitor {plain(monitor)}.")


@app.command("baseline")
def baseline(
    ctx: typer.Context,
    monitor: str = MonitorArgument,
    run: str = typer.Argument(..., help="Id of a measured run of this monitor."),
    project: str | None = ProjectOption,
) -> None:
    """Measure regressions from this run instead of the first one."""
    pinned = monitors.pin_baseline(workspace_from(ctx), monitor, run, project)
    console.print(f"Monitor {plain(pinned['name'])} now measures regressions from run {run}.")


@app.command("run-now")
def run_now(
    ctx: typer.Context,
    monitor: str = MonitorArgument,
    project: str | None = ProjectOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Run the monitor here and now (the server must be up: the test set is sent to it over HTTP)."""
    with progress_bar("monitor run") as progress:
        run = monitors.run_now(workspace_from(ctx), monitor, project, progress)
    if as_json:
        print_json(run)
    else:
        figures = ", ".join(f"{k} {_value(v)}" for k, v in run["metrics"].items() if k != "unanswered")
        console.print(f"Run {run['id']}: {run['outcome']} ({figures or 'nothing measured'}).", soft_wrap=True)
        if run["error"]:
            console.print(plain(run["error"]), soft_wrap=True, highlight=False)
    if run["outcome"] != "pass":
        raise typer.Exit(1)
