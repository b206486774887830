"""Honest evaluation: normalizers, WER alignment, significance, train/test overlap, scores and reports.

Pure library code: plain data in, plain data out. The CLI and the service render the results. Import the
modules themselves (``tunefork.evaluation.comparison``...): this package imports nothing, so reading a
constant from one module does not load them all.
"""
