"""tunefork: train custom speech, language and image models, measure the gain honestly, serve them."""

__version__ = "0.1.0"
