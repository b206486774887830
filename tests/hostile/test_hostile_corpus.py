"""The hostile corpus (:mod:`hostile_corpus`) through the CLI, the REST API and the studio upload.

For every input: a clear error or per-item reason (never a traceback or a 500), no server path in the
answer, bounded memory and time, nothing left in the workspace after a refusal, and the good items of
the same upload kept. Plus what only a server has: recognition bodies, ``/parse`` with a catastrophic
regex, uploads without a token (answered before the body is sent), and concurrent uploads of one name.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hostile_corpus import RECOGNITION_LIMIT_SECONDS, AudioCase, Case, build_corpus, tone, wav_bytes
from hostile_drive import (
    SERVER_PEAK_MB_BOUND,
    Outcome,
    judge,
    project_name,
    recognize_all,
    rest_post,
    run_cli,
    run_uploads,
    server_peak_mb,
    sign_in,
    studio_post,
    workspace_leftovers,
)
from service_fixtures import ADMIN_TOKEN, LiveServer, ServiceEnv, tunefork_command

pytest_plugins = ["service_fixtures"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[list[Case], list[AudioCase]]:
    return build_corpus(tmp_path_factory.mktemp("hostile-corpus"))


def _problems(cases: list[Case | AudioCase], outcomes: list[Outcome], home: Path) -> list[str]:
    by_name = {case.name: case for case in cases}
    found = []
    for outcome in outcomes:
        if outcome.case in by_name:
            found += [f"{outcome.interface} {outcome.case}: {p}" for p in judge(by_name[outcome.case], outcome, home)]
        elif outcome.status == "crashed":
            found.append(f"{outcome.interface} {outcome.case}: crashed: {outcome.output[-800:]}")
    return found


def test_cli_handles_every_hostile_input(corpus, tmp_path: Path) -> None:
    cases, audio = corpus
    home = tmp_path / "home"
    outcomes = run_cli(cases, audio, home, tmp_path)
    assert len(outcomes) == len(cases) + sum(item.cli for item in audio) + 3
    problems = _problems([*cases, *audio], outcomes, home)
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    env = ServiceEnv(tmp_path_factory.mktemp("hostile-svc") / "home", "sqlite")
    limit = str(RECOGNITION_LIMIT_SECONDS)
    live = LiveServer(
        env, tmp_path_factory.mktemp("hostile-logs") / "serve.log", TUNEFORK_MAX_RECOGNITION_SECONDS=limit
    )
    live.home = env.home
    yield live
    live.stop()


def _projects(server: LiveServer, interface: str) -> dict[str, str]:
    ids = {}
    for kind in ("speech", "language", "entities"):
        created = server.client.post("/projects", json={"name": project_name(kind, interface), "kind": kind})
        assert created.status_code == 201, created.text
        ids[kind] = created.json()["id"]
    return ids


def test_rest_handles_every_hostile_input(server: LiveServer, corpus) -> None:
    cases, _ = corpus
    home = server.home
    outcomes = run_uploads(cases, "rest", server.client, home, rest_post(server.client), _projects(server, "rest"))
    problems = _problems(cases, outcomes, home)
    assert not problems, "\n".join(problems)
    assert server_peak_mb(server.popen.pid) < SERVER_PEAK_MB_BOUND


def test_studio_upload_handles_every_hostile_input(server: LiveServer, corpus) -> None:
    cases, _ = corpus
    home = server.home
    browser, csrf = sign_in(server.url, ADMIN_TOKEN)
    project_ids = _projects(server, "studio")
    outcomes = run_uploads(cases, "studio", server.client, home, studio_post(browser, csrf), project_ids)
    problems = _problems(cases, outcomes, home)
    assert not problems, "\n".join(problems)
    for project_id in project_ids.values():  # names with markup or control characters render as text
        page = browser.get(f"/studio/projects/{project_id}/data")
        assert page.status_code == 200 and str(home) not in page.text
    assert "evil[bold]name[red]" in browser.get(f"/studio/projects/{project_ids['speech']}/data").text


def test_recognition_refuses_hostile_audio_with_422(server: LiveServer, corpus) -> None:
    _, audio = corpus
    project = server.client.post("/projects", json={"name": "rec", "kind": "speech"}).json()
    created = server.client.post("/endpoints", json={"project": project["id"], "name": "rec", "model": "sphinx-en-us"})
    assert created.status_code == 201, created.text
    url, key = f"/endpoints/{created.json()['id']}/recognize", created.json()["keys"]["key1"]
    outcomes = recognize_all(server.client, url, key, audio)
    problems = _problems(audio, outcomes, server.home)
    assert not problems, "\n".join(problems)
    as_text = server.client.post(url, content=b"hello", headers={"X-Tunefork-Key": key, "Content-Type": "text/plain"})
    assert as_text.status_code == 415
    assert server_peak_mb(server.popen.pid) < SERVER_PEAK_MB_BOUND


RULES = (
    'version: "3.1"\nnlu:\n- regex: letters\n  examples: |\n    - (a+)+$\n- lookup: city\n  examples: |\n    - paris\n'
)


def test_parse_matches_a_catastrophic_regex_in_linear_time(server: LiveServer, tmp_path: Path) -> None:
    client = server.client
    project = client.post("/projects", json={"name": "regex-dos", "kind": "language"}).json()
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    with rules.open("rb") as handle:
        form = {"project": project["id"], "kind": "utterances", "name": "rules"}
        uploaded = client.post("/datasets", data=form, files={"file": ("rules.yml", handle)})
    assert server.wait_for(uploaded.json()["self"])["status"] == "Succeeded"
    trained = client.post(
        "/models",
        json={"project": project["id"], "name": "rules", "baseModel": "en-core-web-sm", "datasets": ["rules"]},
    )
    assert server.wait_for(trained.json()["self"])["status"] == "Succeeded"
    created = client.post("/endpoints", json={"project": project["id"], "name": "nlu", "model": "rules"}).json()
    url, key = f"/endpoints/{created['id']}/parse", created["keys"]["key1"]
    warm = client.post(url, json={"text": "fly to paris aaa"}, headers={"X-Tunefork-Key": key})
    assert warm.status_code == 200 and {e["label"] for e in warm.json()["entities"]} == {"city", "letters"}
    started = time.monotonic()
    attack = client.post(url, json={"text": "a" * 1999 + "b"}, headers={"X-Tunefork-Key": key})
    assert attack.status_code == 200 and time.monotonic() - started < 5  # Python's re needs hours for this
    plain = client.post(
        url, content=b'{"text": "paris"}', headers={"X-Tunefork-Key": key, "Content-Type": "text/plain"}
    )
    assert plain.status_code == 415 and "application/json" in plain.json()["message"]
    nested = b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    deep = client.post(url, content=nested, headers={"X-Tunefork-Key": key, "Content-Type": "application/json"})
    assert deep.status_code == 422


def _answer_before_body(url: str, path: str, headers: str = "") -> bytes:
    """Announce a 100 MB multipart body, send 64 KiB of it, and return what the server says meanwhile."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {100 * 2**20}\r\n{headers}\r\n"
        )
        sock.sendall(head.encode() + b"x" * 65536)
        sock.settimeout(10)
        return sock.recv(4096)  # a server waiting for the body would time out here


def test_uploads_without_a_token_are_answered_before_the_body_arrives(server: LiveServer) -> None:
    for path in ("/datasets", "/transcriptions/upload", "/studio/datasets"):
        answer = _answer_before_body(server.url, path)
        assert answer.startswith((b"HTTP/1.1 401", b"HTTP/1.1 303")), (path, answer[:200])
    wrong = _answer_before_body(server.url, "/datasets", "Authorization: Bearer wrong\r\n")
    assert wrong.startswith(b"HTTP/1.1 401")


def test_concurrent_uploads_of_one_name_get_one_dataset_and_409s(server: LiveServer, tmp_path: Path) -> None:
    project = server.client.post("/projects", json={"name": "race", "kind": "speech"}).json()
    text = tmp_path / "race.txt"
    text.write_text("refill my prescription please\n")
    statuses: list[int] = []
    bodies: list[str] = []
    barrier = threading.Barrier(6)

    def upload() -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60) as c:
            barrier.wait()
            with text.open("rb") as handle:
                form = {"project": project["id"], "kind": "language", "name": "same"}
                response = c.post("/datasets", data=form, files={"file": ("race.txt", handle)})
        statuses.append(response.status_code)
        bodies.append(response.text)

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [202] + [409] * 5, bodies
    assert all("INSERT" not in body and "already" in body for body, s in zip(bodies, statuses, strict=True) if s == 409)


def test_two_cli_imports_racing_for_one_name_give_one_dataset_and_a_clear_error(tmp_path: Path) -> None:
    home, upload = tmp_path / "home", tmp_path / "calls.zip"
    with zipfile.ZipFile(upload, "w") as archive:  # an import long enough for both to pass the name check
        for index in range(40):
            archive.writestr(f"c{index}.wav", wav_bytes(tone(2.0, rate=44100)))
        archive.writestr("trans.txt", "".join(f"c{index}.wav\thello {index}\n" for index in range(40)))
    cli = [*tunefork_command(), "--home", str(home)]
    env = {**os.environ, "COLUMNS": "4000"}
    subprocess.run([*cli, "project", "create", "race"], check=True, env=env, capture_output=True)
    racers = [
        subprocess.Popen([*cli, "dataset", "upload", "race", str(upload), "--kind", "acoustic", "--name", "same"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    results = [(racer.wait(timeout=600), racer.stdout.read() + racer.stderr.read()) for racer in racers]
    assert sorted(code for code, _ in results) == [0, 1], results
    loser = next(output for code, output in results if code == 1)
    assert "already" in loser and "Traceback" not in loser and "INSERT" not in loser
    assert workspace_leftovers(home) == []
