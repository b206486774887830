"""The hostile-input corpus through every interface: how many inputs are handled, at what peak memory.

Runs the corpus of ``tests/hostile/`` (the same code the test suite runs) through the CLI (forked
children with ``RLIMIT_AS``, each one's peak RSS), the REST API and the studio upload (a live
``tunefork serve``, its peak RSS), plus the audio sent to a speech endpoint, and prints a table:
tried, handled (no problem found by the corpus's judge), peak memory, slowest case, and every problem.

    .venv/bin/python bench/hostile.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "hostile"), str(ROOT / "tests")]

from hostile_corpus import RECOGNITION_LIMIT_SECONDS, build_corpus  # noqa: E402
from hostile_drive import (  # noqa: E402
    judge,
    project_name,
    recognize_all,
    rest_post,
    run_cli,
    run_uploads,
    server_peak_mb,
    sign_in,
    studio_post,
)
from service_fixtures import ADMIN_TOKEN, LiveServer, ServiceEnv  # noqa: E402


def _row(interface: str, cases: list, outcomes: list, home: Path, peak_mb: float) -> tuple[str, ...]:
    by_name = {case.name: case for case in cases}
    judged = [(o, judge(by_name[o.case], o, home)) for o in outcomes if o.case in by_name]
    handled = sum(not problems for _, problems in judged)
    slowest = max((o.seconds or 0.0 for o, _ in judged), default=0.0)
    for outcome, problems in judged:
        for problem in problems:
            print(f"  BAD {interface} {outcome.case}: {problem}", file=sys.stderr)
    return interface, str(len(judged)), str(handled), f"{peak_mb:.0f}", f"{slowest:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="Keep the corpus and workspaces in this folder.")
    args = parser.parse_args()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="tunefork-hostile-"))
    started = time.monotonic()
    cases, audio = build_corpus(scratch / "corpus")
    rows = []

    cli_home = scratch / "cli-home"
    cli = run_cli(cases, audio, cli_home, scratch)
    rows.append(
        _row("CLI (dataset upload, transcribe)", [*cases, *audio], cli, cli_home, max(o.peak_mb or 0 for o in cli))
    )

    env = ServiceEnv(scratch / "svc-home", "sqlite")
    server = LiveServer(env, scratch / "serve.log", TUNEFORK_MAX_RECOGNITION_SECONDS=str(RECOGNITION_LIMIT_SECONDS))
    try:
        client = server.client
        ids = {}
        for interface in ("rest", "studio"):
            for kind in ("speech", "language", "entities"):
                created = client.post("/projects", json={"name": project_name(kind, interface), "kind": kind}).json()
                ids[interface, kind] = created["id"]
        rest = run_uploads(cases, "rest", client, env.home, rest_post(client), {k: ids["rest", k] for _, k in ids})
        rows.append(_row("REST (POST /datasets)", cases, rest, env.home, server_peak_mb(server.popen.pid)))
        browser, csrf = sign_in(server.url, ADMIN_TOKEN)
        studio_ids = {k: ids["studio", k] for _, k in ids}
        studio = run_uploads(cases, "studio", client, env.home, studio_post(browser, csrf), studio_ids)
        rows.append(_row("studio (upload form)", cases, studio, env.home, server_peak_mb(server.popen.pid)))
        project = client.post("/projects", json={"name": "rec", "kind": "speech"}).json()
        endpoint = client.post("/endpoints", json={"project": project["id"], "name": "rec", "model": "sphinx-en-us"})
        url = f"/endpoints/{endpoint.json()['id']}/recognize"
        recognized = recognize_all(client, url, endpoint.json()["keys"]["key1"], audio)
        rows.append(_row("REST (POST /recognize)", audio, recognized, env.home, server_peak_mb(server.popen.pid)))
    finally:
        server.stop()
        env.cleanup()

    header = ("interface", "tried", "handled", "peak memory (MiB)", "slowest case (s)")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\n{len(cases)} upload cases and {len(audio)} audio cases; {time.monotonic() - started:.0f} s in all.")


if __name__ == "__main__":
    main()
