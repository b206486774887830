"""`tunefork serve`, `tunefork worker` and `tunefork job ...`: the REST API and background jobs."""

from __future__ import annotations

import errno
import logging
import os
import socket
from datetime import UTC, datetime

import typer

from tunefork.cli.common import PlainTable, console, err_console, print_json, print_verbatim, when, workspace_from
from tunefork.errors import TuneforkError
from tunefork.jobs.config import JobSettings
from tunefork.workflows import jobs

job_app = typer.Typer(help="List and show background jobs.", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=0, help="Job-consumer threads in this process (0: none)."),
    reset_admin_token: bool = typer.Option(False, "--reset-admin-token", help="Generate a new admin token."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the REST API (OpenAPI at /openapi.json, docs at /docs) and run background jobs in-process."""
    import uvicorn

    from tunefork.service.app import create_app
    from tunefork.service.auth import ensure_admin_token

    workspace = workspace_from(ctx)
    if reset_admin_token and os.environ.get("TUNEFORK_ADMIN_TOKEN"):
        raise TuneforkError("TUNEFORK_ADMIN_TOKEN is set and takes precedence; change it instead of resetting.")
    _check_port_free(host, port)  # before a token is generated and shown once for a server that cannot start
    token = ensure_admin_token(workspace, reset=reset_admin_token)
    if token:
        console.print(f"Admin token (shown once, only its hash is stored): {token}", highlight=False, soft_wrap=True)
    elif os.environ.get("TUNEFORK_ADMIN_TOKEN"):
        console.print("Admin token: the value of TUNEFORK_ADMIN_TOKEN.")
    else:
        console.print("Admin token: generated at the first start (use --reset-admin-token for a new one).")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(workspace, consumer_workers=workers)
    backend = app.state.queue.backend
    address = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    console.print(
        f"tunefork API on {address} (docs /docs); workspace {workspace.home}; "
        f"jobs: {backend} queue, {workers} consumer thread(s) here.",
        soft_wrap=True,
        highlight=False,
    )
    console.print(f"Studio: {address}/studio/ (sign in with the admin token)", soft_wrap=True, highlight=False)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def _check_port_free(host: str, port: int) -> None:
    """Raise a clear error when ``host:port`` cannot be listened on (another server holds it, or no such address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = (
                "is in use (another tunefork serve?)" if exc.errno == errno.EADDRINUSE else f"fails: {exc.strerror}"
            )
            raise TuneforkError(f"Listening on {host}:{port} {reason}; choose another --port or --host.") from None


def worker(
    ctx: typer.Context,
    threads: int = typer.Option(1, "--threads", min=1, help="Jobs run at once by this worker."),
) -> None:
    """Consume background jobs (several workers share a Redis queue: set TUNEFORK_REDIS_URL)."""
    from tunefork.jobs.queue import JobQueue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue = JobQueue(workspace_from(ctx))
    err_console.print(f"tunefork worker {queue.process_id}: {queue.backend} queue, {threads} thread(s).")
    queue.recover()
    try:
        queue.consumer(threads).run()
    finally:
        queue.release("the worker stopped while it ran")


def _job_status(given: str | None) -> str | None:
    """``--status`` as a job's status is spelled (``succeeded`` is ``Succeeded``); an unknown one is a usage error
    naming the statuses (it listed no job, as if none had that status)."""
    if given is None:
        return None
    found = next((status for status in jobs.STATUSES if status.lower() == given.strip().lower()), None)
    if found is None:
        raise typer.BadParameter(f"'{given}' is not a job status: give {', '.join(jobs.STATUSES)}.")
    return found


@job_app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None, "--status", callback=_job_status, help=f"Only jobs in this status: {', '.join(jobs.STATUSES)}."
    ),
    top: int = typer.Option(50, "--top", min=1, help="How many (newest first)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List background jobs, newest first."""
    rows = jobs.list_jobs(workspace_from(ctx), status=status, top=top)
    if as_json:
        print_json(rows)
        return
    table = PlainTable("id", "kind", "status", "progress", "attempts", "resource", "error", title="Jobs")
    for j in rows:
        table.add_row(
            j["id"], j["kind"], j["status"], f"{100 * j['progress']:.0f}%", f"{j['attempts']}/{j['maxAttempts']}",
            f"{j['resourceType']}/{j['resourceId']}", j["error"],
        )  # fmt: skip
    console.print(table)


@job_app.command("show")
def show(
    ctx: typer.Context,
    job_id: str = typer.Argument(..., help="Job id."),
    as_json: bool = typer.Option(False, "--json", help="Print the job as JSON."),
) -> None:
    """One job: what it works on, its status, progress, attempts and error."""
    job = jobs.show_job(workspace_from(ctx), job_id)
    if as_json:
        print_json(job)
        return
    step = f" ({job['message']})" if job["message"] else ""
    resource = f"{job['resourceType'].removesuffix('s')} {job['resourceId']}"  # datasets -> dataset
    lines = [
        f"Job {job['id']}: {job['kind']} of {resource}, {job['status']}, {100 * job['progress']:.0f}% done{step}.",
        f"Attempt {job['attempts']} of {job['maxAttempts']}"
        + (f", by worker {job['worker']}." if job["worker"] else "."),
        f"Created {when(job['createdDateTime'])}, started {when(job['startedDateTime'])}, "
        f"finished {when(job['finishedDateTime'])}.",
        *([f"Error: {job['error']}"] if job["error"] else []),
        *_stale(job),
    ]
    print_verbatim(*lines)


def _stale(job: dict) -> list[str]:
    """A line for a Running job whose heartbeat is older than its lease: its worker is gone (a server killed), and
    the job only said Running (an operations review read it as still training)."""
    if job["status"] != "Running" or not job["heartbeatDateTime"]:
        return []
    lease = JobSettings.from_env().lease_seconds
    beat = datetime.fromisoformat(job["heartbeatDateTime"])
    silent = (datetime.now(UTC) - (beat if beat.tzinfo else beat.replace(tzinfo=UTC))).total_seconds()
    if silent <= lease:
        return []
    return [f"No heartbeat for {silent:.0f} s (the lease is {lease:g} s): its worker is gone. The next `tunefork "
            "serve` or `tunefork worker` takes it back (another attempt, or Failed after the last)."]  # fmt: skip
