"""Background jobs: a Huey queue (SQLite in the workspace, or Redis) whose one task runs a ``jobs`` row.

See :mod:`tunefork.workflows.jobs` for the table and its lease, :mod:`tunefork.jobs.queue` for the
queue, :mod:`tunefork.jobs.runner` for running one job and :mod:`tunefork.jobs.recovery` for taking
back the jobs of dead workers.
"""
