"""`tunefork doctor`: each check reports what is wrong, with the reason, and never prints a password."""

from __future__ import annotations

from pathlib import Path

import pytest
from databases import PG_URL, REDIS_URL, postgres_and_redis_available
from typer.testing import CliRunner

from tunefork.cli.main import app


def _doctor(tmp_path: Path, **env: str):
    base = {"TUNEFORK_DATABASE_URL": "", "TUNEFORK_REDIS_URL": "", "TUNEFORK_STORAGE_URL": "", "COLUMNS": "300"}
    base["TUNEFORK_ADMIN_TOKEN"] = ""
    return CliRunner().invoke(app, ["--home", str(tmp_path / "ws"), "doctor"], env={**base, **env})


def test_defaults_pass_and_create_nothing(tmp_path: Path) -> None:
    result = _doctor(tmp_path)
    assert result.exit_code == 0, result.output
    assert "SQLite queue in the workspace" in result.output and "created at first use" in result.output
    assert not (tmp_path / "ws").exists()


def test_a_workspace_disk_without_room_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "GB free" in _doctor(tmp_path).output
    monkeypatch.setattr("tunefork.jobs.doctor.MIN_FREE_BYTES", 1 << 62)  # more than any disk holds
    result = _doctor(tmp_path)
    assert result.exit_code == 1 and "(uploads and trainings need at least 1 GB)" in result.output
    assert "1 problem(s): workspace." in result.output


def test_bad_urls_are_reported_with_the_reason(tmp_path: Path) -> None:
    result = _doctor(
        tmp_path,
        TUNEFORK_DATABASE_URL="postgresql+psycopg2://tf:s3cret@127.0.0.1:1/tunefork",
        TUNEFORK_REDIS_URL="redis://:s3cret@127.0.0.1:1/0",
    )
    assert result.exit_code == 1
    lines = {line.split(":", 1)[0].split()[-1]: line for line in result.output.splitlines() if ":" in line}
    assert lines["database"].startswith("FAIL") and "cannot connect" in lines["database"]
    assert lines["queue"].startswith("FAIL") and "cannot reach Redis" in lines["queue"]
    assert "3 problem(s): database, queue, storage." in result.output and "s3cret" not in result.output


def test_a_malformed_url_and_setting(tmp_path: Path) -> None:
    result = _doctor(tmp_path, TUNEFORK_DATABASE_URL="not a url")
    assert result.exit_code == 1 and "is not a usable URL" in result.output
    result = _doctor(tmp_path, TUNEFORK_JOB_LEASE_SECONDS="soon")
    assert result.exit_code == 1 and "TUNEFORK_JOB_LEASE_SECONDS='soon' is not usable: give a number" in result.output


@pytest.mark.services
def test_postgres_and_redis_answer(tmp_path: Path) -> None:
    reason = postgres_and_redis_available()
    if reason:
        pytest.skip(reason)
    shared = {"TUNEFORK_DATABASE_URL": PG_URL, "TUNEFORK_REDIS_URL": REDIS_URL}
    result = _doctor(tmp_path, **shared, TUNEFORK_STORAGE_URL=f"file://{tmp_path}/store", TUNEFORK_ADMIN_TOKEN="t")
    assert result.exit_code == 0, result.output
    assert "connected, schema" in result.output and "Redis answers" in result.output
    assert result.output.rstrip().endswith("Everything answers.")


@pytest.mark.services
def test_a_shared_database_and_queue_without_a_shared_store_is_a_problem(tmp_path: Path) -> None:
    """A scale-out review's worker lacked TUNEFORK_STORAGE_URL, passed doctor ("Everything answers.") and then
    failed the shared jobs it took; nor did doctor say that TUNEFORK_ADMIN_TOKEN was unset."""
    reason = postgres_and_redis_available()
    if reason:
        pytest.skip(reason)
    result = _doctor(tmp_path, TUNEFORK_DATABASE_URL=PG_URL, TUNEFORK_REDIS_URL=REDIS_URL)
    output = " ".join(result.output.split())
    assert result.exit_code == 1, output
    assert "FAIL storage: TUNEFORK_STORAGE_URL is unset while the database and the queue are shared" in output
    assert "cannot read the artifacts and uploads this machine keeps" in output
    assert "warn admin token: TUNEFORK_ADMIN_TOKEN is unset while the database is shared" in output
    assert "1 problem(s): storage. 1 warning(s): admin token." in output


def test_a_bad_storage_url_is_reported(tmp_path: Path) -> None:
    result = _doctor(tmp_path, TUNEFORK_STORAGE_URL="ftp://files/artifacts")
    assert result.exit_code == 1 and "expected s3://bucket/prefix or file:///folder" in result.output
    result = _doctor(
        tmp_path,
        TUNEFORK_STORAGE_URL="s3://tunefork/artifacts",
        TUNEFORK_S3_ENDPOINT_URL="http://127.0.0.1:1",
        TUNEFORK_S3_ACCESS_KEY_ID="k",
        TUNEFORK_S3_SECRET_ACCESS_KEY="s3cret",
    )
    assert result.exit_code == 1 and "cannot use the store" in result.output and "s3cret" not in result.output


def test_every_command_says_in_one_line_when_the_database_cannot_be_used(tmp_path: Path) -> None:
    """A scale-out review got a 150-line SQLAlchemy traceback from serve, worker and project list alike."""
    for url, said in (
        ("postgresql+psycopg2://u:s3cret@127.0.0.1:1/x", "does not answer (OperationalError: "),
        ("postgres://u:s3cret@127.0.0.1/x", "is not a usable URL (NoSuchModuleError: "),
    ):
        result = CliRunner().invoke(app, ["--home", str(tmp_path / "ws"), "project", "list"],
                                    env={"TUNEFORK_DATABASE_URL": url, "COLUMNS": "300"})  # fmt: skip
        output = " ".join(result.output.split())
        assert result.exit_code == 1 and said in output and "Traceback" not in output, output
        assert "s3cret" not in output and "u:***@127.0.0.1" in output


def test_no_password_in_a_query_string_or_an_endpoint_is_shown(tmp_path: Path) -> None:
    """A review got all three passwords printed by doctor, and the database's by every command's one-line error."""
    result = _doctor(
        tmp_path,
        TUNEFORK_DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:1/x?password=QueryPw999",
        TUNEFORK_REDIS_URL="redis://127.0.0.1:1/7?password=QueryRedisPw",
        TUNEFORK_STORAGE_URL="s3://tunefork/artifacts",
        TUNEFORK_S3_ENDPOINT_URL="http://user:EndpointPw77@127.0.0.1:1",
    )
    assert result.exit_code == 1 and "3 problem(s): database, queue, storage." in result.output
    assert "x?password=***" in result.output and "7?password=***" in result.output
    assert "(endpoint http://user:***@127.0.0.1:1)" in result.output
    for secret in ("QueryPw999", "QueryRedisPw", "EndpointPw77"):
        assert secret not in result.output
    url = "postgresql+psycopg2://postgres@127.0.0.1:1/x?password=QueryPw999"
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "ws"), "project", "list"],
                                env={"TUNEFORK_DATABASE_URL": url, "COLUMNS": "300"})  # fmt: skip
    assert result.exit_code == 1 and "does not answer" in result.output and "QueryPw999" not in result.output


def test_a_bad_job_setting_does_not_hide_the_other_problems(tmp_path: Path) -> None:
    """A review's `TUNEFORK_JOB_LEASE_SECONDS=abc tunefork doctor` printed the job-settings failure alone: the
    database, queue and store were never checked."""
    result = _doctor(
        tmp_path,
        TUNEFORK_JOB_LEASE_SECONDS="abc",
        TUNEFORK_DATABASE_URL="postgresql+psycopg2://tf@127.0.0.1:1/tunefork",
        TUNEFORK_REDIS_URL="redis://127.0.0.1:1/0",
        TUNEFORK_STORAGE_URL=f"file://{tmp_path}/store",
    )
    assert result.exit_code == 1
    assert "TUNEFORK_JOB_LEASE_SECONDS='abc' is not usable" in result.output
    assert "cannot connect" in result.output and "cannot reach Redis" in result.output
    assert "3 problem(s): job settings, database, queue." in result.output
