"""The web studio end to end in headless Chromium (Debian ``chromium`` driven by Playwright).

One browser walks the whole flow against a live ``tunefork serve``: sign in, create a project, upload
an Azure zip and related text, train a text-only customization of whisper-tiny.en, evaluate it
against the baseline, deploy it, call the endpoint with its key (httpx) and find the logged request
in the studio, then export the logs to a dataset. Every page is screenshotted at 1280x800 into the
test's temporary folder (or ``TUNEFORK_WEB_SCREENSHOTS`` when set) for a person to look at.

Skipped when ``/usr/bin/chromium`` or the ``playwright`` package is missing.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from service_fixtures import ADMIN_TOKEN, LiveServer, ServiceEnv

from tunefork.service.web.session import COOKIE

pytest_plugins = ["service_fixtures"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 800}
RELATED_TEXT = [
    "refill the metoprolol prescription before friday",
    "metoprolol tartrate twenty five milligrams twice daily",
    "take metoprolol with food in the morning",
    "the pharmacist checked the metoprolol dose",
    "ask the doctor before you stop metoprolol",
]
LONG_WAIT_MS = 150_000

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def studio_server(tmp_path_factory) -> Iterator[LiveServer]:
    """``tunefork serve`` (SQLite, one job consumer) in a fresh workspace."""
    env = ServiceEnv(tmp_path_factory.mktemp("studio") / "home", "sqlite")
    server = LiveServer(env, tmp_path_factory.mktemp("studio-logs") / "serve.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium."""
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go."""
    folder = Path(os.environ.get("TUNEFORK_WEB_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _related_text(folder: Path) -> Path:
    path = folder / "pharmacy-text.txt"
    path.write_text("\ufeff" + "\n".join(RELATED_TEXT) + "\n", encoding="utf-8")
    return path


def test_whole_flow_in_the_browser(
    studio_server: LiveServer, browser, shots: Path, acoustic_zip: Path, utterance: bytes, tmp_path: Path
) -> None:
    server = studio_server
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    expect = sync_api.expect

    def choose(select: str, text: str) -> None:
        """Select the option of ``select`` whose label starts with ``text``."""
        option = page.locator(f"{select} option").filter(has_text=re.compile("^" + re.escape(text)))
        page.select_option(select, option.first.get_attribute("value"))

    def snap(name: str, full_page: bool = False) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=full_page)

    # sign in: a wrong token is refused with a message, the right one opens the projects list
    page.goto("/studio/")
    expect(page).to_have_url(re.compile(r"/studio/signin\?next="))
    page.fill("#token", "not-the-token")
    page.click("button[type=submit]")
    expect(page.locator("#token-error")).to_contain_text("not the admin token")
    snap("01-signin-error")
    page.fill("#token", ADMIN_TOKEN)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Projects")
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    snap("02-projects-empty")

    # create a project; a duplicate name shows the API's message next to the form
    page.fill("#p-name", "pharmacy")
    page.fill("#p-description", "Pharmacy phone orders: drug names and doses.")
    page.click("#create-project button[type=submit]")
    expect(page.locator("h1")).to_have_text("pharmacy")
    project_url = page.url
    snap("03-project-overview")
    page.goto("/studio/")
    page.fill("#p-name", "pharmacy")
    page.click("#create-project button[type=submit]")
    expect(page.locator("#create-project-error")).to_contain_text("already exists")
    snap("04-projects-duplicate-error")

    # data: upload the Azure zip and the related text, with progress; the import jobs finish by themselves
    page.goto(project_url + "/data")
    page.select_option("#d-kind", "acoustic")
    page.set_input_files("#d-file", str(acoustic_zip))
    page.fill("#d-name", "calls")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#datasets")).to_contain_text("calls")
    page.select_option("#d-kind", "language")
    page.set_input_files("#d-file", str(_related_text(tmp_path)))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#datasets")).to_contain_text("pharmacy-text")
    expect(page.locator("#datasets .s-succeeded")).to_have_count(2, timeout=60_000)
    expect(page.locator("#datasets")).to_contain_text("ghost.wav")  # the rejected line and its reason
    page.select_option("#d-kind", "acoustic")
    page.set_input_files("#d-file", str(acoustic_zip))
    page.fill("#d-name", "calls")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("[data-upload-error]")).to_contain_text("already has a dataset named 'calls'")
    snap("05-data")

    # the dataset's page: counts, rejection reasons, report charts, an audio player per item
    page.click("#datasets a:has-text('calls')")
    expect(page.locator("h1")).to_have_text("calls")
    expect(page.locator("svg.chart")).not_to_have_count(0)
    expect(page.locator("audio")).to_have_count(3)
    audio_src = page.locator("audio").first.get_attribute("src")
    audio = page.request.get(audio_src)
    assert audio.status == 200 and audio.body()[:4] == b"RIFF"
    assert httpx.get(server.url + audio_src).status_code in (303, 307)  # no cookie: no audio
    snap("06-dataset", full_page=True)

    # training: a text-only customization of whisper-tiny.en; the table refreshes until Succeeded
    page.goto(project_url + "/training")
    page.fill("#m-name", "pharmacy-v1")
    page.fill("#m-description", "Related text only: hotwords from the pharmacy sentences.")
    page.select_option("#m-base", "whisper-tiny.en")
    page.check("label.check:has-text('pharmacy-text') input")
    page.click("#train-form button[type=submit]")
    expect(page.locator("#models")).to_contain_text("pharmacy-v1")
    snap("07-training-started")
    expect(page.locator("#models .s-succeeded")).to_have_count(1, timeout=LONG_WAIT_MS)
    snap("08-training-done")
    page.click("#models a:has-text('pharmacy-v1')")
    expect(page.locator("h1")).to_have_text("pharmacy-v1")
    expect(page.locator("text=Model card")).to_be_visible()
    expect(page.locator("#term-report")).to_contain_text("improved")  # which terms the hotwords taught it
    snap("08-model", full_page=True)

    # evaluation: baseline vs the custom model on the zip's utterances
    page.goto(project_url + "/evaluation")
    page.select_option("#e-model1", "whisper-tiny.en")
    choose("#e-model2", "pharmacy-v1")
    choose("#e-dataset", "calls")
    page.fill("#e-terms", "metoprolol")
    page.click("#evaluate-form button[type=submit]")
    expect(page.locator("#metrics")).to_be_visible(timeout=LONG_WAIT_MS)
    metrics = page.locator("#metrics")
    expect(metrics).to_contain_text("whisper-tiny.en")
    expect(metrics).to_contain_text("pharmacy-v1")
    expect(metrics).to_contain_text("Sentence error rate")
    expect(page.locator("text=95% confidence interval")).to_be_visible()
    expect(page.locator("#utterances tbody tr")).to_have_count(3)
    snap("09-evaluation")
    snap("09-evaluation-full", full_page=True)
    page.select_option("[data-utterance-filter]", "correct")
    shown = page.locator("#utterances tbody tr:visible").count()
    page.select_option("[data-utterance-filter]", "errors")
    assert page.locator("#utterances tbody tr:visible").count() == 3 - shown
    page.select_option("[data-utterance-filter]", "all")
    page.select_option("[data-utterance-sort]", "wer0")
    wers = [
        float(v) for v in page.locator("#utterances tbody tr").evaluate_all("rows => rows.map(r => r.dataset.wer0)")
    ]
    assert wers == sorted(wers, reverse=True)
    page.click(".tabs a:has-text('Evaluation')")
    expect(page.locator("#evaluations .s-succeeded")).to_have_count(1)
    snap("09-evaluations-list")

    # deployment: create an endpoint with logging, see the keys once, call it, find the logged request
    page.goto(project_url + "/deployment")
    page.fill("#x-name", "pharmacy-prod")
    choose("#x-model", "pharmacy-v1")
    page.check("#deploy-form input[name=logging]")
    page.click("#deploy-form button[type=submit]")
    expect(page.locator("#keys")).to_contain_text("shown once")
    key = page.locator("#key-key1").inner_text().strip()
    recognize_url = page.locator("#recognize-url").inner_text().strip()
    assert key in page.locator("#sample-curl").inner_text()
    snap("10-endpoint-keys")
    response = httpx.post(
        recognize_url, content=utterance, headers={"X-Tunefork-Key": key, "Content-Type": "audio/wav"}, timeout=120
    )
    assert response.status_code == 200, response.text
    recognized = response.json()
    assert recognized["logId"]
    page.reload()
    expect(page.locator("#keys")).to_have_count(0)  # shown once: a reload no longer has them
    expect(page.locator("#logs tbody tr")).to_have_count(1)
    expect(page.locator("#logs")).to_contain_text(recognized["displayText"][:20])
    snap("11-endpoint-logs")
    snap("11-endpoint-logs-full", full_page=True)
    download = page.request.get(page.locator("a:has-text('Download all (zip)')").get_attribute("href"))
    assert download.status == 200 and download.body()[:2] == b"PK"

    # settings: retention and logging are saved through the API
    page.fill("#s-retention", "7")
    page.click("#settings-form button[type=submit]")
    expect(page.locator("#s-retention")).to_have_value("7")
    endpoint = server.client.get(recognize_url.removesuffix("/recognize")).json()
    assert endpoint["retentionDays"] == 7 and endpoint["loggingEnabled"] is True

    # the retrain loop: export the logs to an audio dataset
    page.fill("#l-name", "prod-traffic")
    page.click("#export-form button[type=submit]")
    expect(page.locator("#datasets")).to_contain_text("prod-traffic")
    expect(page.locator("#datasets .s-succeeded")).to_have_count(3, timeout=60_000)
    snap("12-data-after-export")

    # unknown pages and resources: a readable 404
    page.goto(project_url + "/evaluations/nope")
    expect(page.locator(".alert.error")).to_contain_text("nope")
    snap("13-not-found")
    # the REST API's docs render offline: Swagger UI comes from a Python package, not a CDN
    page.goto("/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    snap("14-api-docs")
    assert not errors, errors
    context.close()


def test_an_image_project_in_the_browser(studio_server: LiveServer, browser, shots: Path, tmp_path: Path) -> None:
    """Upload concept folders, see the contact sheet, train, evaluate with the gallery, deploy, try and call it."""
    from image_samples import concept_folders

    server = studio_server
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    expect = sync_api.expect
    folders = {name: concept_folders(tmp_path / name, count, seed=seed) for name, count, seed in
               (("shapes-train", 8, 1), ("shapes-test", 4, 2))}  # fmt: skip
    archives = {
        name: Path(shutil.make_archive(str(tmp_path / name), "zip", folder)) for name, folder in folders.items()
    }

    page.goto("/studio/")
    page.fill("#token", ADMIN_TOKEN)
    page.click("button[type=submit]")
    page.fill("#p-name", "shelf")
    page.select_option("#p-kind", "image")
    page.click("#create-project button[type=submit]")
    expect(page.locator("h1")).to_have_text("shelf")
    project_url = page.url

    page.goto(project_url + "/data")
    for name, archive in archives.items():
        page.select_option("#d-kind", "images")
        page.set_input_files("#d-file", str(archive))
        page.fill("#d-name", name)
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#datasets")).to_contain_text(name)
    expect(page.locator("#datasets .s-succeeded")).to_have_count(2, timeout=60_000)
    page.click("#datasets a:has-text('shapes-train')")
    expect(page.locator("#contact-sheet img")).to_have_count(24)
    loaded = page.locator("#contact-sheet img").first
    loaded.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=loaded.element_handle())
    page.screenshot(path=str(shots / "image-01-contact-sheet.png"), full_page=True)

    page.goto(project_url + "/training")
    page.fill("#m-name", "shapes-v1")
    page.select_option("#m-base", "efficientnet-lite0")
    page.check("label.check:has-text('shapes-train') input")
    page.click("#train-form button[type=submit]")
    expect(page.locator("#models .s-succeeded")).to_have_count(1, timeout=LONG_WAIT_MS)

    page.goto(project_url + "/evaluation")
    page.select_option("#e-model1", "efficientnet-lite0")
    page.select_option("#e-model2", label=page.locator("#e-model2 option", has_text="shapes-v1").first.inner_text())
    page.select_option("#e-dataset", label=page.locator("#e-dataset option", has_text="shapes-test").first.inner_text())
    page.click("#evaluate-form button[type=submit]")
    expect(page.locator("#metrics")).to_contain_text("Macro F1", timeout=LONG_WAIT_MS)
    expect(page.locator(".gallery figure")).not_to_have_count(0)  # the base model misses every image
    page.screenshot(path=str(shots / "image-02-evaluation.png"), full_page=True)

    page.goto(project_url + "/deployment")
    page.fill("#x-name", "shelf-prod")
    page.select_option("#x-model", label=page.locator("#x-model option", has_text="shapes-v1").first.inner_text())
    page.click("#deploy-form button[type=submit]")
    key = page.locator("#key-key1").inner_text().strip()
    url = page.locator("#classify-url").inner_text().strip()
    circle = folders["shapes-test"] / "circle" / "0.png"
    page.set_input_files("#try-file", str(circle))
    page.click("#try-form button[type=submit]")
    expect(page.locator("#try-result")).to_contain_text('"circle"', timeout=60_000)
    page.screenshot(path=str(shots / "image-03-try-it.png"), full_page=True)
    answer = httpx.post(url, content=circle.read_bytes(), headers={"X-Tunefork-Key": key, "Content-Type": "image/png"},
                        timeout=120)  # fmt: skip
    assert answer.status_code == 200 and answer.json()["decision"] == ["circle"], answer.text
    assert not errors, errors
    context.close()
