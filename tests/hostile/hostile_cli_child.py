"""Run `tunefork` CLI commands in forked children of one warm process, measuring each child.

Usage: ``python hostile_cli_child.py COMMANDS.json RESULTS.json``. ``COMMANDS.json`` is a list of
``{"name", "args"}``; for each, a child is forked (the heavy libraries are imported once, before), its
address space capped with ``RLIMIT_AS`` (the parent's size + ``HOSTILE_CLI_MEMORY_MIB``, default 2048), its
stdout and stderr captured, and ``os.wait4`` gives its peak RSS and CPU time. ``RESULTS.json`` gets one
``{"name", "exit", "seconds", "cpu_seconds", "peak_mb", "base_mb", "output"}`` per command.
PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _warm_up() -> None:
    """Import what the commands import, so each child measures its own work, not library loading."""
    import re2  # noqa: F401
    import scipy.signal  # noqa: F401
    import soundfile  # noqa: F401
    import yaml  # noqa: F401

    import tunefork.cli.main  # noqa: F401
    from tunefork.language.pipelines import blank_english

    blank_english()


def _child(args: list[str], output: Path, limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    code = 0
    try:
        from tunefork.cli.main import app

        app(args, prog_name="tunefork")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 70
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    commands = json.loads(Path(sys.argv[1]).read_text())
    _warm_up()
    base_kib = _status_kib("VmRSS")
    limit = _status_kib("VmSize") * 1024 + int(os.environ.get("HOSTILE_CLI_MEMORY_MIB", "2048")) * 2**20
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for command in commands:
            output = Path(scratch) / "out.txt"
            started = time.monotonic()
            pid = os.fork()
            if pid == 0:
                _child(command["args"], output, limit)
            _, status, usage = os.wait4(pid, 0)
            results.append(
                {
                    "name": command["name"],
                    "exit": os.waitstatus_to_exitcode(status),
                    "seconds": round(time.monotonic() - started, 3),
                    "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
                    "peak_mb": round(usage.ru_maxrss / 1024, 1),
                    "base_mb": round(base_kib / 1024, 1),
                    "output": output.read_text(errors="replace")[-20000:],
                }
            )
    Path(sys.argv[2]).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
