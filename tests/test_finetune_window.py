"""Fine-tuning encodes a batch in the window serving uses (issue 17), on a tiny random Whisper."""

from __future__ import annotations

import numpy as np
import pytest

from tunefork.speech.encoder_window import FULL_WINDOW_FRAMES, MIN_WINDOW_FRAMES, cut_to_window
from tunefork.speech.whisper_custom.finetune import encode

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def padded(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """30 s padded log-mel features with ``seconds`` of (nonzero) audio, as ``log_mel`` returns them."""
    features = np.zeros((80, FULL_WINDOW_FRAMES), dtype=np.float32)
    features[:, : round(seconds * 100)] = rng.uniform(-1.5, 1.0, (80, round(seconds * 100)))
    return features


@pytest.fixture(scope="module")
def tiny_model():
    config = transformers.WhisperConfig(
        vocab_size=64,
        num_mel_bins=80,
        d_model=16,
        encoder_layers=2,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_source_positions=1500,
        max_target_positions=32,
        pad_token_id=0,
        bos_token_id=0,
        eos_token_id=0,
        decoder_start_token_id=1,
    )
    torch.manual_seed(0)
    return transformers.WhisperForConditionalGeneration(config).eval()


def batch_window(features: list[np.ndarray]) -> int:
    """Frames a stacked batch is cut to, as ``Finetuner`` cuts it."""
    return cut_to_window(np.stack(features)).shape[-1]


def test_a_batch_is_encoded_in_the_window_of_its_longest_clip():
    rng = np.random.default_rng(0)
    assert batch_window([padded(3.2, rng), padded(4.9, rng)]) == MIN_WINDOW_FRAMES
    assert batch_window([padded(3.0, rng), padded(12.3, rng)]) == 1500  # 12.3 s + 2 s, whole seconds
    assert batch_window([padded(29.0, rng)]) == FULL_WINDOW_FRAMES


def test_encode_matches_transformers_on_30_s_and_trains_on_a_short_window(tiny_model):
    features = torch.from_numpy(np.stack([padded(3.0, np.random.default_rng(i)) for i in range(2)]))
    encoder = tiny_model.model.encoder
    with torch.no_grad():
        assert torch.allclose(encode(encoder, features), encoder(features).last_hidden_state, atol=1e-5)

    short = features[..., :MIN_WINDOW_FRAMES]
    encoded = encode(encoder, short)
    assert encoded.shape == (2, MIN_WINDOW_FRAMES // 2, 16)
    logits = tiny_model(encoder_outputs=(encoded,), decoder_input_ids=torch.tensor([[1, 5, 6], [1, 7, 8]])).logits
    logits.sum().backward()
    assert encoder.conv1.weight.grad is not None and encoder.layers[0].fc1.weight.grad.abs().sum() > 0
    # The model keeps the full positional table, so its CTranslate2 export is unchanged.
    assert encoder.embed_positions.weight.shape == (1500, 16)
