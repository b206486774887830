"""Training options refused for the project's kind are named as the user wrote them (new-user QA)."""

from __future__ import annotations

import pytest

import tunefork.kinds  # noqa: F401  (registers every kind)
from tunefork.errors import TuneforkError
from tunefork.kinds.options import training_parameters
from tunefork.kinds.registry import get_kind


def test_foreign_option_is_named_by_its_cli_flag_and_rest_field() -> None:
    with pytest.raises(TuneforkError) as refused:
        training_parameters(get_kind("language"), {"custom_weight": 30})
    assert str(refused.value) == "Option(s) --custom-weight (customWeight) apply to speech models only."
    assert "custom_weight" not in str(refused.value)
