"""Image classification: decoding and validating images, the EfficientNet-Lite0 embedder, heads and scoring.

:mod:`tunefork.kinds.image` names these engines for the ``image`` project kind; nothing else branches on it.
Heavy libraries (torch, onnxruntime, imagehash) are imported inside the functions that need them.
"""
