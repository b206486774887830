"""The `tunefork` command line: thin Typer commands over `tunefork.workflows`."""
