"""Label conventions shared by training data, models and scores: the "none of these" intent."""

from __future__ import annotations

OUT_OF_SCOPE = "out_of_scope"
"""The label an out-of-scope decision gets in evaluations (and the intent name users give such examples)."""

OUT_OF_SCOPE_NAMES = frozenset({OUT_OF_SCOPE, "oos", "none", "nlu_fallback", "fallback"})
"""Intent names that mean "none of these" in training and test data (Rasa, CLINC150, Lex habits)."""
