"""Datasets: importers per upload format, item validation, canonical storage and inspection reports.

Entry points: :func:`tunefork.datasets.importer.import_dataset` and
:func:`tunefork.datasets.inspection.inspect_dataset` / :func:`~tunefork.datasets.inspection.load_manifest`.
"""
