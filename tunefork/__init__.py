"""tunefork: train custom speech and language models, measure the gain honestly, serve them."""

__version__ = "0.1.0"
