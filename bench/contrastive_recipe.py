"""Top-1 of the contrastive intent recipe alone on ATIS, 10 examples per intent, for other steps, layers and rates.

For each seed, the model ``train_intents`` trains last when it picks ``contrastive`` (the encoder's top layers
fine-tuned on every example and the background texts, then the linear head over those embeddings and TF-IDF
n-grams) is trained with ``--steps`` fine-tuning steps, ``--layers`` trained top layers and ``--learning-rate``
(``--all-data``: once, on the 4,634 unique ``train_dev`` utterances ``bench/language.py`` trains on, seed 0),
and scored by top-1 accuracy on all 893 ATIS test utterances. No cross-validation and no out-of-scope decision:
a quick way to compare recipe settings before a full ``bench/atis_few_shot.py`` run. CPU seconds cover the lower
layers' states (test texts included, they are frozen) and one fine-tuning.

    .venv/bin/python bench/contrastive_recipe.py --cache /tmp/atis --steps 60 --layers 2 --seeds 0,1,2,3,4
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from atis import ensure_atis, read_atis, sample_per_intent, upload_order_unique

from tunefork.language import intent_contrastive, intents
from tunefork.language.background import background_texts
from tunefork.language.base import OUT_OF_SCOPE

PER_INTENT = 10


def top1(train: list, test: list, seed: int, layers: int) -> float:
    """Top-1 accuracy on ``test`` of the contrastive recipe trained on ``train``."""
    texts, labels = [u.text for u in train], sorted({u.intent for u in train})
    negatives = background_texts([(u.text, u.intent) for u in train], [], seed).texts
    known = texts + negatives
    gold = np.array([labels.index(u.intent) for u in train] + [len(labels)] * len(negatives))
    states = intent_contrastive.LowerLayerStates(known + [u.text for u in test], trained_layers=layers)
    vectors = states.embed(intents._fine_tune(states, np.arange(len(known)), gold, len(labels), seed))
    features = intents.Features("contrastive")
    x_train = features.fit_transform(known, vectors[: len(known)])
    weights = intents._sample_weights(np.ones(len(texts)), len(labels), len(negatives))
    classifier = intents._new_classifier(seed).fit(x_train, np.asarray([*labels, OUT_OF_SCOPE])[gold], weights)
    logits = intents._logits(classifier, features.transform([u.text for u in test], vectors[len(known) :]))
    columns = [[str(c) for c in classifier.classes_].index(label) for label in labels]
    predicted = np.array(labels)[logits[:, columns].argmax(axis=1)]
    return float(np.mean(predicted == np.array([u.intent for u in test])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, required=True, help="folder ATIS is installed into (pip --target)")
    parser.add_argument("--steps", type=int, default=intent_contrastive.STEPS, help="fine-tuning steps")
    parser.add_argument("--layers", type=int, default=intent_contrastive.TRAINED_LAYERS, help="trained top layers")
    parser.add_argument("--learning-rate", type=float, default=intent_contrastive.LEARNING_RATE, help="AdamW rate")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated sampling seeds")
    parser.add_argument("--all-data", action="store_true", help="every unique train_dev utterance, seed 0")
    args = parser.parse_args()
    intent_contrastive.STEPS, intent_contrastive.LEARNING_RATE = args.steps, args.learning_rate
    folder = ensure_atis(args.cache)
    train, test = read_atis(folder / "train_dev"), read_atis(folder / "test")
    scores = []
    setting = f"steps {args.steps} layers {args.layers} rate {args.learning_rate:g}"
    samples = [(0, upload_order_unique(train))] if args.all_data else []
    seeds = [int(seed) for seed in args.seeds.split(",")]
    samples = samples or [(seed, sample_per_intent(train, PER_INTENT, seed)) for seed in seeds]
    for seed, sample in samples:
        cpu = time.process_time()
        scores.append(top1(sample, test, seed, args.layers))
        print(
            f"{setting} seed {seed}: top-1 {100 * scores[-1]:.1f}% ({time.process_time() - cpu:.0f} CPU s)", flush=True
        )
    print(f"{setting} mean top-1 {100 * statistics.mean(scores):.1f}%")


if __name__ == "__main__":
    main()
