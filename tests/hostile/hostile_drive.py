"""Run the hostile corpus through the CLI, the REST API and the studio upload, and judge every answer.

- CLI: ``tunefork dataset upload`` (and ``tunefork transcribe`` for the recognition audio) in forked
  children of one warm process (:mod:`hostile_cli_child`), each with ``RLIMIT_AS`` and its own peak RSS;
- REST: ``POST /datasets`` to a live ``tunefork serve`` (and ``/recognize`` for the audio), jobs run by its
  in-process consumer; the server's peak RSS comes from ``/proc/<pid>/status`` (VmHWM);
- studio: the upload form's script request (``POST /studio/datasets``) with a signed-in session.

:func:`judge` turns a case and an :class:`Outcome` into the list of problems (empty: handled). The same
functions feed the tests (``test_hostile_corpus.py``) and the table of ``bench/hostile.py``.
PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from hostile_corpus import AudioCase, Case

HERE = Path(__file__).parent
PROJECT_KINDS = ("speech", "language", "entities")
PEAK_MB_BOUND = 1536
"""Peak RSS a CLI child may reach (its warm parent, with spaCy and scipy loaded, is included)."""
SERVER_PEAK_MB_BOUND = 2048
"""Peak RSS of the server over a whole interface run (a speech and a language model loaded)."""
SECONDS_BOUND = 60.0
"""Wall time of one case (generous: the CI machine's two cores are shared)."""
CPU_SECONDS_BOUND = 20.0
"""CPU time of one CLI case (load-independent)."""
TERMINAL = ("Succeeded", "Failed")


@dataclass
class Outcome:
    """What one interface answered to one case, and what it cost."""

    case: str
    interface: str
    status: str
    """``accepted``, ``refused``, or ``crashed`` (traceback, 5xx, unexpected exit)."""
    message: str = ""
    reasons: list[str] = field(default_factory=list)
    records: str = ""
    """The accepted manifest records as JSON (empty when refused)."""
    seconds: float | None = None
    cpu_seconds: float | None = None
    peak_mb: float | None = None
    leftovers: list[str] = field(default_factory=list)
    output: str = ""

    def text(self) -> str:
        """Everything the user was told."""
        return "\n".join([self.message, *self.reasons])


def project_name(kind: str, interface: str) -> str:
    return f"{interface}-{kind}"


def workspace_leftovers(home: Path) -> list[str]:
    """Scratch left in the workspace: files under ``.staging`` or ``uploads`` (owner files aside), and
    dataset folders that no dataset owns."""
    found = []
    for folder in (home / ".staging", home / "uploads"):
        if folder.exists():
            found += [str(p.relative_to(home)) for p in folder.rglob("*") if p.is_file() and p.suffix != ".owner"]
    from tunefork.store.models import Dataset
    from tunefork.workspace import Workspace

    ws = Workspace.open(home)
    try:
        with ws.session() as session:
            known = {dataset.id for dataset in session.query(Dataset).filter(Dataset.status == "Succeeded")}
    finally:
        ws.close()
    if ws.datasets_dir.exists():
        found += [f"datasets/{p.name}" for p in ws.datasets_dir.iterdir() if p.name not in known]
    return found


def _dataset_rows(home: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """``(project name, dataset name) -> dataset`` with its records, read straight from the workspace."""
    from tunefork.workflows import datasets
    from tunefork.workspace import Workspace

    ws = Workspace.open(home)
    try:
        rows = {}
        for kind in PROJECT_KINDS:
            for interface in ("cli", "rest", "studio"):
                project = project_name(kind, interface)
                try:
                    listed = datasets.list_datasets(ws, project)
                except Exception:
                    continue
                for row in listed:
                    if row["status"] == "Succeeded":
                        row["records"] = json.dumps(datasets.dataset_records(ws, row["id"]), ensure_ascii=False)
                    rows[project, row["name"]] = row
        return rows
    finally:
        ws.close()


def _reasons(row: dict[str, Any]) -> list[str]:
    return [str(issue.get("reason", "")) for issue in (row.get("rejections") or []) + (row.get("warnings") or [])]


# ---------------------------------------------------------------- CLI


def run_cli(cases: list[Case], audio: list[AudioCase], home: Path, scratch: Path) -> list[Outcome]:
    """Every case through ``tunefork dataset upload`` (audio through ``tunefork transcribe``)."""
    base = ["--home", str(home)]
    commands = [{"name": f"project-{k}", "args": [*base, "project", "create", project_name(k, "cli"), "--kind", k]}
                for k in PROJECT_KINDS]  # fmt: skip
    for case in cases:
        project = project_name(case.project_kind, "cli")
        args = [*base, "dataset", "upload", project, str(case.path), "--kind", case.kind, "--name", case.upload_name]
        commands.append({"name": case.name, "args": args})
    audio = [item for item in audio if item.cli]
    for item in audio:
        commands.append({"name": item.name, "args": [*base, "transcribe", "--model", "sphinx-en-us", str(item.path)]})
    for kind in PROJECT_KINDS:  # listing afterwards: names with markup once crashed every later `dataset list`
        commands.append({"name": f"list-{kind}", "args": [*base, "dataset", "list", project_name(kind, "cli")]})
    commands_file, results_file = scratch / "cli-commands.json", scratch / "cli-results.json"
    commands_file.write_text(json.dumps(commands))
    env = {**os.environ, "COLUMNS": "4000", "HF_HUB_OFFLINE": "1"}
    child = HERE / "hostile_cli_child.py"
    subprocess.run(
        [sys.executable, str(child), str(commands_file), str(results_file)], env=env, check=True, timeout=1800
    )
    results = {r["name"]: r for r in json.loads(results_file.read_text())}
    rows = _dataset_rows(home)
    outcomes = []
    for case in cases:
        result = results[case.name]
        outcome = _cli_outcome(case.name, result)
        row = rows.get((project_name(case.project_kind, "cli"), case.upload_name.strip()))
        if outcome.status == "accepted" and row is not None:
            outcome.reasons, outcome.records = _reasons(row), row.get("records", "")
        elif outcome.status == "accepted":
            outcome.status, outcome.message = "crashed", "exit 0 but no dataset was stored"
        outcome.leftovers = workspace_leftovers(home) if outcome.status == "refused" else []
        outcomes.append(outcome)
    for item in audio:
        outcomes.append(_cli_outcome(item.name, results[item.name]))
    for kind in PROJECT_KINDS:
        outcomes.append(_cli_outcome(f"list-{kind}", results[f"list-{kind}"]))
    return outcomes


def _cli_outcome(name: str, result: dict[str, Any]) -> Outcome:
    output = result["output"]
    if "Traceback (most recent call last)" in output or result["exit"] not in (0, 1):
        status = "crashed"
    else:
        status = "accepted" if result["exit"] == 0 else "refused"
    message = output[output.find("Error:") :] if status == "refused" else ""
    return Outcome(
        name, "cli", status, message=" ".join(message.split()), seconds=result["seconds"],
        cpu_seconds=result["cpu_seconds"], peak_mb=result["peak_mb"], output=output,
    )  # fmt: skip


# ---------------------------------------------------------------- REST and studio


def server_peak_mb(pid: int) -> float:
    """The peak RSS (VmHWM) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _answer(response: httpx.Response) -> tuple[str, str, list[str]]:
    """``(status, message, reasons)`` of an upload's immediate answer (5xx and non-JSON are crashes)."""
    if response.status_code >= 500:
        return "crashed", response.text[:500], []
    try:
        body = response.json()
    except ValueError:
        return "crashed", response.text[:500], []
    if response.status_code >= 400:
        details = [d.get("reason") or d.get("message", "") for d in body.get("details") or [] if isinstance(d, dict)]
        return "refused", str(body.get("message", "")), details
    return "submitted", "", []


def _wait(client: httpx.Client, dataset_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/datasets/{dataset_id}").json()
        if body["status"] in TERMINAL:
            return body
        time.sleep(0.2)
    raise AssertionError(f"dataset {dataset_id} still {body['status']} after {timeout} s")


def _job_seconds(client: httpx.Client, dataset: dict[str, Any]) -> float | None:
    jobs = client.get("/jobs", params={"top": 1000}).json().get("values", [])
    job = next((j for j in jobs if j.get("resourceId") == dataset["id"]), None)
    if not job or not job.get("startedDateTime") or not job.get("finishedDateTime"):
        return None
    started = job["startedDateTime"].replace("Z", "+00:00")
    finished = job["finishedDateTime"].replace("Z", "+00:00")
    from datetime import datetime

    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


def run_uploads(
    cases: list[Case], interface: str, client: httpx.Client, home: Path, post: Any, project_ids: dict[str, str]
) -> list[Outcome]:
    """Submit every case with ``post(case, project id) -> httpx.Response``, then wait for every import."""
    submitted: dict[str, tuple[str, float]] = {}
    outcomes: dict[str, Outcome] = {}
    for case in cases:
        started = time.monotonic()
        response = post(case, project_ids[case.project_kind])
        status, message, reasons = _answer(response)
        if status == "submitted":
            submitted[case.name] = (response.json()["id"], started)
        else:
            seconds = round(time.monotonic() - started, 3)
            outcome = Outcome(case.name, interface, status, message, reasons, seconds=seconds)
            outcome.output = response.text[:2000]
            outcomes[case.name] = outcome
    rows = {}
    for name, (dataset_id, _) in submitted.items():
        rows[name] = _wait(client, dataset_id)
    records = _dataset_rows(home)
    for case in cases:
        if case.name not in submitted:
            continue
        row = rows[case.name]
        status = "accepted" if row["status"] == "Succeeded" else "refused"
        outcome = Outcome(case.name, interface, status, str(row.get("error") or ""), _reasons(row))
        outcome.seconds = _job_seconds(client, row)
        if status == "accepted":
            outcome.records = records.get((project_name(case.project_kind, interface), row["name"]), {}).get(
                "records", ""
            )
        outcomes[case.name] = outcome
    leftovers = workspace_leftovers(home)
    for outcome in outcomes.values():
        if outcome.status == "refused":
            outcome.leftovers = leftovers
    return [outcomes[case.name] for case in cases]


def rest_post(client: httpx.Client):  # type: ignore[no-untyped-def]
    """The REST upload of one case: ``POST /datasets`` (multipart)."""

    def post(case: Case, project_id: str) -> httpx.Response:
        form = {"project": project_id, "kind": case.kind, "name": case.upload_name}
        with case.path.open("rb") as handle:
            return client.post("/datasets", data=form, files={"file": (case.path.name, handle)})

    return post


def sign_in(base_url: str, token: str) -> tuple[httpx.Client, str]:
    """A studio browser session: the signed cookie, and the CSRF token of its forms."""
    browser = httpx.Client(base_url=base_url, timeout=120, follow_redirects=True)
    page = browser.post("/studio/signin", data={"token": token, "next": "/studio/"})
    assert page.status_code == 200, page.text[:500]
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf, "no CSRF token on the studio page"
    return browser, csrf.group(1)


def studio_post(browser: httpx.Client, csrf: str):  # type: ignore[no-untyped-def]
    """The studio upload of one case: the upload form's script request (``POST /studio/datasets``)."""

    def post(case: Case, project_id: str) -> httpx.Response:
        form = {"csrf": csrf, "project": project_id, "kind": case.kind, "name": case.upload_name}
        with case.path.open("rb") as handle:
            return browser.post(
                "/studio/datasets",
                data=form,
                files={"file": (case.path.name, handle)},
                headers={"X-Requested-With": "XMLHttpRequest"},
            )

    return post


def recognize_all(client: httpx.Client, url: str, key: str, audio: list[AudioCase]) -> list[Outcome]:
    """Send each audio case to a speech endpoint."""
    outcomes = []
    for item in audio:
        started = time.monotonic()
        response = client.post(url, content=item.path.read_bytes(), headers={"X-Tunefork-Key": key,
                                                                            "Content-Type": "audio/wav"})  # fmt: skip
        seconds = round(time.monotonic() - started, 3)
        status = "crashed" if response.status_code >= 500 else "accepted" if response.status_code == 200 else "refused"
        message = response.json().get("message", "") if status == "refused" else ""
        outcome = Outcome(item.name, "rest", status, message, seconds=seconds, output=response.text[:2000])
        outcome.reasons = [f"HTTP {response.status_code}"]
        outcomes.append(outcome)
    return outcomes


# ---------------------------------------------------------------- judging


def judge(case: Case | AudioCase, outcome: Outcome, home: Path) -> list[str]:
    """What is wrong with ``outcome`` as an answer to ``case`` (nothing: the input was handled)."""
    problems = []
    if outcome.status == "crashed":
        return [f"crashed: {outcome.message or outcome.output[-800:]}"]
    text = outcome.text()
    if str(home) in text or "/.staging" in text or "/tmp/" in text:
        problems.append(f"a server path in the answer: {text[:300]}")
    if isinstance(case, AudioCase):
        expected = "accepted" if case.expect_status == 200 else "refused"
        if outcome.status != expected:
            problems.append(f"expected {expected}, got {outcome.status}: {text[:300]}")
        elif case.mention and case.mention.lower() not in text.lower():
            problems.append(f"the refusal does not mention {case.mention!r}: {text[:300]}")
        if outcome.interface == "rest" and f"HTTP {case.expect_status}" not in outcome.reasons:
            problems.append(f"expected HTTP {case.expect_status}, got {outcome.reasons}")
    else:
        problems += _judge_upload(case, outcome, text)
    if outcome.seconds is not None and outcome.seconds > SECONDS_BOUND:
        problems.append(f"took {outcome.seconds:.1f} s (bound {SECONDS_BOUND:g} s)")
    if outcome.cpu_seconds is not None and outcome.cpu_seconds > CPU_SECONDS_BOUND:
        problems.append(f"took {outcome.cpu_seconds:.1f} CPU s (bound {CPU_SECONDS_BOUND:g} s)")
    if outcome.peak_mb is not None and outcome.peak_mb > PEAK_MB_BOUND:
        problems.append(f"peak RSS {outcome.peak_mb:.0f} MiB (bound {PEAK_MB_BOUND} MiB)")
    return problems


def _judge_upload(case: Case, outcome: Outcome, text: str) -> list[str]:
    problems = []
    if case.expect == "refused":
        if outcome.status != "refused":
            problems.append(f"expected a refusal, got {outcome.status}")
        if outcome.leftovers:
            problems.append(f"left in the workspace after the refusal: {outcome.leftovers[:5]}")
    elif outcome.status != "accepted":
        problems.append(f"expected the good items to be kept, got {outcome.status}: {text[:300]}")
    else:
        missing = [item for item in case.keep if item not in outcome.records]
        if missing:
            problems.append(f"good items lost: {missing}")
    if case.mention and case.mention.lower() not in text.lower():
        problems.append(f"no message or reason mentions {case.mention!r}: {text[:300]}")
    if case.expect == "refused" and not outcome.message.strip():
        problems.append("refused without a message")
    return problems
