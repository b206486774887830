"""The REST API (FastAPI): management routes behind an admin token, recognition behind endpoint keys."""
