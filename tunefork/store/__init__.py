"""Persistence: SQLAlchemy metadata, repository functions and atomic artifact files."""
