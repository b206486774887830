"""Environment overrides: one reader names the variable and the bad value instead of a raw ValueError."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tunefork.cli.main import app
from tunefork.config import env_float, env_int
from tunefork.errors import SettingError
from tunefork.service.app import create_app
from tunefork.service.config import ServiceSettings


def test_numbers_are_read_and_bad_values_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUNEFORK_X", raising=False)
    assert env_int("TUNEFORK_X", 7) == 7 and env_float("TUNEFORK_X", 1.5) == 1.5
    monkeypatch.setenv("TUNEFORK_X", " 12 ")
    assert env_int("TUNEFORK_X", 7, minimum=1) == 12 and env_float("TUNEFORK_X", 1.5) == 12.0
    for bad, reader in (("12MB", env_int), ("2.5", env_int), ("nan", env_float), ("inf", env_float)):
        monkeypatch.setenv("TUNEFORK_X", bad)
        with pytest.raises(SettingError, match=f"TUNEFORK_X='{bad}' is not usable: give a .*number"):
            reader("TUNEFORK_X", 7)
    monkeypatch.setenv("TUNEFORK_X", "0")
    with pytest.raises(SettingError, match=r"give a whole number of at least 1, or unset it for the default \(7\)"):
        env_int("TUNEFORK_X", 7, minimum=1)


def test_the_service_and_the_cli_name_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TUNEFORK_RECOGNITION_WORKERS", "eight")
    with pytest.raises(SettingError, match="TUNEFORK_RECOGNITION_WORKERS='eight'"):
        ServiceSettings.from_env()
    monkeypatch.setenv("TUNEFORK_MAX_ARCHIVE_BYTES", "2GB")
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "project", "list"])
    assert result.exit_code == 1 and result.exception is not None and "Traceback" not in result.output
    assert "TUNEFORK_MAX_ARCHIVE_BYTES='2GB' is not usable: give a whole number" in " ".join(result.output.split())


def test_a_bad_setting_met_by_a_request_is_a_server_error(workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", "config-token")
    monkeypatch.setenv("TUNEFORK_MONITOR_RETRY_SECONDS", "soon")  # read when a monitor is created
    monitor = {"endpoint": "rx", "dataset": "test", "key": "k", "schedule": "*/30 * * * *", "metric": "wer", "max": 0.2}
    with TestClient(create_app(workspace)) as client:
        answer = client.post("/monitors", json=monitor, headers={"Authorization": "Bearer config-token"})
    assert answer.status_code == 500 and "incident" in answer.json()["message"] and "soon" not in answer.text
