"""Use cases shared by the CLI and the REST API: each takes a Workspace and returns plain data."""
