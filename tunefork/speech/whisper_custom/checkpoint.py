"""CTranslate2 <-> transformers conversion of Whisper checkpoints, offline.

faster-whisper serves CTranslate2 models (``model.bin`` + ``config.json`` + ``tokenizer.json`` +
vocabulary); PyTorch training needs :class:`transformers.WhisperForConditionalGeneration`. This
module reads a CTranslate2 ``model.bin`` straight from its binary layout (the inverse of
``ctranslate2.specs.ModelSpec._serialize``), maps its variables onto the transformers state dict
(splitting the fused self-attention QKV and cross-attention KV projections; the output projection
is tied to the token embedding) and writes a trained model back with
``ctranslate2.converters.TransformersConverter``. Nothing touches the Hugging Face hub: the
tokenizer, vocabulary and decoding config are copied from the source CTranslate2 directory.

torch and transformers are imported lazily so that importing this module stays cheap.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunefork.errors import TuneforkError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from transformers import WhisperForConditionalGeneration

# CTranslate2 DataType enum order (include/ctranslate2/types.h).
_CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
_BFLOAT16 = 5
_SUPPORTED_BINARY_VERSIONS = {5, 6}
COPIED_FILES = ("tokenizer.json", "preprocessor_config.json")
"""Files copied unchanged from the source model directory into a converted one (when present)."""


@dataclass
class CT2Checkpoint:
    """The variables of a CTranslate2 Whisper ``model.bin`` (float32 numpy arrays) and its aliases."""

    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]

    def get(self, name: str) -> np.ndarray:
        """A variable by name, following aliases (``decoder/projection/weight`` -> embeddings)."""
        return self.variables[self.aliases.get(name, name)]


class _Reader:
    """Sequential reader of the little-endian CTranslate2 binary format."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def unpack(self, fmt: str) -> Any:
        value = struct.unpack_from("<" + fmt, self.data, self.offset)[0]
        self.offset += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        length = self.unpack("H")  # includes the trailing NUL
        text = self.data[self.offset : self.offset + length - 1].decode("utf-8")
        self.offset += length
        return text

    def array(self, dims: list[int], dtype_id: int, num_bytes: int) -> np.ndarray:
        raw = self.data[self.offset : self.offset + num_bytes]
        self.offset += num_bytes
        if dtype_id == _BFLOAT16:
            as_int = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            return as_int.view(np.float32).reshape(dims)
        if dtype_id not in _CT2_DTYPES:
            raise TuneforkError(f"unsupported CTranslate2 data type id {dtype_id}")
        return np.frombuffer(raw, dtype=_CT2_DTYPES[dtype_id]).reshape(dims)


def read_ct2_checkpoint(model_dir: str | Path) -> CT2Checkpoint:
    """Parse ``model_dir/model.bin`` into numpy arrays (weights as float32).

    Raises :class:`TuneforkError` for a file that is not a Whisper model or whose weights were
    quantized to int8 (an int8 model cannot be trained; start from the float16 original).
    """
    path = Path(model_dir) / "model.bin"
    try:
        reader = _Reader(path.read_bytes())
    except OSError as exc:
        raise TuneforkError(f"cannot read CTranslate2 model {path}: {exc}") from exc
    version = reader.unpack("I")
    if version not in _SUPPORTED_BINARY_VERSIONS:
        raise TuneforkError(f"{path}: unsupported CTranslate2 binary version {version}")
    spec = reader.string()
    if spec != "WhisperSpec":
        raise TuneforkError(f"{path}: not a Whisper model (spec {spec!r})")
    revision = reader.unpack("I")
    variables: dict[str, np.ndarray] = {}
    for _ in range(reader.unpack("I")):
        name = reader.string()
        dims = [reader.unpack("I") for _ in range(reader.unpack("B"))]
        dtype_id = reader.unpack("B")
        num_bytes = reader.unpack("I")
        variables[name] = reader.array(dims, dtype_id, num_bytes)
    aliases = {}
    for _ in range(reader.unpack("I")):
        alias = reader.string()
        aliases[alias] = reader.string()
    if any(name.endswith("weight_scale") for name in variables):
        raise TuneforkError(
            f"{path}: the weights are quantized (int8); fine-tuning needs a float16 or float32 CTranslate2 model"
        )
    return CT2Checkpoint(spec=spec, revision=revision, variables=variables, aliases=aliases)


def _count_layers(variables: dict[str, np.ndarray], prefix: str) -> int:
    pattern = re.compile(rf"^{prefix}/layer_(\d+)/")
    indices = {int(match.group(1)) for name in variables if (match := pattern.match(name))}
    return max(indices) + 1 if indices else 0


def hf_config_from_checkpoint(checkpoint: CT2Checkpoint) -> dict[str, Any]:
    """``transformers.WhisperConfig`` arguments inferred from the tensor shapes of a checkpoint."""
    variables = checkpoint.variables
    vocab_size, d_model = variables["decoder/embeddings/weight"].shape
    ffn_dim = variables["encoder/layer_0/ffn/linear_0/weight"].shape[0]
    return {
        "vocab_size": int(vocab_size),
        "num_mel_bins": int(variables["encoder/conv1/weight"].shape[1]),
        "d_model": int(d_model),
        "encoder_layers": _count_layers(variables, "encoder"),
        "decoder_layers": _count_layers(variables, "decoder"),
        "encoder_attention_heads": int(variables["encoder/num_heads"]),
        "decoder_attention_heads": int(variables["decoder/num_heads"]),
        "encoder_ffn_dim": int(ffn_dim),
        "decoder_ffn_dim": int(variables["decoder/layer_0/ffn/linear_0/weight"].shape[0]),
        "max_source_positions": int(variables["encoder/position_encodings/encodings"].shape[0]),
        "max_target_positions": int(variables["decoder/position_encodings/encodings"].shape[0]),
        "activation_function": "gelu",
        "scale_embedding": False,
        "tie_word_embeddings": True,
        # Whisper's special token ids are the same for every English-only and multilingual size
        # (<|endoftext|> = 50256, <|startoftranscript|> = 50257).
        "pad_token_id": 50256,
        "bos_token_id": 50256,
        "eos_token_id": 50256,
        "decoder_start_token_id": 50257,
    }


def _linear(state: dict[str, np.ndarray], hf: str, weight: np.ndarray, bias: np.ndarray | None) -> None:
    state[f"{hf}.weight"] = weight
    if bias is not None:
        state[f"{hf}.bias"] = bias


def _layer_norm(state: dict[str, np.ndarray], hf: str, ct2: CT2Checkpoint, prefix: str) -> None:
    state[f"{hf}.weight"] = ct2.get(f"{prefix}/gamma")
    state[f"{hf}.bias"] = ct2.get(f"{prefix}/beta")


def _attention(state: dict[str, np.ndarray], hf: str, ct2: CT2Checkpoint, prefix: str, fused_qkv: bool) -> None:
    """Split CTranslate2's fused projections into q/k/v (k has no bias in Whisper)."""
    if fused_qkv:
        weight, bias = ct2.get(f"{prefix}/linear_0/weight"), ct2.get(f"{prefix}/linear_0/bias")
        q_w, k_w, v_w = np.split(weight, 3)
        q_b, _k_b, v_b = np.split(bias, 3)
        out = "linear_1"
    else:
        q_w, q_b = ct2.get(f"{prefix}/linear_0/weight"), ct2.get(f"{prefix}/linear_0/bias")
        k_w, v_w = np.split(ct2.get(f"{prefix}/linear_1/weight"), 2)
        _k_b, v_b = np.split(ct2.get(f"{prefix}/linear_1/bias"), 2)
        out = "linear_2"
    _linear(state, f"{hf}.q_proj", q_w, q_b)
    _linear(state, f"{hf}.k_proj", k_w, None)
    _linear(state, f"{hf}.v_proj", v_w, v_b)
    _linear(state, f"{hf}.out_proj", ct2.get(f"{prefix}/{out}/weight"), ct2.get(f"{prefix}/{out}/bias"))


def _ffn(state: dict[str, np.ndarray], hf: str, ct2: CT2Checkpoint, prefix: str) -> None:
    _linear(state, f"{hf}.fc1", ct2.get(f"{prefix}/linear_0/weight"), ct2.get(f"{prefix}/linear_0/bias"))
    _linear(state, f"{hf}.fc2", ct2.get(f"{prefix}/linear_1/weight"), ct2.get(f"{prefix}/linear_1/bias"))
    _layer_norm(state, f"{hf}.final_layer_norm", ct2, f"{prefix}/layer_norm")


def hf_state_dict(checkpoint: CT2Checkpoint) -> dict[str, np.ndarray]:
    """The transformers ``WhisperForConditionalGeneration`` state dict of a CTranslate2 checkpoint."""
    ct2 = checkpoint
    state: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        _linear(state, f"model.encoder.{conv}", ct2.get(f"encoder/{conv}/weight"), ct2.get(f"encoder/{conv}/bias"))
    for side in ("encoder", "decoder"):
        state[f"model.{side}.embed_positions.weight"] = ct2.get(f"{side}/position_encodings/encodings")
        _layer_norm(state, f"model.{side}.layer_norm", ct2, f"{side}/layer_norm")
    state["model.decoder.embed_tokens.weight"] = ct2.get("decoder/embeddings/weight")
    state["proj_out.weight"] = ct2.get("decoder/projection/weight")
    for i in range(_count_layers(ct2.variables, "encoder")):
        hf, prefix = f"model.encoder.layers.{i}", f"encoder/layer_{i}"
        _attention(state, f"{hf}.self_attn", ct2, f"{prefix}/self_attention", fused_qkv=True)
        _layer_norm(state, f"{hf}.self_attn_layer_norm", ct2, f"{prefix}/self_attention/layer_norm")
        _ffn(state, hf, ct2, f"{prefix}/ffn")
    for i in range(_count_layers(ct2.variables, "decoder")):
        hf, prefix = f"model.decoder.layers.{i}", f"decoder/layer_{i}"
        _attention(state, f"{hf}.self_attn", ct2, f"{prefix}/self_attention", fused_qkv=True)
        _layer_norm(state, f"{hf}.self_attn_layer_norm", ct2, f"{prefix}/self_attention/layer_norm")
        _attention(state, f"{hf}.encoder_attn", ct2, f"{prefix}/attention", fused_qkv=False)
        _layer_norm(state, f"{hf}.encoder_attn_layer_norm", ct2, f"{prefix}/attention/layer_norm")
        _ffn(state, hf, ct2, f"{prefix}/ffn")
    return state


def load_transformers_model(model_dir: str | Path) -> WhisperForConditionalGeneration:
    """Read a CTranslate2 Whisper directory into a float32 ``WhisperForConditionalGeneration``.

    Every parameter of the transformers model must be filled from the checkpoint: a missing or
    unexpected key raises :class:`TuneforkError` rather than training from random weights.
    """
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    checkpoint = read_ct2_checkpoint(model_dir)
    config = WhisperConfig(**hf_config_from_checkpoint(checkpoint))
    model = WhisperForConditionalGeneration(config)
    state = {
        key: torch.from_numpy(np.array(value, dtype=np.float32)) for key, value in hf_state_dict(checkpoint).items()
    }
    result = model.load_state_dict(state, strict=False)
    missing = [key for key in result.missing_keys if key != "proj_out.weight"]
    if missing or result.unexpected_keys:
        raise TuneforkError(
            f"converting {model_dir} to transformers left missing keys {missing[:5]} "
            f"and unexpected keys {result.unexpected_keys[:5]}"
        )
    model.tie_weights()
    if model.proj_out.weight.data_ptr() != model.model.decoder.embed_tokens.weight.data_ptr():
        raise TuneforkError("the Whisper output projection is not tied to the token embedding")
    _set_generation_config(model, Path(model_dir))
    return model.eval()


def _set_generation_config(model: WhisperForConditionalGeneration, model_dir: Path) -> None:
    """Copy the decoding config (suppressed tokens, alignment heads) of the CTranslate2 model."""
    config_path = model_dir / "config.json"
    if not config_path.is_file():
        return
    ct2_config = json.loads(config_path.read_text(encoding="utf-8"))
    generation = model.generation_config
    generation.suppress_tokens = ct2_config.get("suppress_ids")
    generation.begin_suppress_tokens = ct2_config.get("suppress_ids_begin")
    generation.alignment_heads = ct2_config.get("alignment_heads")
    generation.no_timestamps_token_id = 50362 if model.config.vocab_size == 51864 else 50363


class _Vocabulary:
    """The part of a tokenizer ``WhisperLoader`` reads: the token list in id order."""

    def __init__(self, tokens: list[str]) -> None:
        self._tokens = tokens

    def get_vocab(self) -> dict[str, int]:
        return {token: index for index, token in enumerate(self._tokens)}


def read_vocabulary(model_dir: str | Path) -> list[str]:
    """Tokens of a CTranslate2 Whisper directory in id order (``vocabulary.txt`` or ``.json``)."""
    model_dir = Path(model_dir)
    if (model_dir / "vocabulary.json").is_file():
        return json.loads((model_dir / "vocabulary.json").read_text(encoding="utf-8"))
    if (model_dir / "vocabulary.txt").is_file():
        return (model_dir / "vocabulary.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    raise TuneforkError(f"{model_dir} has no vocabulary.txt or vocabulary.json")


def _converter_class() -> type:
    """A ``TransformersConverter`` that converts an in-memory model instead of loading one."""
    from ctranslate2.converters import TransformersConverter

    class InMemoryConverter(TransformersConverter):
        def __init__(self, config_dir: str, model: Any, vocabulary: list[str]) -> None:
            super().__init__(config_dir)
            self._model = model
            self._vocabulary = vocabulary

        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            return self._model

        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            return _Vocabulary(self._vocabulary)

    return InMemoryConverter


def save_ct2_model(
    model: WhisperForConditionalGeneration,
    source_dir: str | Path,
    output_dir: str | Path,
    quantization: str = "int8",
) -> Path:
    """Write ``model`` as a CTranslate2 directory that faster-whisper loads offline.

    ``source_dir`` is the CTranslate2 model the weights came from: its ``config.json`` (suppressed
    tokens, alignment heads, language ids), ``tokenizer.json`` and vocabulary are reused, since
    fine-tuning changes none of them. ``quantization`` is any CTranslate2 type (``int8``,
    ``float16``, ``float32``...). ``output_dir`` must not exist yet.
    """
    import copy

    import transformers

    source_dir, output_dir = Path(source_dir), Path(output_dir)
    # The converter quantizes the tensors it is handed in place: give it a copy, so that training
    # can go on with the float32 weights after an epoch's checkpoint is written.
    model = copy.deepcopy(model).eval()
    vocabulary = read_vocabulary(source_dir)
    if len(vocabulary) != model.config.vocab_size:
        raise TuneforkError(f"vocabulary of {source_dir} has {len(vocabulary)} tokens, model {model.config.vocab_size}")
    with tempfile.TemporaryDirectory(prefix="tunefork-hfconfig-") as config_dir:
        model.config.save_pretrained(config_dir)
        converter = _converter_class()(config_dir, model, vocabulary)
        verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()  # the converter's own deprecation notice
        try:
            converter.convert(str(output_dir), quantization=quantization)
        except (ValueError, RuntimeError) as exc:
            raise TuneforkError(f"could not write the CTranslate2 model to {output_dir}: {exc}") from exc
        finally:
            transformers.logging.set_verbosity(verbosity)
    if (source_dir / "config.json").is_file():
        shutil.copyfile(source_dir / "config.json", output_dir / "config.json")
    for name in COPIED_FILES:
        if (source_dir / name).is_file():
            shutil.copyfile(source_dir / name, output_dir / name)
    return output_dir
