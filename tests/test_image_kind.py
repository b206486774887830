"""The ``image`` kind end to end: upload, inspect, train, evaluate, refuse train/test overlap, classify, export."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from image_samples import concept_folders

from tunefork.service.app import create_app
from tunefork.vision import heads
from tunefork.vision.classifier import ImageClassifier, decide
from tunefork.vision.heads import HeadConfig, train_head
from tunefork.vision.overlap import overlapping
from tunefork.vision.scoring import GoldImage, ImageEvaluationResult, ModelImageScores, score_model
from tunefork.workspace import Workspace


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("shapes")
    train = concept_folders(root / "train", 8, seed=1)
    test = concept_folders(root / "test", 5, seed=2)
    leaky = concept_folders(root / "leaky", 2, seed=3)
    shutil.copy(train / "circle" / "0.png", leaky / "circle" / "from-train.png")
    return {"train": train, "test": test, "leaky": leaky}


def test_an_image_project_trains_evaluates_serves_and_exports(
    cli, shapes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    created = cli("project", "create", "shelf", "--kind", "image")
    assert "--kind images" in created.output
    for name in ("train", "test", "leaky"):
        cli("dataset", "upload", "shelf", str(shapes[name]), "--kind", "images", "--name", name)
    report = json.loads(cli("dataset", "inspect", "train", "--json").stdout)["report"]
    assert report["concepts"] == {"circle": 8, "square": 8, "triangle": 8}

    trained = cli("model", "train", "shelf", "--name", "shapes-v1", "--base", "efficientnet-lite0",
                  "--dataset", "train", "--test-dataset", "test", "--gate", "--json")  # fmt: skip
    model = json.loads(trained.stdout)
    assert model["status"] == "Succeeded", model
    assert model["metrics"]["test"]["models"][1]["accuracy"] >= 0.8
    # The card keeps only what applies to an image model: no speech custom weight, epochs, terms or guard check.
    card = json.loads(cli("model", "show", "shapes-v1", "--json").stdout)
    assert card["parameters"] == {
        "seed": 0, "options": {}, "test_dataset": model["parameters"]["test_dataset"], "gate": True}  # fmt: skip
    assert card["gate"] == {"passed": True, "reason": None}  # beat chance: the base knows no concept
    terms = shapes["train"].parent / "terms.txt"
    terms.write_text("circle\n", encoding="utf-8")
    refused = cli("model", "train", "shelf", "--name", "shapes-v2", "--dataset", "train", "--terms", str(terms),
                  expect=1)  # fmt: skip
    assert "--terms does not apply to image models" in " ".join(refused.output.split())

    result = json.loads(
        cli("evaluate", "--dataset", "test", "--model", "efficientnet-lite0", "--model", "shapes-v1", "--json").stdout
    )
    base, custom = result["models"]
    assert base["accuracy"] == 0.0 and custom["accuracy"] >= 0.8, custom
    assert set(custom["per_concept"]) >= {"circle", "square", "triangle"}
    assert result["difference"]["accuracy_delta"] > 0.5 and result["difference"]["winner"] == "shapes-v1"
    # over a base that knows no concept, a "significant" difference says nothing: the chance check replaces it
    assert "significant" not in result["difference"] and result["difference"]["chance"]["beaten"]
    # the base model knows no concept: the verdict over it says what it shows (an image review read it as a gain)
    assert any("'efficientnet-lite0' is a base model and knows none of this project's labels" in warning
               and "'shapes-v1' learned them" in warning for warning in result["warnings"])  # fmt: skip
    # and the model is judged against chance, answering the commonest test concept to every image (a review: a
    # "significant" win over a base that knows no concept was claimed for any model)
    assert result["chance"]["beaten"] and 0 < result["chance"]["share"] < 0.5

    table = cli("evaluate", "--dataset", "test", "--model", "efficientnet-lite0", "--model", "shapes-v1")
    report = Path(table.output.split("Report:")[1].split()[0])
    assert {"confusion_model2.png", "precision_recall_model2.png", "misclassified.jsonl"} <= {
        p.name for p in report.iterdir()}  # fmt: skip
    assert "### shapes-v1: per concept" in (report / "report.md").read_text()
    # Each misclassified line says what the model answered (an image review saw only scores): the base decides none.
    assert re.search(r"\n- \S+: (circle|square|triangle) -> none of these\n", (report / "report.md").read_text())

    # the training image in the test set is left out of the scores (it refused the whole evaluation before, and a
    # review could only upload the test set again: items are not deleted one by one)
    leaky = cli("evaluate", "--dataset", "leaky", "--model", "shapes-v1", "--json")
    scored = json.loads(leaky.stdout)
    assert scored["items"] == 6  # of 7
    assert any("was trained on 1 of these 7 test images" in w and "left out of the scores" in w
               for w in scored["warnings"])  # fmt: skip
    # asked at training, the same overlap is said before anything trains
    told = " ".join(cli("model", "train", "shelf", "--name", "leaky-v1", "--dataset", "train", "--test-dataset",
                        "leaky").output.split())  # fmt: skip
    assert "Test dataset 'leaky': 1 of the 7 test images are also training images" in told
    assert "Evaluations leave them out of the scores" in told
    every = cli("model", "train", "shelf", "--name", "all-v1", "--dataset", "train", "--test-dataset", "train",
                expect=1)  # fmt: skip
    assert "also a training dataset" in " ".join(every.output.split())

    endpoint = json.loads(cli("endpoint", "create", "shelf", "--model", "shapes-v1", "--name", "shelf-ep", "--logging",
                              "--json").stdout)  # fmt: skip
    assert endpoint["url"].endswith(f"/endpoints/{endpoint['id']}/classify")
    _classify_with_the_key(cli.home, endpoint, shapes["test"], monkeypatch, report.name)
    exported = cli("endpoint", "logs", "export", "shelf-ep", "--to-dataset", "shelf", "--name", "traffic")
    assert "(images, csv manifest)" in exported.output and "accepted: 2  rejected: 0" in exported.output
    traffic = json.loads(cli("dataset", "inspect", "traffic", "--json").stdout)["report"]
    assert traffic["concepts"] == {"circle": 1, "square": 1}


def _classify_with_the_key(
    home: Path, endpoint: dict, images: Path, monkeypatch: pytest.MonkeyPatch, evaluation_id: str
) -> None:
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", "image-admin-token")
    url = f"/endpoints/{endpoint['id']}/classify"
    key = {"X-Tunefork-Key": endpoint["keys"]["key1"]}
    circle = (images / "circle" / "1.png").read_bytes()
    workspace = Workspace.open(home)
    try:
        with TestClient(create_app(workspace)) as client:
            assert client.post(url, content=circle, headers={"Content-Type": "image/png"}).status_code == 401
            answer = client.post(url, content=circle, headers=key | {"Content-Type": "image/png"})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["decision"] == ["circle"] and not body["none_of_these"] and body["model"] == "shapes-v1"
            assert body["concepts"][0]["name"] == "circle" and len(body["concepts"]) == 3
            square = (images / "square" / "2.png").read_bytes()
            multipart = client.post(url, files={"file": ("s.png", square, "image/png")}, headers=key)
            assert multipart.status_code == 200 and multipart.json()["decision"] == ["square"]
            broken = client.post(url, content=b"not an image", headers=key | {"Content-Type": "image/jpeg"})
            assert broken.status_code == 422 and "could not be used" in broken.json()["message"]
            wrong = client.post(url, content=circle, headers=key | {"Content-Type": "text/plain"})
            assert wrong.status_code == 415
            _studio_pages(client, endpoint["projectId"], evaluation_id)
    finally:
        workspace.close()


def _config(**overrides) -> HeadConfig:
    values = {"concepts": ["cat", "dog"], "multi_label": False, "feature_set": "embedding", "c": 1.0,
              "thresholds": {"cat": 0.7, "dog": 0.4}}  # fmt: skip
    return HeadConfig(**(values | overrides))


def _studio_pages(client: TestClient, project_id: str, evaluation_id: str) -> None:
    """The studio shows the contact sheet, thumbnails and the evaluation gallery of an image project."""
    client.post("/studio/signin", data={"token": "image-admin-token", "next": "/studio/"})
    for tab in ("", "/data", "/training", "/evaluation", "/deployment"):
        assert client.get(f"/studio/projects/{project_id}{tab}").status_code == 200, tab
    data = client.get(f"/studio/projects/{project_id}/data").text
    dataset_id = data.split("/datasets/")[1].split('"')[0]
    page = client.get(f"/studio/projects/{project_id}/datasets/{dataset_id}")
    assert page.status_code == 200 and 'id="contact-sheet"' in page.text and "/thumbnail" in page.text
    thumb = page.text.split('src="/studio/datasets/')[1].split('"')[0]
    picture = client.get(f"/studio/datasets/{thumb}")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    evaluation = client.get(f"/studio/projects/{project_id}/evaluations/{evaluation_id}")
    assert evaluation.status_code == 200 and "precision_recall_model2.png" in evaluation.text
    assert "Misclassified (15, most confident first)" in evaluation.text  # the base model decides nothing


def test_a_model_no_better_than_chance_is_not_called_a_significant_gain_over_the_base() -> None:
    """A REST client read `difference.significant: true` for a model at 41.7% where answering the commonest concept
    scored 54.2% (the base knows no concept: any model beats it)."""

    def scores(name: str, model_id: str | None, accuracy: float) -> ModelImageScores:
        concepts = {"alpha": {"support": 11}, "beta": {"support": 13}}
        return ModelImageScores(name, model_id, accuracy, accuracy, concepts, None, None, [])

    difference = {"accuracy_delta": 0.4167, "ci95": [0.2083, 0.625], "significant": True}
    result = ImageEvaluationResult("test", 24, [scores("base", None, 0.0), scores("noise-v2", "1", 0.4167)], difference)
    shown = result.to_json()["difference"]
    assert shown["winner"] is None and not shown["chance"]["beaten"] and "significant" not in shown
    assert "no better than chance" in result.verdict()
    other = ImageEvaluationResult("test", 24, [scores("a", "1", 0.5), scores("b", "2", 0.9)], difference)
    assert other.to_json()["difference"] == {**difference, "winner": "b"}  # two custom models: the bootstrap's


def test_thresholds_decide_as_documented() -> None:
    row = np.array([0.6, 0.4])
    assert decide(_config(), row) == ["cat"]  # closed set: the top concept, whatever its score
    assert decide(_config(fixed_threshold=0.65), row) == []  # one threshold for every concept
    assert decide(_config(fixed_threshold=0.5), row) == ["cat"]
    with_negatives = _config(negatives_class=True)  # tuned per-concept thresholds apply
    assert decide(with_negatives, np.array([0.6, 0.3, 0.1])) == []  # cat needs 0.7
    assert decide(with_negatives, np.array([0.3, 0.5, 0.2])) == ["dog"]  # dog needs 0.4
    assert decide(with_negatives, np.array([0.2, 0.2, 0.6])) == []  # the negatives' class wins
    multi = _config(multi_label=True)
    assert decide(multi, np.array([0.75, 0.45])) == ["cat", "dog"] and decide(multi, np.array([0.5, 0.3])) == []


def test_a_multi_label_head_tunes_thresholds_and_is_scored_with_map() -> None:
    rng = np.random.default_rng(0)
    labels = [sorted({"red", "round"} & set(rng.choice(["red", "round", "x"], 2))) or ["red"] for _ in range(40)]
    signal = np.array([[("red" in row) * 2.0, ("round" in row) * 2.0] for row in labels])
    blocks = {
        name: rng.normal(size=(40, width))
        for name, width in (
            ("block4", 4),
            ("block7", 4),
            ("block10", 4),
            ("block14", 4),
            ("embedding", 8),
            ("pixels", 8),
        )
    }
    blocks["embedding"][:, :2] += signal  # fmt: skip
    head = train_head(blocks, labels, [False] * 40)
    assert head.config.multi_label and head.config.open_set and set(head.config.thresholds) == {"red", "round"}
    assert head.config.cross_validation["metric"] == "mAP" and head.config.cross_validation["folds"] == 3
    scores = head.score(blocks)
    classifier = ImageClassifier("m", head=head)
    answers = [classifier.answer(row) for row in scores]
    gold = [GoldImage(str(n), "", row) for n, row in enumerate(labels)]
    scored = score_model("m", None, gold, answers, head.config.concepts, scores)
    assert scored.mean_average_precision is not None and scored.mean_average_precision > 0.9
    assert scored.confusion is None and set(scored.per_concept) >= {"red", "round"}


def test_overlap_refuses_the_same_file_and_flags_near_copies() -> None:
    trained = [{"sha256": "a" * 64, "phash": "ffff000000000000"}]
    test = [{"id": "same", "sha256": "a" * 64, "phash": "0" * 16}, {"id": "near", "sha256": "b" * 64,
            "phash": "ffff00000000000f"}, {"id": "other", "sha256": "c" * 64, "phash": "00000000ffffffff"}]  # fmt: skip
    assert overlapping(test, trained) == (["same"], ["near"])  # a model trained before training ids were kept
    trained.append({"sha256": "d" * 64, "phash": "ffff00000000000e", "id": "circle-3"})
    assert overlapping(test, trained) == (["same"], ["near (like training image circle-3)"])


def test_cross_validation_runs_on_a_sample_of_a_large_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heads, "MAX_VALIDATED", 60)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    widths = (("block4", 4), ("block7", 4), ("block10", 4), ("block14", 4), ("embedding", 8), ("pixels", 8))
    blocks = {name: rng.normal(size=(200, width)) for name, width in widths}
    blocks["embedding"][:, :3] += 3 * np.eye(3)[y]
    head = train_head(blocks, [[str(c)] for c in y], [False] * 200)
    assert head.config.cross_validation["images"] == 60 and head.config.cross_validation["folds"] == 3
    predicted = head.score(blocks).argmax(axis=1)
    assert np.mean(predicted == y) > 0.9  # the chosen head is fitted on all 200


def test_a_misclassified_line_says_what_a_multi_label_model_decided() -> None:
    """An image review's line read "box -> box 0.96, sale 0.05, cap 0.04": the model had decided box and sale."""
    import numpy as np

    from tunefork.vision.scoring import GoldImage, compare, score_model

    gold = [GoldImage("t1", "t1.png", ["box"]), GoldImage("t2", "t2.png", ["cap", "sale"])]
    answers = [
        {"decision": ["box", "sale"], "concepts": [{"name": "box", "score": 0.96}, {"name": "sale", "score": 0.05}]},
        {"decision": ["cap", "sale"], "concepts": [{"name": "cap", "score": 0.9}, {"name": "sale", "score": 0.8}]},
    ]
    scores = np.array([[0.96, 0.01, 0.05], [0.1, 0.9, 0.8]])
    model = score_model("ml1", "m1", gold, answers, ["box", "cap", "sale"], scores)
    details = "\n".join(compare("test", gold, [model]).markdown_details())
    assert "- t1: box -> box, sale (scores: box 0.96, sale 0.05)" in details
    assert "Misclassified (1, the 1 most confident):" in details


def test_a_model_that_answers_a_concept_to_every_negative_test_image_is_warned_about() -> None:
    """An image review evaluated a model trained without negatives on a test set with some: nothing said why."""
    import numpy as np

    from tunefork.vision.scoring import GoldImage, compare, score_model

    gold = [GoldImage("c", "c.png", ["cap"]), GoldImage("n1", "n1.png", []), GoldImage("n2", "n2.png", [])]
    cap = {"decision": ["cap"], "concepts": [{"name": "cap", "score": 0.9}]}
    none = {"decision": [], "concepts": [{"name": "cap", "score": 0.2}]}
    scores = np.array([[0.9], [0.8], [0.2]])
    closed = score_model("closed", "m1", gold, [cap, cap, cap], ["cap"], scores)
    opened = score_model("open", "m2", gold, [cap, cap, none], ["cap"], scores)
    (warning,) = compare("test", gold, [closed, opened]).warnings
    assert warning.startswith("closed answered a concept to all 2 negative test images")
    assert "--oos-threshold" in warning


def test_the_image_gate_holds_a_model_to_chance_against_the_base_and_to_its_base_otherwise() -> None:
    """Images had no --gate (a review); against the shipped base, which knows no concept, a model must beat
    answering the commonest test concept to every image, as a language model against a base without intents."""
    from tunefork.kinds import ResolvedModel
    from tunefork.kinds.image import ImageGate
    from tunefork.kinds.registry import GateContext
    from tunefork.progress import no_progress
    from tunefork.vision.scoring import compare

    gold = [GoldImage(str(n), f"{n}.png", [label]) for n, label in enumerate(["cap"] * 12 + ["hat"] * 8)]
    concepts = ["cap", "hat"]

    def scored(name: str, model_id: str | None, decisions: list[str]):
        answers = [{"decision": [d] if d else [], "concepts": [{"name": d or "cap", "score": 0.9}]} for d in decisions]
        return score_model(name, model_id, gold, answers, concepts, np.zeros((len(gold), 2)))

    def judged(base_decisions: list[str], base_id: str | None, decisions: list[str]) -> str | None:
        result = compare("test", gold, [scored("base", base_id, base_decisions), scored("v2", "2", decisions)])
        context = GateContext(ResolvedModel(name="base", model_id=base_id), ResolvedModel(name="v2", model_id="2"),
                              0.0, Path("."), no_progress)  # fmt: skip
        return ImageGate().judge(result, context).failure

    knows_none = [""] * 20
    always_cap = ["cap"] * 20  # 60%: the commonest concept's share, not better than chance
    failure = judged(knows_none, None, always_cap)
    assert failure is not None and failure.startswith("gate: v2 does not beat chance with 95% confidence")
    assert failure.endswith("(base knows none of the test concepts)")
    assert judged(knows_none, None, ["cap"] * 12 + ["hat"] * 8) is None  # every image right
    right = ["cap"] * 12 + ["hat"] * 8  # without a chance check (a multi-label model), "not worse than the base"
    assert judged(right, "1", ["hat"] * 20) == "gate: v2 is worse than base on accuracy"
    assert judged(right, "1", right) is None


def test_images_that_cannot_make_a_model_are_refused_before_it_is_recorded(cli, tmp_path: Path) -> None:
    one = concept_folders(tmp_path / "one", 3, concepts=("circle",))
    unlabeled = tmp_path / "unlabeled"
    unlabeled.mkdir()
    for n in range(3):
        shutil.copy(one / "circle" / f"{n}.png", unlabeled / f"{n}.png")
    cli("project", "create", "bins", "--kind", "image")
    cli("dataset", "upload", "bins", str(one), "--kind", "images", "--name", "one")
    cli("dataset", "upload", "bins", str(unlabeled), "--kind", "images", "--name", "unlabeled")
    refused = cli("model", "train", "bins", "--name", "bins-v1", "--dataset", "one", expect=1)
    assert "Cannot train on dataset 'one': their images show one concept, 'circle': a model needs images of at " \
        "least two concepts, or a none-of-these folder" in " ".join(refused.output.split())  # fmt: skip
    refused = cli("model", "train", "bins", "--name", "bins-v1", "--dataset", "unlabeled", expect=1)
    assert "none of their images is labelled with a concept" in " ".join(refused.output.split())
    assert "bins-v1" not in cli("model", "list", "bins").output


def test_the_same_image_labelled_two_ways_is_warned_about_at_training() -> None:
    from tunefork.vision.training import ImageData, conflicting_images

    data = ImageData([("a.png", ["cat"], False, "h1", "p"), ("b.png", ["dog"], False, "h1", "p"),
                      ("c.png", ["dog"], False, "h2", "p"), ("d.png", [], True, "h2", "p"),
                      ("e.png", ["cat"], False, "h3", "p"), ("f.png", ["cat"], False, "h3", "p")])  # fmt: skip
    assert conflicting_images(data) == [
        "2 training image(s) carry different labels in different places (one as cat and as dog): both were trained "
        "on. Keep each image under one concept."
    ]
