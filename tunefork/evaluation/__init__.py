"""Honest evaluation: normalizers, WER alignment, significance, train/test overlap and reports.

Pure library code: plain data in, plain data out. The CLI and the service render the results.
"""

from tunefork.evaluation.alignment import AlignedPair, EditOp, align_words, count_ops
from tunefork.evaluation.comparison import ComparisonResult, compare_models
from tunefork.evaluation.metrics import CorpusScore, UtteranceScore, error_rate, score_corpus, score_utterance
from tunefork.evaluation.normalizer import (
    DEFAULT_NORMALIZER,
    EnglishNormalizer,
    IdentityNormalizer,
    Normalizer,
    get_normalizer,
    normalizer_names,
)
from tunefork.evaluation.overlap import OverlapFinding, find_overlap, overlap_warning
from tunefork.evaluation.report import format_table, render_markdown, verdict, write_report
from tunefork.evaluation.significance import BootstrapResult, paired_bootstrap

__all__ = [
    "DEFAULT_NORMALIZER",
    "AlignedPair",
    "BootstrapResult",
    "ComparisonResult",
    "CorpusScore",
    "EditOp",
    "EnglishNormalizer",
    "IdentityNormalizer",
    "Normalizer",
    "OverlapFinding",
    "UtteranceScore",
    "align_words",
    "compare_models",
    "count_ops",
    "error_rate",
    "find_overlap",
    "format_table",
    "get_normalizer",
    "normalizer_names",
    "overlap_warning",
    "paired_bootstrap",
    "render_markdown",
    "score_corpus",
    "score_utterance",
    "verdict",
    "write_report",
]
