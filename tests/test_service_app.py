"""The app in-process (TestClient): body limits (413), saturation (503), the admin token, and Schemathesis."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tunefork.errors import TuneforkError
from tunefork.service.app import create_app
from tunefork.service.auth import ensure_admin_token, token_file
from tunefork.service.config import ServiceSettings
from tunefork.service.limits import Admission
from tunefork.workflows import endpoint_logs, endpoints, projects
from tunefork.workflows.datasets import upload_dataset
from tunefork.workspace import Workspace

TOKEN = "app-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(workspace: Workspace, monkeypatch) -> TestClient:
    """A TestClient over an app with small limits (no job consumer: jobs stay queued)."""
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    limits = ServiceSettings(
        max_upload_bytes=2000, max_recognition_bytes=1000, recognition_workers=1, recognition_queue=0
    )
    return TestClient(create_app(workspace, settings=limits))


def test_oversized_bodies_get_413(client: TestClient, workspace: Workspace) -> None:
    projects.create_project(workspace, "p", "speech")
    big = io.BytesIO(b"x" * 5000)
    form = {"project": "p", "kind": "language"}
    upload = client.post("/datasets", data=form, files={"file": ("a.txt", big)}, headers=AUTH)
    assert upload.status_code == 413 and upload.json()["code"] == "PayloadTooLarge"
    assert client.get("/datasets", params={"project": "p"}, headers=AUTH).json()["values"] == []

    key = endpoints.create_endpoint(workspace, "p", "e", "whisper-tiny.en")["keys"]["key1"]
    headers = {"X-Tunefork-Key": key, "Content-Type": "audio/wav"}

    def chunks():  # no Content-Length: the limit is enforced while the body streams in
        for _ in range(5):
            yield b"y" * 400

    streamed = client.post(f"/endpoints/{_endpoint_id(workspace)}/recognize", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert client.post("/projects", content=b"{" + b" " * 2_000_000 + b"}", headers=AUTH).status_code == 413


def _endpoint_id(workspace: Workspace) -> str:
    return endpoints.list_endpoints(workspace)[0]["id"]


def test_saturated_recognition_gets_503_with_retry_after(client: TestClient, workspace: Workspace) -> None:
    projects.create_project(workspace, "p", "speech")
    key = endpoints.create_endpoint(workspace, "p", "e", "whisper-tiny.en")["keys"]["key1"]
    admission = client.app.state.admission
    admission.in_flight = admission.capacity  # every slot taken
    busy = client.post(
        f"/endpoints/{_endpoint_id(workspace)}/recognize", content=b"RIFF", headers={"X-Tunefork-Key": key}
    )
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert busy.json()["message"].startswith("The server is busy")
    admission.in_flight = 0
    url = f"/endpoints/{_endpoint_id(workspace)}/recognize"
    refused = client.post(url, content=b"RIFF", headers={"X-Tunefork-Key": "no"})
    assert refused.status_code == 401 and admission.in_flight == 0
    assert endpoint_logs.list_logs(workspace, "e") == []
    # one endpoint's burst takes its share, not the server: another endpoint still gets in (a security review's
    # 40 requests to one endpoint made an idle one answer 503)
    other = endpoints.create_endpoint(workspace, "p", "other", "whisper-tiny.en")
    admission = client.app.state.admission = Admission(workers=2, queue=2)  # this client's 1 + 0 has no share
    admission.by_endpoint[_endpoint_id(workspace)] = admission.in_flight = admission.endpoint_places
    busy = client.post(url, content=b"RIFF", headers={"X-Tunefork-Key": key})
    assert busy.status_code == 503 and "its share of the server" in busy.json()["message"]
    answered = client.post(f"/endpoints/{other['id']}/recognize", content=b"RIFF",
                           headers={"X-Tunefork-Key": other["keys"]["key1"]})  # fmt: skip
    assert answered.status_code == 422  # admitted, and its body read: not audio


def test_a_request_whose_client_left_while_it_waited_is_not_run() -> None:
    """A security review's 40 abandoned requests were decoded for 3 more minutes after their clients had gone."""
    import anyio
    from starlette.requests import Request

    from tunefork.service.errors import ApiError

    async def gone() -> dict:
        return {"type": "http.disconnect"}

    ran: list[str] = []
    request = Request({"type": "http", "method": "POST", "path": "/", "headers": []}, gone)
    with pytest.raises(ApiError) as left:
        anyio.run(Admission(2, 2).run, request, "e", ran.append, "decoded")
    assert left.value.status_code == 499 and ran == []


def test_one_endpoints_share_is_never_below_what_it_may_run() -> None:
    """A code review: with 4 workers and a queue of 1, one endpoint was admitted 1 request, 3 workers idle."""
    for workers, queue in ((4, 0), (4, 1), (8, 2), (8, 32)):
        admission = Admission(workers, queue)
        assert admission.endpoint_places >= admission.endpoint_workers == max(1, workers - 1)
    admission = Admission(2, 2)
    admission.enter("e")
    admission.leave("e")
    assert admission.by_endpoint == {} and admission._limiters == {}  # nothing kept for an endpoint that went


def test_admin_token_is_generated_once_and_stored_hashed(workspace: Workspace, monkeypatch) -> None:
    monkeypatch.delenv("TUNEFORK_ADMIN_TOKEN", raising=False)
    token = ensure_admin_token(workspace)
    assert token and token not in token_file(workspace).read_text()
    assert ensure_admin_token(workspace) is None  # shown once
    client = TestClient(create_app(workspace))
    assert client.get("/projects", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/projects", headers={"Authorization": "Bearer other"}).status_code == 401
    new = ensure_admin_token(workspace, reset=True)  # `serve --reset-admin-token` in another process
    assert new != token
    # the running server takes the new token at once (it kept the old one until restarted: a leaked token lived on)
    assert client.get("/projects", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/projects", headers={"Authorization": f"Bearer {new}"}).status_code == 200


async def _post_counting_body_reads(app, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """POST to ``app`` (raw ASGI) with a 100 MB body announced; return (status, body chunks it pulled)."""
    pulled, sent = 0, []

    async def receive() -> dict:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": pulled < 1600}

    async def send(message: dict) -> None:
        sent.append(message)

    raw = [(k.lower().encode(), v.encode()) for k, v in {**headers, "content-length": str(65536 * 1600)}.items()]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": raw,
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    return next(m["status"] for m in sent if m["type"] == "http.response.start"), pulled


def test_uploads_without_a_token_are_refused_before_the_body_is_read(workspace: Workspace, monkeypatch) -> None:
    import anyio

    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    app = create_app(workspace, settings=ServiceSettings(max_upload_bytes=2**30))
    multipart = {"content-type": "multipart/form-data; boundary=x"}
    for path in ("/datasets", "/transcriptions/upload", "/projects", "/studio/datasets"):
        status, pulled = anyio.run(_post_counting_body_reads, app, path, multipart)
        assert status in (401, 303) and pulled == 0, (path, status, pulled)
    wrong = anyio.run(_post_counting_body_reads, app, "/datasets", {**multipart, "authorization": "Bearer nope"})
    assert wrong == (401, 0)
    xhr = anyio.run(
        _post_counting_body_reads, app, "/studio/datasets", {**multipart, "x-requested-with": "XMLHttpRequest"}
    )
    assert xhr == (401, 0)
    status, pulled = anyio.run(_post_counting_body_reads, app, "/datasets", {**multipart, **AUTH})
    assert pulled >= 1 and status == 400  # with the token the body is read (and refused as a bad form)


def test_studio_cookie_is_a_signed_session_shared_by_processes(
    workspace: Workspace, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    first = TestClient(create_app(workspace))
    signed_in = first.post("/studio/signin", data={"token": TOKEN, "next": "/studio/"}, follow_redirects=False)
    cookie = signed_in.cookies["tunefork_session"]
    assert TOKEN not in cookie and TOKEN not in signed_in.headers["set-cookie"]
    monkeypatch.setenv("TUNEFORK_DATABASE_URL", workspace.settings.database_url)
    elsewhere = Workspace.open(tmp_path / "another-machine")  # its own folder, the same database
    second = TestClient(create_app(elsewhere))
    second.cookies.set("tunefork_session", cookie)
    assert second.get("/studio/", follow_redirects=False).status_code == 200
    session_id, expires, signature = cookie.split(".")
    second.cookies.set("tunefork_session", f"{session_id}.{int(expires) + 3600}.{signature}")
    assert second.get("/studio/", follow_redirects=False).status_code == 303  # a changed expiry breaks the seal
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", "a-new-token")
    third = TestClient(create_app(workspace))
    third.cookies.set("tunefork_session", cookie)
    assert third.get("/studio/", follow_redirects=False).status_code == 303  # a new admin token ends sessions
    assert not list(workspace.home.glob("studio-session*"))  # the key is in the database, not a folder
    elsewhere.close()


def test_errors_never_show_server_paths_or_an_exceptions_text(workspace: Workspace, monkeypatch) -> None:
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    app = create_app(workspace)
    secret = f"SELECT * FROM datasets WHERE path = '{workspace.home}/.staging/x'"

    @app.get("/projects-broken")
    def broken() -> None:
        raise RuntimeError(secret)

    @app.get("/projects-refused")
    def refused() -> None:
        raise TuneforkError(f"{workspace.home}/.staging/recognition.abc/audio: not readable")

    client = TestClient(app, raise_server_exceptions=False)
    crash = client.get("/projects-broken", headers=AUTH)
    assert crash.status_code == 500 and "incident" in crash.json()["message"]
    assert "SELECT" not in crash.text and str(workspace.home) not in crash.text
    answer = client.get("/projects-refused", headers=AUTH)
    assert answer.status_code == 422 and answer.json()["message"] == "audio: not readable"


@pytest.fixture
def api_schema(tmp_path: Path, monkeypatch):
    """The OpenAPI schema of an app over a workspace holding a project, a dataset and an endpoint."""
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    ws = Workspace.open(tmp_path / "schemathesis")
    projects.create_project(ws, "p", "speech")
    (tmp_path / "t.txt").write_text("hello there\n")
    upload_dataset(ws, "p", tmp_path / "t.txt", "language", "t")
    endpoints.create_endpoint(ws, "p", "e", "whisper-tiny.en")
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(ws))
    ws.close()


def test_openapi_no_server_errors(api_schema) -> None:
    """Schemathesis over every operation: whatever the generated request, the answer is never a 5xx."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:
            response = case.call(headers=AUTH)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}")

        check()
    assert not failures, "\n".join(failures)


def test_a_client_that_leaves_mid_upload_costs_one_log_line(
    workspace: Workspace, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An aborted upload logged two tracebacks, 132 lines, as an unhandled error (a security review)."""
    import anyio

    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    projects.create_project(workspace, "p", "speech")
    endpoint = endpoints.create_endpoint(workspace, "p", "e", "whisper-tiny.en")
    app = create_app(workspace)
    messages = [{"type": "http.request", "body": b"RIFF....", "more_body": True}, {"type": "http.disconnect"}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [(b"x-tunefork-key", endpoint["keys"]["key1"].encode()), (b"content-type", b"audio/wav")]
    scope = {"type": "http", "method": "POST", "path": f"/endpoints/{endpoint['id']}/recognize", "headers": headers,
             "query_string": b"", "http_version": "1.1", "scheme": "http", "root_path": "",
             "server": ("127.0.0.1", 8765), "client": ("127.0.0.1", 5000)}  # fmt: skip
    with caplog.at_level("INFO"):
        anyio.run(app, scope, receive, send)
    assert sent[0]["status"] == 499
    assert [r.levelname for r in caplog.records if r.exc_info] == []  # no traceback
    assert any("client left during POST" in r.getMessage() for r in caplog.records)
