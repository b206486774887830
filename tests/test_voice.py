"""Voice endpoints: a speech model chained with a language model, answering ``/understand`` behind its key."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient
from toy_kind import BASE_MODEL, KIND, TOY

from tunefork.engines.card import CARD_NAME
from tunefork.errors import ConflictError, TuneforkError
from tunefork.kinds import ResolvedModel, register, unregister
from tunefork.kinds.voice import NOTHING_HEARD, nothing_heard
from tunefork.service.app import create_app
from tunefork.workflows import datasets, endpoint_logs, endpoints, projects, training
from tunefork.workflows.models import resolve_model
from tunefork.workspace import Workspace

TOKEN = "voice-admin-token"
TRAIN = [("please call me back", "callback"), ("call me later", "callback"), ("goodbye now", "leave"),
         ("see you goodbye", "leave")]  # fmt: skip


@pytest.fixture
def toy() -> Iterator[None]:
    register(TOY)
    yield
    unregister(KIND)


def test_a_voice_endpoint_transcribes_then_parses_behind_its_key(
    workspace: Workspace, toy: None, tmp_path: Path, speak, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    projects.create_project(workspace, "bot", KIND)
    train = tmp_path / "train.csv"
    train.write_text("text,intent\n" + "".join(f"{t},{i}\n" for t, i in TRAIN), encoding="utf-8")
    datasets.upload_dataset(workspace, "bot", train, "utterances", "train")
    training.create_model(workspace, "bot", "kw-v1", BASE_MODEL, ["train"])
    training.run_training(workspace, "kw-v1")
    projects.create_project(workspace, "calls", "speech")
    with pytest.raises(TuneforkError, match="is a speech model; --language-model takes a model that parses text"):
        endpoints.create_endpoint(workspace, "calls", "bad", "whisper-tiny.en", language_model_ref="sphinx-en-us")
    with pytest.raises(TuneforkError, match="after a speech model"):
        endpoints.create_endpoint(workspace, "bot", "bad", "kw-v1", language_model_ref="kw-v1")
    voice = endpoints.create_endpoint(
        workspace, "calls", "voice", "whisper-tiny.en", logging=True, language_model_ref="kw-v1"
    )
    assert (voice["languageModel"], voice["languageModelId"] is not None) == ("kw-v1", True)
    plain = endpoints.create_endpoint(workspace, "calls", "plain", "whisper-tiny.en")
    with pytest.raises(ConflictError, match="voice"):
        training.delete_model(workspace, "kw-v1")  # deployed as a language model
    with pytest.raises(ConflictError, match=r"its models serve other projects' voice endpoint\(s\) voice"):
        projects.delete_project(workspace, "bot")  # it deleted kw-v1 there: /understand answered 500
    assert [e["name"] for e in endpoints.voice_endpoints_elsewhere(workspace, "bot")] == ["voice"]  # project show
    # the language model can change without deleting the endpoint (its keys and logs)
    swapped = endpoints.update_endpoint(workspace, "voice", language_model_ref="en-core-web-sm")
    assert (swapped["languageModel"], swapped["languageModelId"]) == ("en-core-web-sm", None)
    voice = {**endpoints.update_endpoint(workspace, "voice", language_model_ref="kw-v1"), "keys": voice["keys"]}

    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    audio = speak("please call me back at five o'clock").read_bytes()
    wav = {"Content-Type": "audio/wav"}
    with TestClient(create_app(workspace)) as client:
        url = f"/endpoints/{voice['id']}/understand"
        assert client.post(url, content=audio, headers=wav).status_code == 401
        assert client.post(url, content=audio, headers={**wav, "X-Tunefork-Key": "wrong"}).status_code == 401
        answer = client.post(url, content=audio, headers={**wav, "X-Tunefork-Key": voice["keys"]["key1"]})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "please call me" in body["displayText"].lower() and body["text"] == body["displayText"]
        assert (body["intent"], body["out_of_scope"], body["entities"]) == ("callback", False, [])
        assert (body["model"], body["languageModel"]) == ("whisper-tiny.en", "kw-v1") and body["words"]
        assert all(word["replaced"] is None for word in body["words"])  # as /recognize answers words (a review)
        heard = client.post(
            f"/endpoints/{voice['id']}/recognize",
            content=audio,
            headers={**wav, "X-Tunefork-Key": voice["keys"]["key2"]},
        )
        assert heard.status_code == 200 and "intent" not in heard.json()
        refused = client.post(
            f"/endpoints/{plain['id']}/understand",
            content=audio,
            headers={**wav, "X-Tunefork-Key": plain["keys"]["key1"]},
        )
        assert refused.status_code == 409 and "--language-model" in refused.json()["message"]
        shown = client.get(f"/endpoints/{voice['id']}", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert shown["links"]["understand"].endswith(url) and shown["languageModel"] == "kw-v1"
        assert shown["operation"] == "understand" and shown["links"]["recognize"].endswith("/recognize")

        # The studio names both models and calls /understand (it said /recognize and tried only the recognition).
        signed_in = client.post("/studio/signin", data={"token": TOKEN, "next": "/studio/"})
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', signed_in.text).group(1)
        studio = f"/studio/projects/{voice['projectId']}"
        page = client.get(f"{studio}/endpoints/{voice['id']}").text
        assert (
            f'id="understand-url">http://testserver{url}</code>' in page and "ends in <code>/understand</code>" in page
        )
        assert "<code>/recognize</code> answers the whisper-tiny.en part alone" in page
        samples = re.findall(r'id="sample-(?:curl|python)">([^<]*)</pre>', page)
        assert len(samples) == 2 and all(url in sample and "/recognize" not in sample for sample in samples)
        assert (
            "answer[&#34;intent&#34;]" in samples[1] and "Serving <strong>whisper-tiny.en then kw-v1</strong>" in page
        )
        assert "<td>whisper-tiny.en then kw-v1</td>" in client.get(f"{studio}/deployment").text
        tried = client.post("/studio/try", data={"csrf": csrf, "endpoint": voice["id"]},
                            files={"file": ("clip.wav", audio, "audio/wav")})  # fmt: skip
        assert tried.status_code == 200 and tried.json()["result"]["intent"] == "callback", tried.text
    said = " ".join(cli("project", "show", "calls").stdout.split())
    assert "voice (serves whisper-tiny.en then kw-v1)" in said and "plain (serves whisper-tiny.en)" in said
    logged = endpoint_logs.list_logs(workspace, "voice")
    assert len(logged) == 2 and body["logId"] in {log["id"] for log in logged}
    # The logs export to the speech project as audio, and (the understood requests) to the language project.
    audio = endpoint_logs.export_logs(workspace, "voice", "calls", "voice-audio")
    assert (audio["kind"], audio["accepted"]) == ("audio", 2)
    texts = endpoint_logs.export_logs(workspace, "voice", "bot", "voice-texts")
    assert (texts["kind"], texts["accepted"]) == ("utterances", 1)
    downloaded = tmp_path / "downloaded"  # the speech files and the language project's: only an export wrote those
    assert endpoint_logs.download_logs(workspace, "voice", downloaded) == 2
    assert {"trans.txt", "logs.jsonl", "utterances.yml"} <= {p.name for p in downloaded.iterdir()}
    [record] = datasets.dataset_records(workspace, texts["id"])
    assert (record["text"], record["intent"]) == (body["text"], "callback")


def test_nothing_heard_keeps_the_answer_shape_of_the_language_model(workspace: Workspace, toy: None) -> None:
    """An empty transcript is out of scope for a model that decides intents; a model without intents (here the
    base pipeline, as for entities projects) answers its intent fields null, as its ``/parse`` does."""
    projects.create_project(workspace, "calls", "speech")
    voice = endpoints.create_endpoint(workspace, "calls", "ner", "whisper-tiny.en", language_model_ref="en-core-web-sm")
    projects.create_project(workspace, "names", "entities")
    text_endpoint = endpoints.create_endpoint(workspace, "names", "text", "en-core-web-sm")
    text_key = text_endpoint["keys"]["key1"]
    buffer = io.BytesIO()
    # whisper-tiny.en hears nothing in 0.1 s of digital silence (the transcript is empty: nothing to parse)
    soundfile.write(buffer, np.zeros(1600, dtype=np.float32), 16_000, format="WAV", subtype="PCM_16")
    with TestClient(create_app(workspace)) as client:
        answer = client.post(
            f"/endpoints/{voice['id']}/understand",
            content=buffer.getvalue(),
            headers={"Content-Type": "audio/wav", "X-Tunefork-Key": voice["keys"]["key1"]},
        )
        assert answer.status_code == 200, answer.text
        parsed = client.post(
            f"/endpoints/{text_endpoint['id']}/parse", json={"text": "hello"}, headers={"X-Tunefork-Key": text_key}
        ).json()
    body = answer.json()
    keys = ("intent", "confidence", "intents", "out_of_scope", "threshold")
    assert {key: body[key] for key in keys} == {key: parsed[key] for key in keys}
    assert (body["text"], body["intent"], body["out_of_scope"], body["entities"]) == ("", None, None, [])
    assert nothing_heard(ResolvedModel(name=BASE_MODEL)) == NOTHING_HEARD  # the toy decides intents
    assert (NOTHING_HEARD["out_of_scope"], NOTHING_HEARD["confidence"]) == (True, 1.0)  # not "0% out of scope"


def test_nothing_heard_reads_each_language_models_card_once(workspace: Workspace, tmp_path: Path) -> None:
    """Whether a model decides intents is read from its card once per model folder (a trained model's folder never
    changes); another model, as after an endpoint update, is another folder and gets its own answer."""
    projects.create_project(workspace, "bot", "language")
    rows = [("refill my pills", "refill"), ("I need a refill", "refill"), ("refill please", "refill"),
            ("hello there", "greet"), ("hi there", "greet"), ("good morning", "greet")]  # fmt: skip
    (tmp_path / "train.csv").write_text("text,intent\n" + "".join(f"{t},{i}\n" for t, i in rows), encoding="utf-8")
    (tmp_path / "rules.jsonl").write_text('{"label": "DRUG", "pattern": "lipitor"}\n', encoding="utf-8")
    datasets.upload_dataset(workspace, "bot", tmp_path / "train.csv", "utterances", "intents")
    datasets.upload_dataset(workspace, "bot", tmp_path / "rules.jsonl", "patterns", "rules")
    training.create_model(workspace, "bot", "with-intents", "en-core-web-sm", ["intents"],
                          options={"intent_classifier": "tfidf"})  # fmt: skip
    training.create_model(workspace, "bot", "rules-only", "en-core-web-sm", ["rules"])
    resolved = []
    for name in ("with-intents", "rules-only"):
        assert training.run_training(workspace, name).model["status"] == "Succeeded"
        resolved.append(resolve_model(workspace, name))
    intents, rules = resolved
    assert nothing_heard(intents) == NOTHING_HEARD
    cards = [model.artifact_dir / CARD_NAME for model in resolved]
    for card in cards:  # from here on, a read of either card would fail
        card.rename(card.with_name("moved.json"))
    try:
        assert nothing_heard(intents) == NOTHING_HEARD  # not read again
        with pytest.raises(TuneforkError, match="cannot read the model card"):
            nothing_heard(rules)  # another model: its own card is read
    finally:
        for card in cards:
            card.with_name("moved.json").rename(card)
    assert (nothing_heard(rules)["intent"], nothing_heard(rules)["out_of_scope"]) == (None, None)


def test_a_transcript_without_a_letter_or_digit_is_nothing_heard() -> None:
    """Silence transcribed as '.' was parsed, logged and exported as an out-of-scope example (a voice review)."""
    from tunefork.kinds.voice import heard_text

    assert [heard_text(text) for text in (".", " ... ", "", "?!")] == ["", "", "", ""]
    assert heard_text(" 2 pizzas. ") == "2 pizzas." and heard_text("Okay.") == "Okay."
