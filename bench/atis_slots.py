"""ATIS slots with the CRF slot tagger (issue 12): strict span F1 on all 893 test utterances.

The CRF (:mod:`tunefork.language.crf_slots`) trains on every ``train_dev`` utterance's slots and tags the
test utterances, duplicates kept (the usual ATIS protocol); no value lookup, no workflow. Compare with the
slot F1 of spaCy's fine-tuned NER in the ``bench/language.py`` table (the last column scores the same 893).
ATIS has 4,978 training texts, more than the per-project cross-validation looks at, so ``auto`` keeps
spaCy's NER there; this measures what the CRF would give.

    .venv/bin/python bench/atis_slots.py --cache /tmp/atis
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from atis import ensure_atis, read_atis

from tunefork.evaluation.spans import span_scores
from tunefork.language.crf_slots import CrfTagger
from tunefork.language.data import AnnotatedText


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tunefork-bench")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    folder = ensure_atis(args.cache)
    train, test = read_atis(folder / "train_dev"), read_atis(folder / "test")
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        tagger = CrfTagger.train([AnnotatedText(u.text, sorted(u.slots)) for u in train], Path(scratch))
        seconds = time.perf_counter() - started
        predicted = tagger.predict([u.text for u in test])
    scores = span_scores([sorted(u.slots) for u in test], predicted)
    figures = {
        "train_utterances": len(train),
        "test_utterances": len(test),
        "precision": scores["precision"],
        "recall": scores["recall"],
        "f1": scores["f1"],
        "train_seconds": round(seconds, 1),
    }
    print("| tagger | train utt. | test utt. (dups kept) | slot P / R / F1 | train s |")
    print("|---|---:|---:|---|---:|")
    print(
        f"| CRF | {len(train)} | {len(test)} | {100 * scores['precision']:.1f} / {100 * scores['recall']:.1f} / "
        f"{100 * scores['f1']:.1f} | {seconds:.0f} |"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
