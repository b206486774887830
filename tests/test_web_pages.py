"""The studio's page routes without a browser (TestClient): sign-in, redirects, error pages, form errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from studio_session import TOKEN, sign_in

from tunefork.evaluation.comparison import compare_models
from tunefork.evaluation.report import write_report
from tunefork.kinds import get_kind, kind_names
from tunefork.service.app import create_app
from tunefork.service.config import ServiceSettings
from tunefork.service.web.charts import histogram
from tunefork.service.web.evaluation import _default_pair, _default_test_set
from tunefork.service.web.session import COOKIE, EARLIER_KEY, SESSION_ID, safe_next
from tunefork.store.models import Evaluation, Project, Status
from tunefork.workflows import projects as projects_api
from tunefork.workflows.datasets import upload_dataset
from tunefork.workflows.endpoints import create_endpoint, delete_endpoint, show_endpoint
from tunefork.workflows.projects import create_project
from tunefork.workflows.requests import authorize
from tunefork.workflows.shared_secrets import find_secret, new_secret
from tunefork.workspace import Workspace

pytest_plugins = ["studio_session"]


def _alert(html: str) -> str:
    """Text of the first error message on a page."""
    match = re.search(r'class="alert error"[^>]*>\s*<strong>([^<]*)</strong>', html)
    return match.group(1) if match else ""


def test_pages_need_sign_in_and_come_back_after_it(client: TestClient) -> None:
    response = client.get("/studio/projects/abc/data?page=2", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/studio/signin?next=/studio/projects/abc/data%3Fpage%3D2"
    audio = client.get("/studio/datasets/d/items/i/audio", follow_redirects=False)
    assert audio.status_code == 303  # audio and logs are not served without the cookie either
    wrong = client.post("/studio/signin", data={"token": "nope", "next": "/studio/"})
    assert wrong.status_code == 401 and "not the admin token" in wrong.text
    assert COOKIE not in client.cookies
    right = client.post("/studio/signin", data={"token": TOKEN, "next": "/studio/x"}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/studio/x"
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    signed_in = client.get("/studio/", follow_redirects=False)
    assert signed_in.status_code == 200
    assert signed_in.headers["cache-control"] == "no-store"  # Back after signing out must not show it from cache
    out = client.post("/studio/signout", follow_redirects=False)
    assert out.status_code == 303 and COOKIE not in client.cookies


def test_signing_out_ends_the_session_on_every_server(client: TestClient, workspace: Workspace) -> None:
    """Sign-out used to clear only the browser's cookie: a copy of it kept working for 12 hours."""
    sign_in(client)
    copied = client.cookies[COOKIE]
    with TestClient(create_app(workspace)) as other_server:  # another process on the same database
        other_server.cookies.set(COOKIE, copied)
        assert other_server.get("/studio/", follow_redirects=False).status_code == 200
        assert client.post("/studio/signout", follow_redirects=False).status_code == 303
        refused = other_server.get("/studio/", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/studio/signin")
    client.cookies.set(COOKIE, copied)
    assert client.get("/studio/", follow_redirects=False).status_code == 303
    assert sign_in(client) and client.get("/studio/", follow_redirects=False).status_code == 200  # a new one works


def test_sign_in_deletes_the_one_session_key_of_earlier_versions(client: TestClient, workspace: Workspace) -> None:
    """Each session has its own key now (``studio-session/<id>``); the earlier single ``studio-session`` row was
    never deleted."""
    new_secret(workspace, EARLIER_KEY)
    sign_in(client)
    assert find_secret(workspace, EARLIER_KEY) is None
    assert SESSION_ID.fullmatch(client.cookies[COOKIE].split(".")[0])
    assert not SESSION_ID.fullmatch(client.cookies[COOKIE].split(".")[0] + "\n")  # $ let one through


def test_a_database_that_does_not_answer_is_a_503_with_an_incident(
    client: TestClient, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """The studio's session check reads the database before any route runs: with the database down every studio
    page was a bare 500."""
    database = workspace.engine.url.database
    if workspace.engine.url.get_backend_name() != "sqlite" or not database:
        pytest.skip("stops a SQLite database by putting a folder in its place")
    sign_in(client)
    workspace.engine.dispose()
    Path(database).rename(f"{database}.away")
    Path(database).mkdir()  # SQLite: "unable to open database file"
    try:
        for answer in (
            client.get("/studio/", follow_redirects=False),
            client.get("/projects", headers={"Authorization": f"Bearer {TOKEN}"}),
        ):
            assert answer.status_code == 503 and answer.headers["retry-after"] == "5", answer.text
            message = answer.json()["message"]
            assert re.fullmatch(r"The database does not answer \(incident [0-9a-f]{8}\); .*", message)
            incident = message.split("incident ")[1][:8]
            assert any(incident in record.getMessage() for record in caplog.records)
            assert database not in message
    finally:
        workspace.engine.dispose()
        Path(database).rmdir()
        Path(f"{database}.away").rename(database)


def test_sign_in_never_redirects_off_site() -> None:
    assert safe_next("https://evil.example/") == "/studio/"
    assert safe_next("//evil.example/studio/") == "/studio/"
    assert safe_next("/studio/projects/1") == "/studio/projects/1"


def test_browsers_at_the_root_go_to_the_studio(client: TestClient) -> None:
    page = client.get("/", headers={"Accept": "text/html,application/xhtml+xml"}, follow_redirects=False)
    assert page.status_code == 307 and page.headers["location"].endswith("/studio/")
    api = client.get("/")
    assert api.json()["links"]["studio"].endswith("/studio/")
    assert not any(path.startswith("/studio") for path in client.get("/openapi.json").json()["paths"])
    assert client.get("/studio/static/studio.css").status_code == 200
    icon = client.get("/favicon.ico")  # no sign-in needed
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_unknown_pages_and_resources_get_a_readable_404(client: TestClient, workspace: Workspace) -> None:
    sign_in(client)
    page = client.get("/studio/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is no studio page at /studio/no/such/page" in page.text
    missing = client.get("/studio/projects/nope/training")
    assert missing.status_code == 404 and "nope" in _alert(missing.text)
    project = create_project(workspace, "p404", "speech")
    inside = client.get(f"/studio/projects/{project['id']}/evaluations/zzz")
    assert inside.status_code == 404 and "zzz" in _alert(inside.text)
    assert "Back to the project" in inside.text  # the error page keeps the project's tabs


def test_form_errors_show_the_api_message_next_to_the_form(client: TestClient, workspace: Workspace) -> None:
    csrf = sign_in(client)
    created = client.post("/studio/projects", data={"csrf": csrf, "name": "calls", "kind": "speech"})
    assert created.status_code == 200 and "<h1>calls</h1>" in created.text
    duplicate = client.post("/studio/projects", data={"csrf": csrf, "name": "calls", "kind": "speech"})
    assert duplicate.status_code == 409
    assert _alert(duplicate.text) == "A project named &#39;calls&#39; already exists."
    assert 'value="calls"' in duplicate.text  # what the user typed stays in the form
    invalid = client.post("/studio/projects", data={"csrf": csrf, "name": "x", "kind": "video"})
    assert invalid.status_code == 422 and "kind" in _alert(invalid.text)
    project_id = client.get("/studio/").text.split("/studio/projects/")[1].split('"')[0]
    no_data = client.post(f"/studio/projects/{project_id}/models", data={"csrf": csrf, "name": "m"})
    assert no_data.status_code == 422 and "next to them" in _alert(no_data.text)
    assert 'id="error-datasets" role="alert">Choose at least one training dataset.' in no_data.text
    no_test_set = client.post(f"/studio/projects/{project_id}/evaluations", data={"csrf": csrf, "model1": "x"})
    assert no_test_set.status_code == 422 and "test dataset" in _alert(no_test_set.text)


def test_forms_need_the_csrf_token(client: TestClient) -> None:
    sign_in(client)
    forged = client.post("/studio/projects", data={"name": "forged"})
    assert forged.status_code == 403 and "reload the page" in _alert(forged.text)
    assert "forged" not in client.get("/studio/").text


def test_script_uploads_get_errors_as_json(client: TestClient, workspace: Workspace, tmp_path: Path) -> None:
    csrf = sign_in(client)
    project = create_project(workspace, "uploads", "speech")
    text = tmp_path / "related.txt"
    text.write_text("one line of related text\n", encoding="utf-8")
    xhr = {"X-Requested-With": "XMLHttpRequest"}
    form = {"csrf": csrf, "project": project["id"], "kind": "language", "name": "related"}
    with text.open("rb") as handle:
        accepted = client.post("/studio/datasets", data=form, files={"file": ("related.txt", handle)}, headers=xhr)
    assert accepted.status_code == 200 and accepted.json()["status"] == "NotStarted"
    assert accepted.json()["page"] == f"/studio/projects/{project['id']}/data"
    with text.open("rb") as handle:
        again = client.post("/studio/datasets", data=form, files={"file": ("related.txt", handle)}, headers=xhr)
    assert again.status_code == 409 and "already has a dataset named 'related'" in again.json()["message"]
    no_file = client.post("/studio/datasets", data=form, headers=xhr)
    assert no_file.status_code == 422 and no_file.json()["message"] == "Choose a file to upload."
    expired = TestClient(client.app).post("/studio/datasets", data=form, headers=xhr)
    assert expired.status_code == 401 and expired.json()["code"] == "Unauthorized"
    page = client.get(f"/studio/projects/{project['id']}/data")
    assert "related" in page.text and 'data-active="true"' in page.text  # the table refreshes by itself


def test_every_offered_kind_works_and_unknown_kinds_are_explained(client: TestClient, workspace: Workspace) -> None:
    sign_in(client)
    listing = client.get("/studio/")
    offered = re.findall(r'<option value="([^"]+)" data-help', listing.text)
    assert offered == list(kind_names())
    assert "later release" not in listing.text
    for kind in offered:  # every tab of every registered kind works now
        other = create_project(workspace, f"{kind}-project", kind)
        for tab in ("", "/data", "/training", "/evaluation", "/deployment"):
            page = client.get(f"/studio/projects/{other['id']}{tab}")
            assert page.status_code == 200 and "Coming soon" not in page.text, (kind, tab)
            assert "later release" not in page.text, (kind, tab)
    with workspace.session() as session:  # a project an older version created with a kind no engine serves
        legacy = Project(name="clips", kind="video")
        session.add(legacy)
        session.flush()
        legacy_id = legacy.id
    page = client.get(f"/studio/projects/{legacy_id}/training")
    assert page.status_code == 422 and "no engine of this installation serves" in _alert(page.text)
    assert "Back to the project" in page.text


def test_the_projects_list_is_paged_newest_first(client: TestClient, workspace: Workspace) -> None:
    """3,000 projects made the studio's first page 843 KB (a security review)."""
    from tunefork.service.web.projects import PROJECTS_PAGE

    for number in range(PROJECTS_PAGE + 1):
        create_project(workspace, f"p{number:03d}", "language")
    sign_in(client)
    first = client.get("/studio/").text
    assert first.count('<td><a href="/studio/projects/') == PROJECTS_PAGE and "Page 1 of 2" in first
    assert f"p{PROJECTS_PAGE:03d}" in first and ">p000<" not in first  # newest first
    second = client.get("/studio/?page=2").text
    assert second.count('<td><a href="/studio/projects/') == 1 and ">p000<" in second


def test_api_docs_are_served_without_a_cdn(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in docs.text
    assert "cdn." not in docs.text
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and "/docs-static/redoc.standalone.js" in redoc.text


def test_studio_uploads_get_the_upload_limit(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    settings = ServiceSettings(max_upload_bytes=4096, max_request_bytes=1024)
    with TestClient(create_app(workspace, settings=settings)) as client:
        csrf = sign_in(client)
        project = create_project(workspace, "limits", "speech")
        form = {"csrf": csrf, "project": project["id"], "kind": "language"}
        xhr = {"X-Requested-With": "XMLHttpRequest"}
        small = client.post("/studio/datasets", data=form, files={"file": ("a.txt", b"word\n" * 400)}, headers=xhr)
        assert small.status_code == 200  # 2 KB: over the JSON limit, under the upload limit
        big = client.post("/studio/datasets", data=form, files={"file": ("b.txt", b"word\n" * 2000)}, headers=xhr)
        assert big.status_code == 413 and "limit" in big.json()["message"]


def test_histogram_counts_every_value() -> None:
    svg = str(histogram([1, 2, 2, 3, 10], "Lengths", "words", integer=True))
    assert svg.startswith("<svg") and 'aria-label="Lengths"' in svg
    counts = [int(n) for n in re.findall(r">(\d+)</text>", svg.split("<line")[0])]
    assert sum(counts) == 5
    assert str(histogram([], "empty", "x")) == ""


def test_endpoint_keys_settings_and_deletion(client: TestClient, workspace: Workspace) -> None:
    csrf = sign_in(client)
    project = create_project(workspace, "deploy", "speech")
    base = f"/studio/projects/{project['id']}"
    form = {"csrf": csrf, "name": "prod", "model": "whisper-tiny.en", "logging": "true", "retentionDays": "14"}
    created = client.post(f"{base}/endpoints", data=form)
    assert created.status_code == 200 and "shown once" in created.text
    key1 = re.search(r'id="key-key1" data-key="key1">([^<]+)<', created.text).group(1)
    endpoint_id = re.search(r'data-canonical="[^"]*/endpoints/([0-9a-f]+)"', created.text).group(1)
    assert authorize(workspace, endpoint_id, key1) is not None
    assert f"X-Tunefork-Key: {key1}" in created.text  # the sample code carries the new key, this once
    page = client.get(f"{base}/endpoints/{endpoint_id}")
    assert key1 not in page.text and "YOUR_ENDPOINT_KEY" in page.text
    taken = client.post(f"{base}/endpoints", data=form)
    assert taken.status_code == 409 and "already has an endpoint named" in _alert(taken.text)
    kept_zero_days = client.post(f"{base}/endpoints", data={**form, "name": "zero", "retentionDays": "0"})
    assert kept_zero_days.status_code == 422 and "Retention must be between 1 and" in _alert(kept_zero_days.text)

    bad = client.post(f"{base}/endpoints/{endpoint_id}/settings", data={"csrf": csrf, "retentionDays": "0"})
    assert bad.status_code == 422 and 'id="settings-error"' in bad.text
    saved = client.post(f"{base}/endpoints/{endpoint_id}/settings", data={"csrf": csrf, "retentionDays": "7"})
    assert saved.status_code == 200 and 'id="settings-saved"' in saved.text  # said, not silent
    shown = show_endpoint(workspace, endpoint_id)
    assert (shown["retentionDays"], shown["loggingEnabled"]) == (7, False)  # unchecked box: logging off

    rotated = client.post(f"{base}/endpoints/{endpoint_id}/keys/key1", data={"csrf": csrf})
    new_key = re.search(r'id="key-key1" data-key="key1">([^<]+)<', rotated.text).group(1)
    assert new_key != key1 and 'id="key-key2"' not in rotated.text
    assert authorize(workspace, endpoint_id, new_key) is not None and authorize(workspace, endpoint_id, key1) is None
    unknown = client.post(f"{base}/endpoints/{endpoint_id}/keys/key3", data={"csrf": csrf})
    assert unknown.status_code == 422 and 'id="keys-error"' in unknown.text

    gone = client.post(f"{base}/endpoints/{endpoint_id}/delete", data={"csrf": csrf}, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == f"{base}/deployment"
    assert client.get(f"{base}/endpoints/{endpoint_id}").status_code == 404


def _speech_project_with_text(workspace: Workspace, tmp_path: Path) -> tuple[dict, dict]:
    """A speech project "terms" and its related-text dataset (what an evaluation row needs)."""
    project = create_project(workspace, "terms", "speech")
    text = tmp_path / "related.txt"
    text.write_text("deploy kubernetes today\n", encoding="utf-8")
    return project, upload_dataset(workspace, "terms", text, "language", "related")


def test_the_evaluation_page_lists_the_terms_each_model_missed(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    project, dataset = _speech_project_with_text(workspace, tmp_path)
    references = {"u1": "deploy kubernetes today", "u2": "kubernetes again"}
    result = compare_models(
        references, {"base": {"u1": "deploy cooper netties today", "u2": "kubernetes again"}}, terms=["Kubernetes"]
    )
    with workspace.session() as session:
        evaluation = Evaluation(project_id=project["id"], dataset_id=dataset["id"], model_refs=["base"],
                                status=Status.SUCCEEDED, result=result.to_json())  # fmt: skip
        session.add(evaluation)
        session.flush()
        evaluation_id = evaluation.id
    folder = workspace.report_dir(evaluation_id)
    folder.mkdir(parents=True)
    write_report(result, folder)
    assert "Terms missed by base (1): Kubernetes (1/2)." in (folder / "report.md").read_text()
    sign_in(client)
    page = client.get(f"/studio/projects/{project['id']}/evaluations/{evaluation_id}")
    assert page.status_code == 200, page.text[-800:]
    assert "Terms missed by base (1): Kubernetes (1/2)." in page.text


def test_forms_default_to_what_users_compare_and_show_only_the_chosen_engines_options(
    client: TestClient, workspace: Workspace
) -> None:
    models = [{"id": "m1", "baseModel": "en-core-web-sm", "status": "Succeeded"},
              {"id": "m2", "baseModel": "en-core-web-sm", "status": "Succeeded"}]  # fmt: skip
    assert _default_pair(models, get_kind("language")) == ("m1", "m2")  # a spaCy base model has no intents
    assert _default_pair(models[:1], get_kind("language")) == ("m1", "")
    assert _default_pair(models, get_kind("entities")) == ("en-core-web-sm", "m2")
    ready = [{"id": "big", "accepted": 40}, {"id": "tiny", "accepted": 1}]
    assert _default_test_set(ready, []) == "big"  # not the newest 1-item one
    assert _default_test_set(ready, [{"dataset": "tiny"}, {"dataset": "big"}]) == "tiny"  # the one used last

    sign_in(client)
    project = create_project(workspace, "engines", "speech")
    page = client.get(f"/studio/projects/{project['id']}/training").text
    assert 'data-engines="sphinx"' in page and 'name="customWeight"' in page
    # shown while a model trains: it said "about a minute" while runs took 5 minutes and the README says up to 10
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "up to about 10 minutes" in get_kind("speech").wording.training_wait and "under about 10 minutes" in readme
    assert 'data-engine="whisper"' in page and 'data-engine="sphinx"' in page
    deployment = client.get(f"/studio/projects/{project['id']}/deployment").text
    assert re.search(r'name="logging" value="true" ?>', deployment)  # off by default, as in the CLI and REST
    for shown in (page, deployment):  # the training page said which models download on first use, deployment not
        assert ">whisper-small.en (downloads on first use)</option>" in shown and ">whisper-tiny.en</option>" in shown


def test_training_form_problems_read_as_sentences_next_to_their_fields(
    client: TestClient, workspace: Workspace
) -> None:
    csrf = sign_in(client)
    project = create_project(workspace, "fields", "speech")
    posted = client.post(
        f"/studio/projects/{project['id']}/models",
        data={"csrf": csrf, "name": "m", "baseModel": "sphinx-en-us", "customWeight": "250", "epochs": "many"},
    )
    assert posted.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="error-(\w+)" role="alert">([^<]*)</p>', posted.text))
    assert errors["datasets"] == "Choose at least one training dataset."
    assert errors["customWeight"].startswith("Custom weight % (sphinx) must be at most 100")
    assert errors["epochs"].startswith("Epochs") and "takes a whole number" in errors["epochs"]
    assert "--" not in " ".join(errors.values()) and "List should have" not in posted.text
    assert '<details class="advanced" open>' in posted.text  # the advanced fields with a problem are shown


def test_the_next_step_after_every_upload_failed_is_to_fix_the_data(client: TestClient, workspace: Workspace) -> None:
    """A studio review's only upload failed, and the overview kept saying "Wait for the import"."""
    from tunefork.service.web.common import ProjectSummary
    from tunefork.store.models import Dataset

    failed = {"status": Status.FAILED, "kind": "utterances"}
    summary = ProjectSummary(get_kind("language"), [failed], [], [], [])
    assert summary.next_step()[1] == "Fix the data and upload again"
    importing = ProjectSummary(get_kind("language"), [failed, {**failed, "status": Status.RUNNING}], [], [], [])
    assert importing.next_step()[1] == "Wait for the import"
    sign_in(client)
    project = create_project(workspace, "bot", "language")
    with workspace.session() as session:
        session.add(Dataset(project_id=project["id"], name="png", kind="utterances", status=Status.FAILED))
    for tab in ("", "/data"):
        page = client.get(f"/studio/projects/{project['id']}{tab}").text
        assert "Fix the data and upload again" in page and "Add a test set" not in page


def test_a_project_is_renamed_and_deleted_in_the_studio(client: TestClient, workspace: Workspace) -> None:
    """A studio review could create projects but not rename or delete them without the CLI."""
    csrf = sign_in(client)
    project = create_project(workspace, "bot", "language")
    create_project(workspace, "taken", "language")
    base = f"/studio/projects/{project['id']}"
    saved = client.post(f"{base}/settings", data={"csrf": csrf, "name": "help desk", "description": "v2 bot"})
    assert saved.status_code == 200 and 'id="settings-saved"' in saved.text and "help desk" in saved.text
    assert (projects_api.show_project(workspace, project["id"])["description"]) == "v2 bot"
    clash = client.post(f"{base}/settings", data={"csrf": csrf, "name": "taken", "description": ""})
    assert clash.status_code == 409 and 'id="settings-error"' in clash.text and "already exists" in clash.text
    long = client.post(f"{base}/settings", data={"csrf": csrf, "name": "help desk", "description": "x" * 2001})
    assert long.status_code == 422 and "at most 2000 characters" in long.text
    endpoint = create_endpoint(workspace, project["id"], "desk", "en-core-web-sm")
    in_use = client.post(f"{base}/delete", data={"csrf": csrf})
    assert in_use.status_code == 409 and 'id="delete-error"' in in_use.text
    assert "Everything in it goes: 0 datasets, 0 models, 0 evaluations." in " ".join(in_use.text.split())
    delete_endpoint(workspace, endpoint["id"])
    deleted = client.post(f"{base}/delete", data={"csrf": csrf}, follow_redirects=False)
    assert deleted.status_code == 303 and deleted.headers["location"] == "/studio/"
    assert [p["name"] for p in projects_api.list_projects(workspace)] == ["taken"]


def test_the_overview_warns_of_a_locale_the_models_cannot_read(client: TestClient, workspace: Workspace) -> None:
    sign_in(client)
    english, german = (create_project(workspace, name, "language", locale) for name, locale in
                       (("desk", "en-GB"), ("kundendienst", "de-DE")))  # fmt: skip
    assert 'id="locale-warning"' not in client.get(f"/studio/projects/{english['id']}").text
    page = client.get(f"/studio/projects/{german['id']}").text
    assert 'id="locale-warning"' in page and "Locale de-DE: language models here read English only" in page


def test_a_deleted_model_keeps_its_name_in_the_evaluation_views(workspace: Workspace) -> None:
    """A studio review deleted a model and its evaluations listed its raw id."""
    from tunefork.service.web.evaluation import _names

    project = create_project(workspace, "bank", "language")
    scored = {"models": ["ee75c764", "en-core-web-sm"],
              "result": {"models": [{"model": "bank-v1"}, {"model": "en-core-web-sm"}]}}  # fmt: skip
    assert _names(workspace, project, [scored, {"models": ["x"], "result": None}])["ee75c764"] == "bank-v1"


def test_the_next_step_never_says_to_deploy_a_model_deleted_since() -> None:
    """A studio review deleted the winner and the evaluation page still said "Deploy bank-v1"."""
    from tunefork.service.web.evaluation import next_step

    references = {f"u{i}": f"take the metoprolol dose number {i} today" for i in range(30)}
    hypotheses = {"base": {k: v.replace("metoprolol", "met a pro lol") for k, v in references.items()},
                  "rx-v1": dict(references)}  # fmt: skip
    result = compare_models(references, hypotheses, iterations=200)
    assert next_step(result)[:2] == ("deployment", "Deploy rx-v1")
    tab, title, text = next_step(result, deleted={"rx-v1"})
    assert (tab, title) == ("training", "Train it again") and "rx-v1 has been deleted since" in text


def test_the_dataset_page_names_what_it_shares_with_other_datasets(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    sign_in(client)
    project = create_project(workspace, "bot", "language")
    (tmp_path / "train.csv").write_text("text,intent\nbook a table,book\ncancel my table,cancel\n", encoding="utf-8")
    (tmp_path / "test.csv").write_text("text,intent\nBook a table!,book\nmove my booking,change\n", encoding="utf-8")
    upload_dataset(workspace, "bot", tmp_path / "train.csv", "utterances", "train")
    test = upload_dataset(workspace, "bot", tmp_path / "test.csv", "utterances", "test")
    page = " ".join(client.get(f"/studio/projects/{project['id']}/datasets/{test['id']}").text.split())
    assert "Shared with another dataset:</strong> 1 of 2 items also occur in &#39;train&#39;" in page


def test_the_overview_counts_evaluations_as_the_delete_box_does(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    """The overview said "1 evaluation" beside a delete box saying "2 evaluations" (one still running: a review)."""
    project, dataset = _speech_project_with_text(workspace, tmp_path)
    with workspace.session() as session:
        for status in (Status.SUCCEEDED, Status.RUNNING):
            session.add(Evaluation(project_id=project["id"], dataset_id=dataset["id"], model_refs=["base"],
                                   status=status))  # fmt: skip
    sign_in(client)
    page = " ".join(client.get(f"/studio/projects/{project['id']}").text.split())
    assert "evaluation done, 1 other" in page and "1 dataset, 0 models, 2 evaluations" in page
